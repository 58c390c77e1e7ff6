"""The time-series store: a narrow table of points, each in a series that names what is measured."""

from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from metadata.models import FuelSourceTechnology, FuelSourceType
from psr.choices import ReadingDirection, ReadingFormat, ReadingValidity
from psr.models import Meter, PowerSystemResource

from ..choices import READING, SERIES_QUANTITIES, Quality, Timeframe


class Series(models.Model):
    """What a run of points measures: a quantity of a PSR, optionally per fuel, technology or connected PSR; or
    one reading stream of a production project's meter (format, validity, direction).

    Energy is stored in MWh whatever unit it arrived in (meter readings in kWh); a price series holds its ISO 4217
    currency (per MWh). A meter's series has no PSR, so no grid query (all select by PSR) ever reads it.
    """

    psr = models.ForeignKey(
        PowerSystemResource, on_delete=models.PROTECT, null=True, blank=True, related_name="series", db_index=False
    )
    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, null=True, blank=True, related_name="series")
    quantity = models.CharField(max_length=16, choices=SERIES_QUANTITIES)
    timeframe = models.CharField(max_length=16, choices=Timeframe.choices, default=Timeframe.ACTUAL)
    fuel_type = models.ForeignKey(FuelSourceType, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    technology = models.ForeignKey(
        FuelSourceTechnology, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    connected_psr = models.ForeignKey(
        PowerSystemResource, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.CharField(
        max_length=8, help_text="MWh for energy (kWh for meter readings); an ISO 4217 currency code for prices."
    )
    reading_format = models.CharField(max_length=24, blank=True, default="", choices=ReadingFormat.choices)
    validity = models.CharField(max_length=16, blank=True, default="", choices=ReadingValidity.choices)
    direction = models.CharField(max_length=16, blank=True, default="", choices=ReadingDirection.choices)

    class Meta:
        verbose_name_plural = "series"
        constraints = [
            # NULL dimensions compare equal here, on SQLite and PostgreSQL alike.
            models.UniqueConstraint(
                Coalesce("psr", Value("")),
                F("quantity"),
                F("timeframe"),
                Coalesce("fuel_type", Value(0)),
                Coalesce("technology", Value(0)),
                Coalesce("connected_psr", Value("")),
                Coalesce("meter", Value(0)),
                F("reading_format"),
                F("validity"),
                F("direction"),
                name="%(app_label)s_%(class)s_unique_dimensions",
            ),
            # A grid series belongs to a PSR; a reading stream to a meter, with its three dimensions and nothing of
            # the grid's. Streams of different format, validity or direction are different series.
            models.CheckConstraint(
                condition=(
                    Q(psr__isnull=False, meter__isnull=True, reading_format="", validity="", direction="")
                    & ~Q(quantity=READING)
                )
                | (
                    Q(psr__isnull=True, meter__isnull=False, quantity=READING)
                    & Q(fuel_type__isnull=True, technology__isnull=True, connected_psr__isnull=True)
                    & ~Q(reading_format="")
                    & ~Q(validity="")
                    & ~Q(direction="")
                ),
                name="%(app_label)s_%(class)s_grid_or_meter",
            ),
        ]
        indexes = [models.Index(fields=["psr", "quantity", "timeframe"], name="timeseries_series_lookup")]

    def __str__(self) -> str:
        if self.meter_id is not None:
            return f"meter {self.meter} / {self.reading_format} / {self.validity} / {self.direction}"
        parts = [self.psr_id, self.quantity, self.timeframe]
        parts += [str(d) for d in (self.fuel_type, self.technology) if d is not None]
        if self.connected_psr_id:
            parts.append(f"with {self.connected_psr_id}")
        return " / ".join(parts)


class Point(models.Model):
    """One interval of one series. The key (series, start) is the primary key: it is also the range-scan index."""

    pk = models.CompositePrimaryKey("series", "start")
    # No foreign-key constraint in the database: PostgreSQL would check it row by row (at commit, as Django makes
    # them deferred), which doubled the time of a 10-million-row import. Points are only written with the id of a
    # series just looked up or created, and deleting a series deletes its points (Django's cascade).
    series = models.ForeignKey(
        Series, on_delete=models.CASCADE, related_name="points", db_index=False, db_constraint=False
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    value = models.FloatField()
    quality = models.PositiveSmallIntegerField(choices=Quality.choices, default=Quality.MEASURED)
    updated_at = models.DateTimeField(default=timezone.now, help_text="When this point was last written.")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="%(app_label)s_%(class)s_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.series_id} {self.start.isoformat()} {self.value}"


class DataVersion(models.Model):
    """One row: a counter raised by every transaction that changes what the time-series answers read (points,
    series, PSRs, the fuel catalogue, emission factors), inside that transaction, so it becomes visible with the
    change. Cached responses and their ETags are keyed on it (timeseries.versions)."""

    version = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"data version {self.version}"
