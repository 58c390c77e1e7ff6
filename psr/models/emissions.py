"""Emission factors an operator sets for one PSR and its subtree (a plant's measured factor, an area's own figures),
overriding the catalogue's defaults (metadata.EmissionFactor) below that PSR; and the intensity declared for a PSR
whose generation the server does not hold (a neighbour), used when flows from it are traced."""

from django.db import models
from simple_history.models import HistoricalRecords

from metadata.models import EmissionFactorBase, SourcedIntensityBase

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


class DeclaredIntensity(SourcedIntensityBase):
    """The carbon intensity of the electricity a PSR supplies, declared by an operator for a PSR whose generation the
    server does not hold (a neighbouring area known only by its flows). Flow tracing takes it for what flows from
    that PSR; without one, the interval is marked estimated (docs/emissions.md)."""

    psr = models.ForeignKey(
        PowerSystemResource,
        on_delete=models.CASCADE,
        related_name="declared_intensities",
        verbose_name="power system resource",
    )
    history = HistoricalRecords()

    class Meta(SourcedIntensityBase.Meta):
        verbose_name = "declared intensity"
        ordering = ["psr", "basis", "valid_from"]

    def __str__(self) -> str:
        return f"{self.psr_id}: {self.value:g} gCO2e/kWh ({self.basis})"
