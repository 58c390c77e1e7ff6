"""The grid model: the PSR tree, its locations, asset info, external ids, connections and capacities."""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from mptt.models import MPTTModel, TreeForeignKey
from simple_history.models import HistoricalRecords

from metadata.models import FuelSourceTechnology, FuelSourceType, TopologyLevel

from ..choices import PowerUnit
from ..validators import (
    validate_finite,
    validate_finite_json,
    validate_geojson,
    validate_psr_id,
    validate_scheme,
    validate_timezone,
)

MPTT_FIELDS = ["lft", "rght", "tree_id", "level"]


class PowerSystemResource(MPTTModel):
    """A node of the grid: interconnection, balancing area, zone, substation, plant, unit or meter."""

    id = models.CharField(
        primary_key=True,
        max_length=128,
        validators=[validate_psr_id],
        help_text="URL-safe, human-readable id that may embed its parents' ids, e.g. US-WECC-CISO. It never changes.",
    )
    name = models.CharField(max_length=255, blank=True)
    topology_level = models.ForeignKey(TopologyLevel, on_delete=models.PROTECT, related_name="power_system_resources")
    parent = TreeForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", db_index=True
    )
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="IANA timezone of the resource, used for local days and local-time sources.",
    )
    description = models.TextField(blank=True)
    history = HistoricalRecords(excluded_fields=MPTT_FIELDS)

    class MPTTMeta:
        order_insertion_by = ["id"]

    class Meta:
        verbose_name = "power system resource"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.id

    def clean(self) -> None:
        super().clean()
        # Field validation has already reported an unknown parent or level; the tree rules need both to exist.
        level = TopologyLevel.objects.filter(pk=self.topology_level_id).first()
        saved = type(self).objects.filter(pk=self.pk).first() if self.pk else None
        if self.parent_id is not None:
            if self.parent_id == self.pk:
                raise ValidationError({"parent": "A power system resource cannot be its own parent."})
            parent = type(self).objects.select_related("topology_level").filter(pk=self.parent_id).first()
            if parent is not None:
                self._clean_parent(parent, level, saved)
        if saved is not None and level is not None:
            self._clean_children_levels(level)

    def _clean_parent(
        self, parent: "PowerSystemResource", level: TopologyLevel | None, saved: "PowerSystemResource | None"
    ) -> None:
        if saved is not None and parent.is_descendant_of(saved):
            raise ValidationError(
                {"parent": f"'{parent.pk}' is below '{self.pk}' in the tree; making it the parent would form a cycle."}
            )
        if level is not None and parent.topology_level.level >= level.level:
            raise ValidationError(
                {
                    "topology_level": (
                        f"The parent '{parent.pk}' is at topology level {parent.topology_level.level} "
                        f"('{parent.topology_level_id}'); a child must be at a higher level number than its parent."
                    )
                }
            )

    def _clean_children_levels(self, level: TopologyLevel) -> None:
        lowest = self.children.order_by("topology_level__level").select_related("topology_level").first()
        if lowest is not None and lowest.topology_level.level <= level.level:
            raise ValidationError(
                {
                    "topology_level": (
                        f"The child '{lowest.pk}' is at topology level {lowest.topology_level.level}; "
                        "a parent must be at a lower level number than its children."
                    )
                }
            )


class Location(models.Model):
    """Where a PSR is: the spec's main address fields, a description and a GeoJSON shape (spec 3.2.3)."""

    psr = models.OneToOneField(PowerSystemResource, on_delete=models.CASCADE, primary_key=True, related_name="location")
    postal_code = models.CharField(max_length=32, blank=True)
    town_name = models.CharField(max_length=255, blank=True)
    state_or_province = models.CharField(max_length=255, blank=True)
    building_name = models.CharField(max_length=255, blank=True)
    display_address = models.CharField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    geojson = models.JSONField(
        null=True, blank=True, validators=[validate_finite_json, validate_geojson], help_text="A GeoJSON object."
    )
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Location of {self.psr_id}"

    @property
    def has_address(self) -> bool:
        return any([self.postal_code, self.town_name, self.state_or_province, self.building_name, self.display_address])


class AssetInfo(models.Model):
    """One item of a PSR's asset information (CIM AssetInfo): a named record with free-form properties."""

    psr = models.ForeignKey(PowerSystemResource, on_delete=models.CASCADE, related_name="asset_info")
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    properties = models.JSONField(
        default=dict, blank=True, validators=[validate_finite_json], help_text='Key-value pairs, e.g. {"maker": "..."}'
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "asset info"
        verbose_name_plural = "asset info"
        ordering = ["psr", "name", "id"]

    def __str__(self) -> str:
        return f"{self.psr_id}: {self.name}"

    def clean(self) -> None:
        if not isinstance(self.properties, dict):
            raise ValidationError({"properties": "Properties must be a JSON object of key-value pairs."})


class ExternalIdentifier(models.Model):
    """The PSR's id in another system, e.g. eia:CISO, entsoe:10YES-REE------0, entsoe:BZN|ES."""

    psr = models.ForeignKey(PowerSystemResource, on_delete=models.CASCADE, related_name="external_identifiers")
    scheme = models.CharField(max_length=32, validators=[validate_scheme], help_text="e.g. eia, entsoe, elexon")
    value = models.CharField(max_length=255)
    history = HistoricalRecords()

    class Meta:
        ordering = ["psr", "scheme", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "value"],
                name="%(app_label)s_%(class)s_unique_scheme_value",
                violation_error_message="This external identifier already belongs to a power system resource.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"


class Connection(models.Model):
    """A transmission-based connection between two PSRs; it is symmetric and stored once per pair."""

    psr = models.ForeignKey(PowerSystemResource, on_delete=models.CASCADE, related_name="connections_from")
    connected_psr = models.ForeignKey(PowerSystemResource, on_delete=models.CASCADE, related_name="connections_to")
    history = HistoricalRecords()

    class Meta:
        ordering = ["psr", "connected_psr"]
        constraints = [
            models.UniqueConstraint(
                fields=["psr", "connected_psr"],
                name="%(app_label)s_%(class)s_unique_pair",
                violation_error_message="These two power system resources are already connected.",
            ),
            models.CheckConstraint(
                condition=~Q(psr=F("connected_psr")),
                name="%(app_label)s_%(class)s_not_self",
                violation_error_message="A power system resource cannot be connected to itself.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.psr_id} <-> {self.connected_psr_id}"

    def clean(self) -> None:
        if self.psr_id and self.connected_psr_id:
            reverse = Connection.objects.filter(psr_id=self.connected_psr_id, connected_psr_id=self.psr_id)
            if reverse.exclude(pk=self.pk).exists():
                raise ValidationError(
                    f"'{self.psr_id}' and '{self.connected_psr_id}' are already connected "
                    f"(recorded on '{self.connected_psr_id}')."
                )


def _period_constraints() -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(value__gte=0),
            name="%(app_label)s_%(class)s_value_not_negative",
            violation_error_message="A capacity cannot be negative.",
        ),
        models.CheckConstraint(
            condition=Q(end_datetime__isnull=True)
            | Q(start_datetime__isnull=True)
            | Q(end_datetime__gt=F("start_datetime")),
            name="%(app_label)s_%(class)s_end_after_start",
            violation_error_message="The end must be after the start.",
        ),
    ]


class InstalledCapacity(models.Model):
    """Installed capacity of a PSR for a fuel type (and technology) over a period (spec 3.2.4)."""

    psr = models.ForeignKey(PowerSystemResource, on_delete=models.CASCADE, related_name="capacities")
    fuel_type = models.ForeignKey(FuelSourceType, on_delete=models.PROTECT, related_name="+")
    technology = models.ForeignKey(
        FuelSourceTechnology, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    value = models.FloatField(validators=[validate_finite, MinValueValidator(0, "A capacity cannot be negative.")])
    unit = models.CharField(max_length=2, choices=PowerUnit.choices, default=PowerUnit.MW)
    start_datetime = models.DateTimeField(help_text="When this capacity came online (UTC).")
    end_datetime = models.DateTimeField(null=True, blank=True, help_text="When it went offline; empty if operating.")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "installed capacity"
        verbose_name_plural = "installed capacities"
        ordering = ["psr", "start_datetime", "id"]
        constraints = _period_constraints()

    def __str__(self) -> str:
        return f"{self.psr_id}: {self.value:g} {self.unit} {self.fuel_type.name}"


class TransmissionCapacity(models.Model):
    """Transmission capacity available between two connected PSRs (spec 3.2.5), optionally over a period."""

    psr = models.ForeignKey(PowerSystemResource, on_delete=models.CASCADE, related_name="transmission_capacities_from")
    connected_psr = models.ForeignKey(
        PowerSystemResource, on_delete=models.CASCADE, related_name="transmission_capacities_to"
    )
    value = models.FloatField(validators=[validate_finite, MinValueValidator(0, "A capacity cannot be negative.")])
    unit = models.CharField(max_length=2, choices=PowerUnit.choices, default=PowerUnit.MW)
    start_datetime = models.DateTimeField(null=True, blank=True)
    end_datetime = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "transmission capacity"
        verbose_name_plural = "transmission capacities"
        ordering = ["psr", "connected_psr", "start_datetime", "id"]
        constraints = _period_constraints()

    def __str__(self) -> str:
        return f"{self.psr_id} <-> {self.connected_psr_id}: {self.value:g} {self.unit}"

    def clean(self) -> None:
        if self.psr_id and self.connected_psr_id and not are_connected(self.psr_id, self.connected_psr_id):
            raise ValidationError(
                {
                    "connected_psr": (
                        f"'{self.psr_id}' and '{self.connected_psr_id}' are not connected; add the connection first."
                    )
                }
            )


def are_connected(a: str, b: str) -> bool:
    return Connection.objects.filter(Q(psr_id=a, connected_psr_id=b) | Q(psr_id=b, connected_psr_id=a)).exists()
