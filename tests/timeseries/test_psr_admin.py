"""A PSR's admin page lists the series the store holds for it: quantity, timeframe, fuel or neighbour, first and
last interval, count of points, the API URL that reads each back and its data-quality view."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from metadata.models import FuelSourceType
from psr.models import PowerSystemResource
from timeseries.services import PointIn, points_write, series_get_or_create

pytestmark = pytest.mark.django_db

T0 = datetime(2024, 3, 1, tzinfo=UTC)
H = timedelta(hours=1)


def psr_page(client, psr_id: str) -> str:
    return client.get(reverse("admin:psr_powersystemresource_change", args=[psr_id])).content.decode()


def _write(series, hours: list[int], unit: str = "MWh") -> None:
    points_write(series=series, points=[PointIn(T0 + i * H, T0 + (i + 1) * H, 5.0) for i in hours], unit=unit)


def test_a_psr_page_lists_each_series_with_its_span_count_and_api_link(admin_client, demo):
    ciso, nevp = PowerSystemResource.objects.get(pk="US-WECC-CISO"), PowerSystemResource.objects.get(pk="US-WECC-NEVP")
    fuel = FuelSourceType.objects.order_by("name").first()
    generation = series_get_or_create(psr=ciso, quantity="generation", unit="MWh", timeframe="actual", fuel_type=fuel)
    _write(generation, [0, 1, 2, 5, 6])  # a gap does not change the count, first or last
    imports = series_get_or_create(psr=ciso, quantity="imports", unit="MWh", timeframe="actual", connected_psr=nevp)
    _write(imports, [3])
    prices = series_get_or_create(psr=ciso, quantity="price", unit="USD", timeframe="intraday")
    _write(prices, [0, 1], unit="USD")

    page = psr_page(admin_client, "US-WECC-CISO").replace("&amp;", "&")
    quality = reverse("admin:psr_powersystemresource_quality", args=["US-WECC-CISO"])
    assert (
        f"<tr><td>generation</td><td>actual</td><td>{fuel}</td><td>MWh</td><td>2024-03-01 00:00 UTC</td>"
        "<td>2024-03-01 07:00 UTC</td><td>5</td>"
        '<td><a href="/power-system-resources/US-WECC-CISO/timeseries/generation?startDatetime=2024-03-01T00%3A00%3A00Z'
        '&endDatetime=2024-03-01T07%3A00%3A00Z">API</a> &middot; '
        f'<a href="{quality}?quantity=generation#series-{generation.pk}">quality</a></td></tr>'
    ) in page
    nevp_link = f'<a href="{reverse("admin:psr_powersystemresource_change", args=["US-WECC-NEVP"])}">US-WECC-NEVP</a>'
    assert (
        f"<tr><td>imports</td><td>actual</td><td>{nevp_link}</td><td>MWh</td><td>2024-03-01 03:00 UTC</td>"
        "<td>2024-03-01 04:00 UTC</td><td>1</td>"
    ) in page
    # The PSR's series lead to its public page in the explorer and to their data quality.
    assert "<a href='/explore/psr/US-WECC-CISO'>Charts of these series in the explorer</a>" in page
    assert f"<a href='{quality}'>Data quality of these series</a>" in page
    # A timeframe other than the quantity's default is said in the link (prices default to the day-ahead market).
    assert (
        "/power-system-resources/US-WECC-CISO/timeseries/price?startDatetime=2024-03-01T00%3A00%3A00Z"
        "&endDatetime=2024-03-01T02%3A00%3A00Z&timeframe=intraday"
    ) in page


def test_a_series_with_no_point_and_a_psr_with_no_series_say_so(admin_client, demo):
    nevp = PowerSystemResource.objects.get(pk="US-WECC-NEVP")
    series_get_or_create(psr=nevp, quantity="demand", unit="MWh", timeframe="actual")
    page = psr_page(admin_client, "US-WECC-NEVP")
    assert "<tr><td>demand</td><td>actual</td><td></td><td>MWh</td><td></td><td></td><td>0</td>" in page
    assert "No time series." in psr_page(admin_client, "US-WECC-CISO-ABC-HYDRO")
