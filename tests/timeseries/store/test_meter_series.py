"""Meter reading streams in the time-series store: one series per meter, format, validity and direction, never
mixed with each other nor with the grid's series."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from psr.models import PowerSystemResource
from tests.factories import MeterFactory
from timeseries.choices import READING, Quality
from timeseries.models import Point, Series
from timeseries.services import PointIn, meter_series_get_or_create, points_write

pytestmark = pytest.mark.django_db

T0 = datetime(2024, 3, 1, tzinfo=UTC)


def test_each_format_validity_and_direction_is_its_own_stream_of_the_meter():
    meter = MeterFactory()
    a = meter_series_get_or_create(
        meter=meter, reading_format="settlement", validity="total_gross", direction="delivered"
    )
    b = meter_series_get_or_create(meter=meter, reading_format="scada", validity="total_gross", direction="delivered")
    c = meter_series_get_or_create(
        meter=meter, reading_format="settlement", validity="contracted", direction="delivered"
    )
    d = meter_series_get_or_create(
        meter=meter, reading_format="settlement", validity="total_gross", direction="received"
    )
    again = meter_series_get_or_create(
        meter=meter, reading_format="settlement", validity="total_gross", direction="delivered"
    )
    assert len({a.pk, b.pk, c.pk, d.pk}) == 4 and again.pk == a.pk
    assert a.psr_id is None and a.quantity == READING and a.unit == "kWh"


def test_a_forecast_stream_has_its_horizon_as_timeframe():
    meter = MeterFactory()
    day_ahead = meter_series_get_or_create(
        meter=meter, reading_format="forecast_day_ahead", validity="total_gross", direction="delivered"
    )
    assert day_ahead.timeframe == "day-ahead"


@pytest.mark.parametrize(
    ("field", "value"), [("reading_format", "telepathy"), ("validity", "most"), ("direction", "sideways")]
)
def test_an_unknown_dimension_is_refused_by_name(field, value):
    dims = {"reading_format": "settlement", "validity": "total_gross", "direction": "net", field: value}
    with pytest.raises(ValidationError, match=value):
        meter_series_get_or_create(meter=MeterFactory(), **dims)


def test_readings_are_written_in_kwh_with_their_wg3_quality():
    series = meter_series_get_or_create(
        meter=MeterFactory(), reading_format="settlement", validity="total_gross", direction="delivered"
    )
    points = [PointIn(T0 + timedelta(minutes=15 * i), T0 + timedelta(minutes=15 * (i + 1)), 250.0, Quality.REVENUE)
              for i in range(4)]  # fmt: skip
    assert points_write(series=series, points=points, unit="Wh").inserted == 4
    assert list(Point.objects.filter(series=series).values_list("value", "quality").distinct()) == [(0.25, 5)]


def test_a_series_is_either_the_grids_or_a_meters_never_both(demo):
    meter = MeterFactory()
    psr = PowerSystemResource.objects.get(pk="US-WECC-CISO")
    broken = [
        # a meter stream on a PSR too: the grid's queries would read it
        {"psr": psr, "meter": meter, "quantity": READING, "reading_format": "scada", "validity": "total_gross",
         "direction": "net"},
        # a grid quantity on a meter
        {"meter": meter, "quantity": "generation", "reading_format": "scada", "validity": "total_gross",
         "direction": "net"},
        # a meter stream missing a dimension
        {"meter": meter, "quantity": READING, "reading_format": "scada", "validity": "", "direction": "net"},
        # a grid series with a reading dimension
        {"psr": psr, "quantity": "generation", "direction": "net"},
        # neither
        {"quantity": "generation"},
    ]  # fmt: skip
    for fields in broken:
        with pytest.raises(IntegrityError), transaction.atomic():
            Series.objects.create(unit="kWh", **fields)
