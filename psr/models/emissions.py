"""Emission factors an operator sets for one PSR and its subtree (a plant's measured factor, an area's own figures),
overriding the catalogue's defaults (metadata.EmissionFactor) below that PSR."""

from django.db import models
from simple_history.models import HistoricalRecords

from metadata.models import EmissionFactorBase

from .grid import PowerSystemResource


class PsrEmissionFactor(EmissionFactorBase):
    """A factor for the generation of `psr` and every PSR below it; the nearest such PSR's factor wins."""

    psr = models.ForeignKey(
        PowerSystemResource,
        on_delete=models.CASCADE,
        related_name="emission_factors",
        verbose_name="power system resource",
        help_text="The factor applies to this PSR's generation and to its whole subtree's.",
    )
    history = HistoricalRecords()

    class Meta(EmissionFactorBase.Meta):
        verbose_name = "PSR emission factor"
        ordering = ["psr", *EmissionFactorBase.Meta.ordering]
