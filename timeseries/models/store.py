"""The time-series store: a narrow table of points, each in a series that names what is measured."""

from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from metadata.models import FuelSourceTechnology, FuelSourceType
from psr.models import PowerSystemResource

from ..choices import Quality, Quantity, Timeframe


class Series(models.Model):
    """What a run of points measures: a quantity of a PSR, optionally per fuel, technology or connected PSR.

    Energy is stored in MWh whatever unit it arrived in; a price series holds its ISO 4217 currency (per MWh).
    """

    psr = models.ForeignKey(PowerSystemResource, on_delete=models.PROTECT, related_name="series", db_index=False)
    quantity = models.CharField(max_length=16, choices=Quantity.choices)
    timeframe = models.CharField(max_length=16, choices=Timeframe.choices, default=Timeframe.ACTUAL)
    fuel_type = models.ForeignKey(FuelSourceType, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    technology = models.ForeignKey(
        FuelSourceTechnology, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    connected_psr = models.ForeignKey(
        PowerSystemResource, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.CharField(max_length=8, help_text="MWh for energy; an ISO 4217 currency code for prices.")

    class Meta:
        verbose_name_plural = "series"
        constraints = [
            # NULL dimensions compare equal here, on SQLite and PostgreSQL alike.
            models.UniqueConstraint(
                F("psr"),
                F("quantity"),
                F("timeframe"),
                Coalesce("fuel_type", Value(0)),
                Coalesce("technology", Value(0)),
                Coalesce("connected_psr", Value("")),
                name="%(app_label)s_%(class)s_unique_dimensions",
            ),
        ]
        indexes = [models.Index(fields=["psr", "quantity", "timeframe"], name="timeseries_series_lookup")]

    def __str__(self) -> str:
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
