"""Production projects of independent producers, suppliers and utilities (seed 002): a contract, its meters, and
what the meters hold. Private data: an API client sees only the projects it is granted (ProductionProjectGrant)."""

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from cdsc_site.clients.models import ClientGrant
from metadata.models import FuelSourceTechnology, FuelSourceType

from ..choices import ReadingFormat, ReadingValidity
from ..validators import validate_finite, validate_psr_id, validate_timezone
from .grid import PowerSystemResource

# "100%", "62.5 %": a share of the production; any other rule is kept as text only.
PERCENT_RULE = re.compile(r"\A\s*(\d{1,3}(?:\.\d+)?)\s*%\s*\Z")


class ContractType(models.Model):
    """A kind of offtake contract (PPA, VPPA, ...): an open vocabulary operators extend in the admin."""

    code = models.CharField(max_length=32, unique=True, help_text="As published, e.g. PPA, VPPA, sleeved PPA.")
    description = models.CharField(max_length=255, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


def _check_choice_list(value: object, choices: type[models.TextChoices], what: str) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError(f"The declared {what} are a list of names.")
    unknown = sorted(set(value) - set(choices.values))
    if unknown:
        raise ValidationError(f"Unknown {what}: {', '.join(unknown)}; use {', '.join(choices.values)}.")
    if len(set(value)) != len(value):
        raise ValidationError(f"A declared {what} value is listed twice.")


def validate_formats(value: object) -> None:
    _check_choice_list(value, ReadingFormat, "formats")


def validate_validities(value: object) -> None:
    _check_choice_list(value, ReadingValidity, "reading validities")


def contract_share(rule: str) -> Decimal | None:
    """The share of production a contract rule names when it is a percentage ("100%" is 1), else None."""
    match = PERCENT_RULE.match(rule or "")
    if match is None:
        return None
    share = Decimal(match[1]) / 100
    return share if share <= 1 else None


class ProductionProject(models.Model):
    """A production project (seed 002): its contract, where it sits in the grid model, and its meters."""

    id = models.CharField(
        primary_key=True,
        max_length=64,
        validators=[validate_psr_id],
        verbose_name="project id",
        help_text="The project's id as published (cds_productionproject_id), URL safe, e.g. 55555555-55. It never "
        "changes.",
    )
    name = models.CharField(max_length=255)
    created = models.DateTimeField(auto_now_add=True, help_text="cds_created")
    modified = models.DateTimeField(auto_now=True, help_text="cds_modified")
    contract_type = models.ForeignKey(ContractType, on_delete=models.PROTECT, related_name="projects")
    contract_start_date = models.DateTimeField()
    contract_end_date = models.DateTimeField(null=True, blank=True, help_text="Empty for an open-ended contract.")
    contract_rule = models.CharField(
        max_length=100, help_text='The contract\'s rule as published, e.g. "100%" (the whole production).'
    )
    timezone = models.CharField(max_length=64, validators=[validate_timezone], help_text="IANA timezone.")
    declared_formats = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_formats],
        help_text="Formats the operator declares (settlement, scada, forecast_day_ahead, forecast_hour_ahead), "
        "published while the meters hold no reading yet.",
    )
    declared_validities = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_validities],
        help_text="Reading validities the operator declares (contracted, total_gross, net_metering).",
    )
    psr = models.ForeignKey(
        PowerSystemResource,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="production_projects",
        verbose_name="power system resource",
        help_text="The plant or unit of the grid model the project is, if any.",
    )
    fuel_type = models.ForeignKey(FuelSourceType, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    technology = models.ForeignKey(
        FuelSourceTechnology, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    installed_capacity_mw = models.FloatField(
        null=True,
        blank=True,
        validators=[validate_finite, MinValueValidator(0, "A capacity cannot be negative.")],
        verbose_name="installed capacity (MW)",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(contract_end_date__isnull=True) | Q(contract_end_date__gt=F("contract_start_date")),
                name="%(app_label)s_%(class)s_contract_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.id} ({self.name})"

    @property
    def contract_share(self) -> Decimal | None:
        """The share of production the contract rule names, when it is a percentage (1 for "100%"), else None."""
        return contract_share(self.contract_rule)

    def clean(self) -> None:
        super().clean()
        if self.contract_end_date and self.contract_start_date and self.contract_end_date <= self.contract_start_date:
            raise ValidationError({"contract_end_date": "The contract must end after it starts."})


class Meter(models.Model):
    """A meter of a production project (one project per meter), optionally measuring one PSR of the grid model."""

    meter_number = models.CharField(max_length=64, unique=True, help_text="As on the meter, e.g. 55555555-55_1.")
    project = models.ForeignKey(ProductionProject, on_delete=models.PROTECT, related_name="meters")
    psr = models.ForeignKey(
        PowerSystemResource,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meters",
        verbose_name="power system resource",
        help_text="What the meter measures in the grid model (a unit, a plant), if anything.",
    )
    description = models.CharField(max_length=255, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["meter_number"]

    def __str__(self) -> str:
        return self.meter_number


class ProductionProjectGrant(ClientGrant):
    """One API client may read one production project (its meters and readings)."""

    project = models.ForeignKey(ProductionProject, on_delete=models.CASCADE, related_name="grants")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "project"], name="%(app_label)s_%(class)s_once_per_client")
        ]

    def __str__(self) -> str:
        return f"{self.client} may read {self.project_id}"
