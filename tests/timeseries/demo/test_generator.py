"""`generate_timeseries`: deterministic, physically consistent demo series, and US-WECC answering by roll-up."""

from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from tests.conftest import once_per_module
from timeseries.models import Point, Series

pytestmark = pytest.mark.django_db

AREAS = ["US-WECC-CISO", "US-WECC-LADWP", "US-WECC-NEVP", "US-WECC-BANC", "US-WECC-ABCD"]


def generate(*args: str) -> str:
    out = StringIO()
    call_command("generate_timeseries", "--days", "2", *args, stdout=out)
    return out.getvalue()


_generated = once_per_module("_generated", generate, inside="_demo_grid")


@pytest.fixture
def generated(_generated, demo) -> None:
    """The spec's example grid and two days of generated series (generate() with its defaults, once for the module)."""


def values(psr_id: str, quantity: str, **dims) -> list[tuple]:
    return list(
        Point.objects.filter(
            series__psr_id=psr_id, series__quantity=quantity, **{f"series__{k}": v for k, v in dims.items()}
        )
        .order_by("series__fuel_type_id", "series__connected_psr_id", "start")
        .values_list("series__fuel_type__aib_code", "series__connected_psr_id", "start", "value")
    )


def test_every_area_holds_every_quantity_and_us_wecc_none(generated):
    for psr_id in AREAS:
        quantities = set(Series.objects.filter(psr_id=psr_id).values_list("quantity", flat=True))
        assert quantities == {"generation", "demand", "imports", "exports", "price", "curtailment"}, psr_id
    assert not Series.objects.filter(psr_id="US-WECC").exists()
    ciso_fuels = Series.objects.filter(psr_id="US-WECC-CISO", quantity="generation", timeframe="actual")
    assert ciso_fuels.count() == 10
    assert all(s.points.count() == 48 for s in ciso_fuels)
    timeframes = set(Series.objects.filter(psr_id="US-WECC-CISO", quantity="price").values_list("timeframe", flat=True))
    assert timeframes == {"day-ahead", "hour-ahead", "real-time"}


def test_flows_mirror_each_other(generated):
    ciso_exports = values("US-WECC-CISO", "exports", connected_psr_id="US-WECC-NEVP")
    nevp_imports = values("US-WECC-NEVP", "imports", connected_psr_id="US-WECC-CISO")
    assert [(start, v) for _, _, start, v in ciso_exports] == [(start, v) for _, _, start, v in nevp_imports]
    assert any(v > 0 for *_, v in ciso_exports)
    assert all(v >= 0 for *_, v in ciso_exports + nevp_imports)


def test_solar_is_zero_at_local_night_and_positive_at_local_noon(generated):
    tz = ZoneInfo("America/Los_Angeles")
    solar = [
        (start.astimezone(tz).hour, v)
        for _, _, start, v in values("US-WECC-CISO", "generation", fuel_type__aib_code="F01040100")
    ]
    assert all(v == 0 for hour, v in solar if hour < 5 or hour > 19)
    assert all(v > 0 for hour, v in solar if hour == 12)


def test_the_same_seed_gives_the_same_series_and_another_seed_does_not(demo):
    generate("--seed", "7")
    first = values("US-WECC-CISO", "generation")
    generate("--seed", "7")
    assert values("US-WECC-CISO", "generation") == first
    generate("--seed", "8")
    assert values("US-WECC-CISO", "generation") != first


def test_if_empty_leaves_existing_series_alone(generated):
    before = Point.objects.count()
    assert "nothing generated" in generate("--if-empty", "--seed", "99")
    assert Point.objects.count() == before


def test_meters_get_fifteen_minute_demand(demo):
    generate("--areas", "0", "--meters", "2")
    meters = Series.objects.filter(psr__parent_id="US-WECC-CISO-ABC", quantity="demand")
    assert meters.count() == 2
    assert all(s.points.count() == 2 * 96 for s in meters)


def test_us_wecc_answers_generation_by_roll_up_of_its_areas(api, generated):
    params = {"startDatetime": "2023-01-01T12:00:00Z", "endDatetime": "2023-01-01T13:00:00Z"}
    body = api.get("/power-system-resources/US-WECC/timeseries/generation", params).json()
    assert body["rolledUp"] is True
    areas = [api.get(f"/power-system-resources/{a}/generation", params).json()["generation"][0]["value"] for a in AREAS]
    assert body["generation"][0]["value"] == pytest.approx(sum(areas), abs=1e-6)
