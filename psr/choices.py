"""Vocabularies of the psr app."""

from django.db import models


class PowerUnit(models.TextChoices):
    """Units of power for capacities (spec 3.2.4 and 3.2.5: MW, kW, W)."""

    MW = "MW", "MW"
    KW = "kW", "kW"
    W = "W", "W"


WATTS_PER_UNIT = {PowerUnit.MW: 1_000_000, PowerUnit.KW: 1_000, PowerUnit.W: 1}


def convert_power(value: float, from_unit: str, to_unit: str) -> float:
    """A power value in another unit."""
    if from_unit == to_unit:
        return value
    return value * WATTS_PER_UNIT[PowerUnit(from_unit)] / WATTS_PER_UNIT[PowerUnit(to_unit)]


class UnitStatus(models.TextChoices):
    """Where a generating unit is in its life, as far as its installed capacity goes (inventory imports)."""

    INSTALLED = "installed", "installed (operating, standby, or out of service for a while)"
    PLANNED = "planned", "not yet installed (planned or under construction)"
    RETIRED = "retired", "no longer installed (retired, or out of service for good)"


# The levels of the spec's reference topology table (section 3.1.1) that plants and units hang at, in the demo grid
# and in generator inventories: a plant at level 4, its generating units (and meters) at level 5.
PLANT_LEVEL = "Generating Plant"
UNIT_LEVEL = "Meter (Generator or Load)"


class ReadingFormat(models.TextChoices):
    """Where a production project's reading comes from (seed 002's `available_formats`)."""

    SETTLEMENT = "settlement", "settlement (revenue-grade meter)"
    SCADA = "scada", "SCADA telemetry"
    FORECAST_DAY_AHEAD = "forecast_day_ahead", "day-ahead forecast"
    FORECAST_HOUR_AHEAD = "forecast_hour_ahead", "hour-ahead forecast"


class ReadingValidity(models.TextChoices):
    """What share of the production a reading counts (seed 002's `available_reading_validity`)."""

    CONTRACTED = "contracted", "contracted (the share the contract covers)"
    TOTAL_GROSS = "total_gross", "total gross production"
    NET_METERING = "net_metering", "net metering (production less consumption behind the meter)"


class ReadingDirection(models.TextChoices):
    """Which way a meter reading's energy flows, seen from the production project (the producer's side)."""

    DELIVERED = "delivered", "delivered to the grid"
    RECEIVED = "received", "received from the grid"
    NET = "net", "net (delivered less received)"


# The CDS-WG3-01 usage-segment value type of each direction. WG3 takes the customer's side: forward is energy
# delivered to the customer (received from the grid), reverse is energy received from the customer.
WG3_VALUE_TYPE = {
    ReadingDirection.DELIVERED: "usage_rev_kwh",
    ReadingDirection.RECEIVED: "usage_fwd_kwh",
    ReadingDirection.NET: "usage_net_kwh",
}
