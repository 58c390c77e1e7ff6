"""The store's write services: counts, idempotence, overlap refusal, validation, units, bulk replace, the index."""

import math
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from tests.timeseries.helpers import COAL, HOUR, psr, run, utc, write
from timeseries.models import Point, Series
from timeseries.services import PointIn, WriteResult, points_write, series_get_or_create, series_replace_points

pytestmark = pytest.mark.django_db

T0 = utc(2022, 6, 1)


def stored(series: Series) -> list[tuple]:
    return list(Point.objects.filter(series=series).order_by("start").values_list("start", "end", "value", "quality"))


def stored_with_times(series: Series) -> list[tuple]:
    return list(
        Point.objects.filter(series=series).order_by("start").values_list("start", "end", "value", "updated_at")
    )


def messages(exc: pytest.ExceptionInfo) -> str:
    return " | ".join(exc.value.messages)


@pytest.fixture
def demand(demo) -> Series:
    return series_get_or_create(psr=psr("US-WECC-CISO"), quantity="demand", unit="MWh", timeframe="actual")


def test_points_write_counts_inserted_updated_and_unchanged(demand):
    first = points_write(series=demand, points=run(T0, [1.0, 2.0, 3.0]), unit="MWh")
    assert first == WriteResult(inserted=3, updated=0, unchanged=0)

    # Same first interval and value, a new value for the second, a new fourth interval.
    second = points_write(
        series=demand,
        points=[
            PointIn(T0, T0 + HOUR, 1.0),
            PointIn(T0 + HOUR, T0 + 2 * HOUR, 20.0),
            PointIn(T0 + 3 * HOUR, T0 + 4 * HOUR, 4.0),
        ],
        unit="MWh",
    )
    assert second == WriteResult(inserted=1, updated=1, unchanged=1)
    assert [value for _, _, value, _ in stored(demand)] == [1.0, 20.0, 3.0, 4.0]


def test_rewriting_the_same_points_reports_unchanged_and_keeps_updated_at(demand):
    points = run(T0, [1.5, 2.5, 3.5])
    points_write(series=demand, points=points, unit="MWh")
    before = stored_with_times(demand)

    again = points_write(series=demand, points=points, unit="MWh")

    assert again == WriteResult(unchanged=3)
    assert stored_with_times(demand) == before


def test_changing_a_value_moves_its_updated_at_only(demand):
    points_write(series=demand, points=run(T0, [1.0, 2.0]), unit="MWh")
    before = stored_with_times(demand)

    points_write(series=demand, points=[PointIn(T0 + HOUR, T0 + 2 * HOUR, 9.0)], unit="MWh")

    after = stored_with_times(demand)
    assert after[0] == before[0]
    assert after[1][2] == 9.0
    assert after[1][3] > before[1][3]


def test_same_interval_rewritten_is_an_update(demand):
    points_write(series=demand, points=[PointIn(T0, T0 + HOUR, 5.0)], unit="MWh")
    result = points_write(series=demand, points=[PointIn(T0, T0 + HOUR, 6.0, quality=1)], unit="MWh")
    assert result == WriteResult(updated=1)
    assert stored(demand) == [(T0, T0 + HOUR, 6.0, 1)]


def test_overlapping_intervals_within_one_write_are_refused(demand):
    points = [PointIn(T0, T0 + HOUR, 1.0), PointIn(T0 + timedelta(minutes=30), T0 + timedelta(minutes=90), 2.0)]
    with pytest.raises(ValidationError) as exc:
        points_write(series=demand, points=points, unit="MWh")
    assert "overlap" in messages(exc)
    assert stored(demand) == []


def test_interval_overlapping_a_stored_one_of_another_length_is_refused_naming_series_and_clash(demand):
    points_write(series=demand, points=run(T0, [1.0, 2.0]), unit="MWh")
    before = stored_with_times(demand)
    clash = PointIn(T0 + timedelta(minutes=30), T0 + timedelta(minutes=90), 7.0)
    fine = PointIn(T0 + 5 * HOUR, T0 + 6 * HOUR, 8.0)  # all or nothing: refused with the clash

    with pytest.raises(ValidationError) as exc:
        points_write(series=demand, points=[fine, clash], unit="MWh")

    text = messages(exc)
    assert str(demand) in text and "US-WECC-CISO" in text
    assert clash.start.isoformat() in text and clash.end.isoformat() in text
    # The stored interval it hits: 00:00 - 01:00 (the first one it meets).
    assert f"{T0.isoformat()} - {(T0 + HOUR).isoformat()}" in text
    assert stored_with_times(demand) == before


def test_same_start_with_another_length_is_refused(demand):
    points_write(series=demand, points=[PointIn(T0, T0 + HOUR, 1.0)], unit="MWh")
    with pytest.raises(ValidationError) as exc:
        points_write(series=demand, points=[PointIn(T0, T0 + timedelta(minutes=15), 1.0)], unit="MWh")
    assert "another length" in messages(exc)
    assert stored(demand) == [(T0, T0 + HOUR, 1.0, 0)]


NAIVE = T0.replace(tzinfo=None)


INVALID_POINTS = [
    ("demand", PointIn(NAIVE, NAIVE + HOUR, 1.0), "timezone"),
    ("demand", PointIn(T0, NAIVE + HOUR, 1.0), "timezone"),
    ("demand", PointIn(T0 + timedelta(milliseconds=700), T0 + HOUR, 1.0), "whole seconds"),
    ("demand", PointIn(T0, T0 + HOUR + timedelta(microseconds=1), 1.0), "whole seconds"),
    ("demand", PointIn(T0, T0, 1.0), "end must be after"),
    ("demand", PointIn(T0 + HOUR, T0, 1.0), "end must be after"),
    ("demand", PointIn(T0, T0 + HOUR, math.nan), "finite"),
    ("demand", PointIn(T0, T0 + HOUR, math.inf), "finite"),
    ("demand", PointIn(T0, T0 + HOUR, -math.inf), "finite"),
    ("demand", PointIn(T0, T0 + HOUR, True), "finite"),
    ("demand", PointIn(T0, T0 + HOUR, 1.0, quality=9), "quality"),
    ("imports", PointIn(T0, T0 + HOUR, -0.5), "negative"),
    ("exports", PointIn(T0, T0 + HOUR, -3.0), "negative"),
]
INVALID_IDS = [
    "naive-start",
    "naive-end",
    "sub-second-start",
    "sub-second-end",
    "end-equals-start",
    "end-before-start",
    "nan",
    "inf",
    "minus-inf",
    "bool",
    "unknown-quality",
    "negative-imports",
    "negative-exports",
]


@pytest.mark.parametrize(("quantity", "point", "phrase"), INVALID_POINTS, ids=INVALID_IDS)
def test_invalid_points_are_refused_and_nothing_is_written(demo, quantity, point, phrase):
    series = series_get_or_create(psr=psr("US-WECC-CISO"), quantity=quantity, unit="MWh", timeframe="actual")
    good = PointIn(T0 - HOUR, T0, 1.0)
    with pytest.raises(ValidationError) as exc:
        points_write(series=series, points=[good, point], unit="MWh")
    assert phrase in messages(exc)
    assert stored(series) == []


def test_a_zero_flow_is_not_negative(demo):
    imports = series_get_or_create(psr=psr("US-WECC-CISO"), quantity="imports", unit="MWh", timeframe="actual")
    assert points_write(series=imports, points=[PointIn(T0, T0 + HOUR, 0.0)], unit="MWh").inserted == 1


@pytest.mark.parametrize(("unit", "value", "mwh"), [("kWh", 1500, 1.5), ("Wh", 250_000, 0.25), ("GWh", 0.002, 2.0)])
def test_energy_written_in_another_unit_is_stored_in_mwh(demo, unit, value, mwh):
    series = write("US-WECC-CISO", "demand", [PointIn(T0, T0 + HOUR, value)], unit=unit)
    assert series.unit == "MWh"
    assert stored(series) == [(T0, T0 + HOUR, pytest.approx(mwh, rel=1e-12), 0)]


def test_the_same_energy_in_another_unit_is_unchanged(demo):
    series = write("US-WECC-CISO", "demand", [PointIn(T0, T0 + HOUR, 1500)], unit="kWh")
    assert points_write(series=series, points=[PointIn(T0, T0 + HOUR, 1.5)], unit="MWh") == WriteResult(unchanged=1)


@pytest.mark.parametrize("unit", ["MW", "mwh", "EUR", ""])
def test_energy_series_refuse_a_non_energy_unit(demo, unit):
    with pytest.raises(ValidationError):
        series_get_or_create(psr=psr("US-WECC-CISO"), quantity="generation", unit=unit, timeframe="actual")
    assert not Series.objects.exists()


@pytest.mark.parametrize(
    ("unit", "value", "tonnes"), [("kgCO2e", 1500, 1.5), ("gCO2e", 250_000, 0.25), ("ktCO2e", 0.002, 2.0)]
)
def test_emissions_written_in_another_unit_are_stored_in_tco2e(demo, unit, value, tonnes):
    series = write("US-WECC-CISO", "emissions", [PointIn(T0, T0 + HOUR, value)], unit=unit, fuel=COAL)
    assert series.unit == "tCO2e"
    assert stored(series) == [(T0, T0 + HOUR, pytest.approx(tonnes, rel=1e-12), 0)]


@pytest.mark.parametrize("unit", ["MWh", "tco2e", "tCO2", "EUR", ""])
def test_emissions_series_refuse_a_unit_that_is_not_co2e_mass(demo, unit):
    with pytest.raises(ValidationError) as exc:
        series_get_or_create(psr=psr("US-WECC-CISO"), quantity="emissions", unit=unit, timeframe="actual")
    assert "gCO2e, kgCO2e, tCO2e, ktCO2e" in messages(exc)
    assert not Series.objects.exists()


@pytest.mark.parametrize("replace", [False, True], ids=["points_write", "series_replace_points"])
def test_negative_emissions_are_refused_and_nothing_is_written(demo, replace):
    series = write("US-WECC-CISO", "emissions", run(T0 - 5 * HOUR, [7.0]), unit="tCO2e")
    before = stored_with_times(series)
    points = [PointIn(T0 - HOUR, T0, 1.0), PointIn(T0, T0 + HOUR, -0.5)]
    with pytest.raises(ValidationError) as exc:
        (series_replace_points if replace else points_write)(series=series, points=points, unit="tCO2e")
    assert "emissions cannot be negative" in messages(exc)
    assert stored_with_times(series) == before


@pytest.mark.parametrize("unit", ["usd", "EURO", "US1", "MWh", "E", ""])
def test_price_unit_must_be_an_iso_currency_code(demo, unit):
    with pytest.raises(ValidationError) as exc:
        series_get_or_create(psr=psr("US-WECC-CISO"), quantity="price", unit=unit, timeframe="day-ahead")
    assert "ISO 4217" in messages(exc)
    assert not Series.objects.exists()


def test_price_series_keeps_the_currency_it_started_with(demo):
    series = write("US-WECC-CISO", "price", [PointIn(T0, T0 + HOUR, 42.0)], unit="EUR")
    assert series.unit == "EUR"
    with pytest.raises(ValidationError):
        series_get_or_create(psr=psr("US-WECC-CISO"), quantity="price", unit="USD", timeframe="day-ahead")
    with pytest.raises(ValidationError):
        points_write(series=series, points=[PointIn(T0, T0 + HOUR, 43.0)], unit="USD")
    assert stored(series) == [(T0, T0 + HOUR, 42.0, 0)]


def test_only_flows_have_a_connected_psr_and_never_the_psr_itself(demo):
    with pytest.raises(ValidationError):
        series_get_or_create(
            psr=psr("US-WECC-CISO"),
            quantity="generation",
            unit="MWh",
            timeframe="actual",
            connected_psr=psr("US-WECC-NEVP"),
        )
    with pytest.raises(ValidationError):
        series_get_or_create(
            psr=psr("US-WECC-CISO"),
            quantity="imports",
            unit="MWh",
            timeframe="actual",
            connected_psr=psr("US-WECC-CISO"),
        )
    assert not Series.objects.exists()


def test_series_get_or_create_returns_the_same_series_for_the_same_dimensions(demo):
    a = write("US-WECC-CISO", "generation", [], fuel=COAL)
    b = write("US-WECC-CISO", "generation", [], fuel=COAL)
    c = write("US-WECC-CISO", "generation", [])
    assert a.pk == b.pk != c.pk


def test_series_replace_points_replaces_every_point(demand):
    points_write(series=demand, points=run(T0, [1.0, 2.0, 3.0]), unit="MWh")
    later = T0 + 10 * HOUR

    count = series_replace_points(series=demand, points=run(later, [4000.0, 5000.0]), unit="kWh")

    assert count == 2
    assert stored(demand) == [(later, later + HOUR, 4.0, 0), (later + HOUR, later + 2 * HOUR, 5.0, 0)]


@pytest.mark.parametrize(
    "points",
    [
        [PointIn(T0 + HOUR, T0 + 2 * HOUR, 1.0), PointIn(T0, T0 + HOUR, 2.0)],
        [PointIn(T0, T0 + HOUR, 1.0), PointIn(T0 + timedelta(minutes=30), T0 + 2 * HOUR, 2.0)],
    ],
    ids=["out-of-order", "overlapping"],
)
def test_series_replace_points_refuses_unordered_input_and_keeps_the_old_points(demand, points):
    points_write(series=demand, points=run(T0 - 5 * HOUR, [7.0, 8.0]), unit="MWh")
    before = stored_with_times(demand)
    with pytest.raises(ValidationError) as exc:
        series_replace_points(series=demand, points=points, unit="MWh")
    assert "time order" in messages(exc)
    assert stored_with_times(demand) == before


@pytest.mark.parametrize(("quantity", "point", "phrase"), INVALID_POINTS, ids=INVALID_IDS)
def test_series_replace_points_refuses_invalid_points_and_keeps_the_old_ones(demo, quantity, point, phrase):
    series = write("US-WECC-CISO", quantity, run(T0 - 5 * HOUR, [7.0]))
    before = stored_with_times(series)
    good = PointIn(T0 - HOUR, T0, 1.0)
    with pytest.raises(ValidationError) as exc:
        series_replace_points(series=series, points=[good, point], unit="MWh")
    assert phrase in messages(exc)
    assert stored_with_times(series) == before


def test_series_replace_points_refuses_a_currency_the_series_does_not_hold(demo):
    series = write("US-WECC-CISO", "price", [PointIn(T0, T0 + HOUR, 42.0)], unit="EUR")
    with pytest.raises(ValidationError):
        series_replace_points(series=series, points=[PointIn(T0, T0 + HOUR, 50.0)], unit="USD")
    assert stored(series) == [(T0, T0 + HOUR, 42.0, 0)]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="EXPLAIN output and index names are PostgreSQL's; run with `make test-postgres`",
)
def test_range_query_uses_the_primary_key_index_on_postgresql(demo):
    ids = []
    for fuel in (None, COAL):
        series = write("US-WECC-CISO", "generation", [], fuel=fuel)
        series_replace_points(series=series, points=run(T0, [1.0] * 4000), unit="MWh")
        ids.append(series.pk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE timeseries_point")

    plan = (
        Point.objects.filter(series_id__in=ids, start__gte=T0 + 100 * HOUR, start__lt=T0 + 124 * HOUR)
        .order_by("start")
        .explain()
    )

    assert "pkey" in plan, plan
    assert "Seq Scan" not in plan, plan


@pytest.mark.parametrize(
    ("quantity", "dims", "message"),
    [
        ("generation", {"technology": "T050900"}, "A technology needs its fuel type"),
        ("demand", {"fuel_type": "F02010100"}, "Only generation, curtailment and emissions are broken down by fuel"),
    ],
)
def test_series_with_a_breakdown_its_quantity_does_not_have_is_refused(demo, quantity, dims, message):
    from metadata.selectors import fuel_source_technology_get, fuel_source_type_get

    resolved = {
        key: fuel_source_type_get(value) if key == "fuel_type" else fuel_source_technology_get(value)
        for key, value in dims.items()
    }
    with pytest.raises(ValidationError) as exc:
        series_get_or_create(psr=psr("US-WECC-CISO"), quantity=quantity, unit="MWh", timeframe="actual", **resolved)
    assert message in messages(exc)
    assert not Series.objects.filter(psr_id="US-WECC-CISO", quantity=quantity).exists()
