"""A project's `available_formats` and `available_reading_validity`: what its meters hold, else what its operator
declares while they hold nothing."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import MeterFactory, ProductionProjectFactory, SuperuserFactory
from timeseries.services import PointIn, meter_series_get_or_create, points_write

pytestmark = pytest.mark.django_db

DECLARED = {"declared_formats": ["settlement", "forecast_day_ahead"], "declared_validities": ["contracted"]}


def _hold(meter, reading_format: str, validity: str, *, points: int = 1) -> None:
    series = meter_series_get_or_create(
        meter=meter, reading_format=reading_format, validity=validity, direction="delivered"
    )
    start = datetime(2024, 6, 1, tzinfo=UTC)
    step = timedelta(minutes=15)
    points_write(
        series=series,
        points=[PointIn(start + i * step, start + (i + 1) * step, 1.0) for i in range(points)],
        unit="kWh",
    )


@pytest.fixture
def staff(client):
    client.force_login(SuperuserFactory())
    return client


def _available(client, project_id: str) -> tuple[list[str], list[str]]:
    body = client.get(f"/production-projects/{project_id}").json()
    return body["available_formats"], body["available_reading_validity"]


def test_a_project_whose_meters_hold_nothing_publishes_its_declared_lists(staff):
    project = ProductionProjectFactory(**DECLARED)
    meter = MeterFactory(project=project)
    _hold(meter, "scada", "total_gross", points=0)  # a stream with no reading holds nothing
    assert _available(staff, project.id) == (["settlement", "forecast_day_ahead"], ["contracted"])


def test_a_project_whose_meters_hold_readings_publishes_what_they_hold(staff):
    project = ProductionProjectFactory(**DECLARED)
    first, second = MeterFactory(project=project), MeterFactory(project=project)
    _hold(first, "scada", "total_gross")
    _hold(second, "settlement", "net_metering")
    _hold(second, "settlement", "total_gross")
    _hold(second, "forecast_hour_ahead", "contracted", points=0)
    # In the vocabularies' order, each once; the declared lists no longer speak.
    assert _available(staff, project.id) == (["settlement", "scada"], ["total_gross", "net_metering"])


def test_the_list_reads_what_meters_hold_without_a_query_per_project(staff):
    def list_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert staff.get("/production-projects").status_code == 200
        return len(queries)

    for _ in range(2):
        _hold(MeterFactory(project=ProductionProjectFactory()), "scada", "total_gross")
    few = list_queries()
    for _ in range(5):
        _hold(MeterFactory(project=ProductionProjectFactory()), "settlement", "contracted")
    assert list_queries() == few
    body = staff.get("/production-projects").json()["production_projects"]
    assert sorted(p["available_formats"][0] for p in body) == ["scada"] * 2 + ["settlement"] * 5
