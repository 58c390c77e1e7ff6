"""The admin shows what each meter holds: per stream its first and last reading, count and gaps; and projects can
be filtered by the formats their meters hold."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import MeterFactory, SuperuserFactory
from timeseries.coverage import series_coverage
from timeseries.services import PointIn, meter_series_get_or_create, points_write

pytestmark = pytest.mark.django_db

T0 = datetime(2024, 3, 1, tzinfo=UTC)
Q = timedelta(minutes=15)


def _readings(meter, fmt: str, quarters: list[int]):
    series = meter_series_get_or_create(meter=meter, reading_format=fmt, validity="total_gross", direction="delivered")
    points_write(series=series, points=[PointIn(T0 + i * Q, T0 + (i + 1) * Q, 1.0) for i in quarters], unit="kWh")
    return series


def test_coverage_counts_readings_and_lists_each_gap_with_its_bounds():
    meter = MeterFactory()
    series = _readings(meter, "settlement", [0, 1, 2, 5, 6, 9])
    [coverage] = series_coverage(series_ids=[series.pk]).values()
    assert (coverage.first, coverage.last, coverage.count) == (T0, T0 + 10 * Q, 6)
    assert coverage.gap_count == 2 and coverage.gaps == [(T0 + 3 * Q, T0 + 5 * Q), (T0 + 7 * Q, T0 + 9 * Q)]


def test_a_meter_page_shows_each_stream_with_its_coverage(client):
    meter = MeterFactory(meter_number="COV-1")
    _readings(meter, "settlement", [0, 1, 2, 5])
    _readings(meter, "scada", [0, 1])
    client.force_login(SuperuserFactory())
    page = client.get(f"/admin/psr/meter/{meter.pk}/change/").content.decode()
    assert "<td>settlement</td><td>total_gross</td><td>delivered</td><td>2024-03-01 00:00 UTC</td>" in page
    assert (
        "<td>2024-03-01 01:30 UTC</td><td>4</td><td>1 gap (2024-03-01 00:45 UTC to 2024-03-01 01:15 UTC)</td>" in page
    )
    assert "<td>scada</td>" in page and "<td>2</td><td>no gap</td>" in page
    project_page = client.get(f"/admin/psr/productionproject/{meter.project_id}/change/").content.decode()
    assert "1 gap (2024-03-01 00:45 UTC to 2024-03-01 01:15 UTC)" in project_page  # the meters inline too


def test_projects_filter_by_the_format_their_meters_hold(client):
    scada, settlement, empty = MeterFactory(), MeterFactory(), MeterFactory()
    _readings(scada, "scada", [0])
    _readings(settlement, "settlement", [0])
    meter_series_get_or_create(meter=empty, reading_format="scada", validity="total_gross", direction="net")
    client.force_login(SuperuserFactory())
    page = client.get("/admin/psr/productionproject/", {"format_held": "scada"}).content.decode()

    def listed(meter) -> bool:
        return f"/admin/psr/productionproject/{meter.project_id}/change/" in page

    assert listed(scada)
    assert not listed(settlement) and not listed(empty)  # a stream with no reading holds none
