"""Topology levels, the fuel-source catalogue (AIB EECS energy sources and technologies) and its default emission
factors."""

import math

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from .catalogue import FUEL_TYPE_CODE, SOURCE_DOCUMENT, TECHNOLOGY_CODE


class TopologyLevel(models.Model):
    """A named level of the grid hierarchy (Interconnection = 0, Balancing Authority Area = 1, ...)."""

    id = models.CharField(
        primary_key=True,
        max_length=100,
        help_text="Unique, human-readable name of the level, e.g. 'Balancing Authority Area'.",
    )
    level = models.PositiveSmallIntegerField(
        help_text="Position in the hierarchy: 0 for the top, then 1, 2, ... Several levels may share a number."
    )
    description = models.TextField(blank=True)
    cim_class = models.CharField(
        "CIM class", max_length=200, blank=True, help_text="IEC 61970 CIM class(es), e.g. 'GeographicalRegion'."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["level", "id"]

    def __str__(self) -> str:
        return f"{self.id} ({self.level})"

    def clean(self) -> None:
        # Renumbering a level must keep every PSR at it below its parent and above its children.
        if self._state.adding or self.level is None:
            return
        psrs = self.power_system_resources.all()
        pair = psrs.filter(parent__topology_level__level__gte=self.level).values_list("id", "parent_id").first()
        if pair is None:
            pair = psrs.filter(children__topology_level__level__lte=self.level).values_list("children", "id").first()
        if pair is not None:
            child, parent = pair
            message = (
                f"With this number, '{parent}' would no longer be at a lower level number than its child '{child}'."
            )
            raise ValidationError({"level": message})


class FuelSourceBase(models.Model):
    name = models.CharField(
        max_length=255,
        help_text="The AIB level descriptions joined with ' - ', e.g. 'Solar - Photovoltaic - Unspecified'.",
    )
    external_reference = models.CharField(
        max_length=255, blank=True, default=SOURCE_DOCUMENT, help_text="The document that defines the code."
    )
    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True
        ordering = ["aib_code", "name"]

    def __str__(self) -> str:
        return f"{self.name} [{self.aib_code}]" if self.aib_code else self.name

    @property
    def category(self) -> str:
        return self.name.split(" - ", 1)[0]


class FuelSourceType(FuelSourceBase):
    """An energy source, e.g. 'Fossil - Solid - Hard coal - Unspecified' (AIB code F02010100)."""

    aib_code = models.CharField(
        "AIB code",
        max_length=9,
        unique=True,
        null=True,
        blank=True,
        validators=[RegexValidator(FUEL_TYPE_CODE, "An AIB energy-source code is 'F' and 8 digits, e.g. F01050100.")],
    )

    class Meta(FuelSourceBase.Meta):
        verbose_name = "fuel source type"
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="%(app_label)s_%(class)s_unique_name",
                violation_error_message="A fuel source type with this name (ignoring case) already exists.",
            )
        ]


class FuelSourceTechnology(FuelSourceBase):
    """A generation technology, e.g. 'Solar - Photovoltaic - Unspecified' (AIB code T010100)."""

    aib_code = models.CharField(
        "AIB code",
        max_length=7,
        unique=True,
        null=True,
        blank=True,
        validators=[RegexValidator(TECHNOLOGY_CODE, "An AIB technology code is 'T' and 6 digits, e.g. T010100.")],
    )

    class Meta(FuelSourceBase.Meta):
        verbose_name = "fuel source technology"
        verbose_name_plural = "fuel source technologies"
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="%(app_label)s_%(class)s_unique_name",
                violation_error_message="A fuel source technology with this name (ignoring case) already exists.",
            )
        ]


class SourceFuelMapping(models.Model):
    """How a data source names a fuel: the source's own code, mapped to a catalogue fuel type and technology.

    Imports of ENTSO-E, EIA (EIA-930 and EIA-860) and Elexon files name fuels in those sources' vocabularies; these
    rows turn them into the catalogue's entries. The project ships defaults (metadata/data/source_fuel_mappings.csv);
    operators edit or add rows in the admin, and a re-sync never overwrites their edits.
    """

    class Source(models.TextChoices):
        ENTSOE = "entsoe", "ENTSO-E production type"
        EIA = "eia", "EIA fuel or energy source code"
        ELEXON = "elexon", "Elexon BMRS fuel type"
        # Generator inventories: `NG/CA` (energy source / prime mover) or the energy source alone, `NG`.
        EIA860 = "eia860", "EIA-860 energy source / prime mover"

    source = models.CharField(max_length=16, choices=Source.choices)
    code = models.CharField(max_length=100, help_text="The value as the source writes it, e.g. 'Fossil Gas', 'NG'.")
    fuel_type = models.ForeignKey(FuelSourceType, on_delete=models.PROTECT, related_name="+")
    technology = models.ForeignKey(
        FuelSourceTechnology, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True, help_text="Why this mapping (for the next person).")
    history = HistoricalRecords()

    class Meta:
        ordering = ["source", "code"]
        constraints = [
            models.UniqueConstraint(
                "source",
                Lower("code"),
                name="%(app_label)s_%(class)s_unique_source_code",
                violation_error_message="This source already maps this code.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.code}"


class EmissionBasis(models.TextChoices):
    """What an emission factor counts."""

    DIRECT = "direct", "direct (combustion at the plant)"
    LIFECYCLE = "lifecycle", "lifecycle (cradle to grave)"


class SourcedIntensityBase(models.Model):
    """Grams of CO2-equivalent per kWh on a basis, over a validity period, with where the figure comes from: what an
    emission factor (per fuel) and a PSR's declared intensity (of the electricity it supplies) have in common."""

    basis = models.CharField(max_length=16, choices=EmissionBasis.choices)
    value = models.FloatField(
        "gCO2e/kWh", validators=[MinValueValidator(0.0)], help_text="Grams of CO2-equivalent per kWh."
    )
    valid_from = models.DateTimeField(null=True, blank=True, help_text="Empty: since always.")
    valid_until = models.DateTimeField(null=True, blank=True, help_text="Empty: still valid.")
    source_document = models.CharField(max_length=300, help_text="The publication the figure comes from.")
    source_table = models.CharField(max_length=200, blank=True, help_text="Table or section in it.")
    source_year = models.PositiveSmallIntegerField(null=True, blank=True)
    source_url = models.URLField(max_length=500, blank=True)
    note = models.CharField(max_length=500, blank=True, help_text="Why this figure (for the next person).")

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="%(app_label)s_%(class)s_value_not_negative"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_until__isnull=True) | Q(valid_until__gt=F("valid_from")),
                name="%(app_label)s_%(class)s_until_after_from",
            ),
        ]

    def clean(self) -> None:
        if self.value is not None and not math.isfinite(self.value):
            raise ValidationError({"value": "A figure is a finite number of gCO2e/kWh."})
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise ValidationError({"valid_until": "The end of validity must be after its start."})

    def applies_at(self, instant) -> bool:
        return (self.valid_from is None or self.valid_from <= instant) and (
            self.valid_until is None or instant < self.valid_until
        )

    @property
    def source(self) -> str:
        """Document, table and year in one line."""
        return ", ".join(str(part) for part in (self.source_document, self.source_table, self.source_year) if part)


class EmissionFactorBase(SourcedIntensityBase):
    """Grams of CO2-equivalent per kWh generated from a fuel (and technology), on a basis, over a validity period,
    with where the figure comes from. The catalogue's defaults are EmissionFactor; a PSR's own (for its subtree)
    are psr.PsrEmissionFactor."""

    fuel_type = models.ForeignKey(FuelSourceType, on_delete=models.PROTECT, related_name="+")
    technology = models.ForeignKey(
        FuelSourceTechnology,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: the factor of the fuel type whatever its technology.",
    )

    class Meta(SourcedIntensityBase.Meta):
        abstract = True
        ordering = ["fuel_type__aib_code", "technology__aib_code", "basis", "valid_from"]

    def __str__(self) -> str:
        what = self.technology.name if self.technology_id else self.fuel_type.name
        return f"{what}: {self.value:g} gCO2e/kWh ({self.basis})"


class EmissionFactor(EmissionFactorBase):
    """A default emission factor of the catalogue: shipped with the server (metadata/data/emission_factors.csv,
    docs/emissions.md) or added by operators; applies wherever no PSR sets its own."""

    shipped = models.BooleanField(default=False, editable=False, help_text="Loaded from the shipped defaults.")
    history = HistoricalRecords()
