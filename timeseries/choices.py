"""Vocabularies of the time-series store: quantities, timeframes, quality flags, energy units."""

from django.db import models


class Quantity(models.TextChoices):
    GENERATION = "generation"
    DEMAND = "demand"
    IMPORTS = "imports"
    EXPORTS = "exports"
    PRICE = "price"
    CURTAILMENT = "curtailment"
    # Beyond the spec: emissions an operator measures or reports itself (stack monitoring), by fuel like generation.
    # Served at /timeseries/emissions (timeseries.emissions), where reported emissions win over computed ones.
    EMISSIONS = "emissions"


# The spec's quantities (section 3.3), each served as stored at /timeseries/<quantity>.
SPEC_QUANTITIES = tuple(q for q in Quantity.values if q != Quantity.EMISSIONS)


# Quantities whose values are energy per interval (stored in MWh); price is money per MWh.
ENERGY_QUANTITIES = frozenset(
    {Quantity.GENERATION, Quantity.DEMAND, Quantity.IMPORTS, Quantity.EXPORTS, Quantity.CURTAILMENT}
)
# Quantities broken down by fuel source, and by connected PSR.
FUEL_QUANTITIES = frozenset({Quantity.GENERATION, Quantity.CURTAILMENT, Quantity.EMISSIONS})
FLOW_QUANTITIES = frozenset({Quantity.IMPORTS, Quantity.EXPORTS})
# Quantities a negative value of makes no sense for: a flow the other way is the other quantity, and emissions are
# what was emitted (generation may be negative: a plant's own consumption when idle).
NON_NEGATIVE_QUANTITIES = FLOW_QUANTITIES | {Quantity.EMISSIONS}


class Timeframe(models.TextChoices):
    """When the value was known: measured after the fact, or a market / forecast horizon."""

    ACTUAL = "actual"
    REAL_TIME = "real-time"
    HOUR_AHEAD = "hour-ahead"
    DAY_AHEAD = "day-ahead"


def default_timeframe(quantity: str) -> str:
    """Prices default to the day-ahead market (the price most markets publish); everything else to actuals."""
    return Timeframe.DAY_AHEAD if quantity == Quantity.PRICE else Timeframe.ACTUAL


class Quality(models.IntegerChoices):
    """How a value was obtained. The last five (with `estimated`) are CDS-WG3-01's vocabulary for meter readings."""

    MEASURED = 0, "measured"
    ESTIMATED = 1, "estimated"
    IMPUTED = 2, "imputed"
    RAW = 3, "raw"
    VALID = 4, "valid"
    REVENUE = 5, "revenue"
    CALCULATED = 6, "calculated"
    CORRECTED = 7, "corrected"


# The flags a meter reading may carry (CDS-WG3-01), by name.
READING_QUALITIES = {
    q.label: q.value
    for q in (Quality.RAW, Quality.VALID, Quality.REVENUE, Quality.ESTIMATED, Quality.CALCULATED, Quality.CORRECTED)
}

# The quantity of a meter's series: energy per interval of one reading stream of a production project's meter. It is
# not one of the grid's quantities (no URL, no roll-up): meter series have no PSR, only their meter.
READING = "reading"
SERIES_QUANTITIES = [*Quantity.choices, (READING, "meter reading")]
# Meter readings are stored in kWh, the unit of CDS-WG3-01's usage value types.
READING_ENERGY_UNIT = "kWh"


STORAGE_ENERGY_UNIT = "MWh"
# Energy units as powers of ten of a watt-hour, so conversions multiply or divide by exact powers of ten.
WH_EXPONENT = {"Wh": 0, "kWh": 3, "MWh": 6, "GWh": 9}
ENERGY_UNITS = tuple(WH_EXPONENT)
# Emissions are stored in tonnes of CO2-equivalent; mass units as powers of ten of a gram.
STORAGE_EMISSIONS_UNIT = "tCO2e"
CO2E_EXPONENT = {"gCO2e": 0, "kgCO2e": 3, "tCO2e": 6, "ktCO2e": 9}
EMISSIONS_UNITS = tuple(CO2E_EXPONENT)
# Every unit converted by a power of ten: its exponent (the two families never share a name).
UNIT_EXPONENT = WH_EXPONENT | CO2E_EXPONENT


def energy_converter(from_unit: str, to_unit: str):
    """A function converting a value from one unit to another of the same family (energy, or CO2e mass)."""
    shift = UNIT_EXPONENT[from_unit] - UNIT_EXPONENT[to_unit]
    scale = 10.0 ** abs(shift)
    if shift >= 0:
        return lambda value: value * scale
    return lambda value: value / scale
