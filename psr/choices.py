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
