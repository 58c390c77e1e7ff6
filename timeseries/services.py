"""Writes to the time-series store: find or create a series, write points to it without overlaps."""

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from metadata.models import FuelSourceTechnology, FuelSourceType
from psr.choices import ReadingDirection, ReadingFormat, ReadingValidity
from psr.models import Meter, PowerSystemResource

from .choices import (
    EMISSIONS_UNITS,
    ENERGY_QUANTITIES,
    ENERGY_UNITS,
    FLOW_QUANTITIES,
    FUEL_QUANTITIES,
    NON_NEGATIVE_QUANTITIES,
    READING,
    READING_ENERGY_UNIT,
    STORAGE_EMISSIONS_UNIT,
    STORAGE_ENERGY_UNIT,
    UNIT_EXPONENT,
    Quality,
    Quantity,
    Timeframe,
    energy_converter,
)
from .models import Point, Series
from .partitions import partitions_ahead, start_years
from .versions import data_changed

CURRENCY_CODE_LENGTH = 3
# A set, not Quality.values, which Django builds afresh as a list on every call (per point, it was half the time of
# generating the benchmark's store).
QUALITIES = frozenset(Quality.values)


@dataclass(frozen=True)
class PointIn:
    """A point to write: an interval [start, end) and its value in the unit given to `points_write`."""

    start: datetime
    end: datetime
    value: float
    quality: int = Quality.MEASURED


@dataclass
class WriteResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def storage_unit(quantity: str, unit: str) -> str:
    """The unit a series of this quantity is stored in; refuses a unit that does not fit the quantity."""
    if quantity == READING:
        if unit not in ENERGY_UNITS:
            raise ValidationError(
                f"'{unit}' is not an energy unit for a meter reading; use one of {', '.join(ENERGY_UNITS)}."
            )
        return READING_ENERGY_UNIT
    if quantity in ENERGY_QUANTITIES:
        if unit not in ENERGY_UNITS:
            raise ValidationError(
                f"'{unit}' is not an energy unit for {quantity}; use one of {', '.join(ENERGY_UNITS)}."
            )
        return STORAGE_ENERGY_UNIT
    if quantity == Quantity.EMISSIONS:
        if unit not in EMISSIONS_UNITS:
            raise ValidationError(
                f"'{unit}' is not a unit of emissions (CO2-equivalent mass); use one of {', '.join(EMISSIONS_UNITS)}."
            )
        return STORAGE_EMISSIONS_UNIT
    if quantity == Quantity.PRICE:
        if len(unit) != CURRENCY_CODE_LENGTH or not unit.isalpha() or not unit.isupper():
            raise ValidationError(f"'{unit}' is not an ISO 4217 currency code (e.g. USD, EUR, GBP) for a price.")
        return unit
    raise ValidationError(f"'{quantity}' is not a quantity.")


def negative_reason(quantity: str) -> str:
    """Why a negative value of a quantity that cannot be negative (NON_NEGATIVE_QUANTITIES) is refused."""
    if quantity == Quantity.EMISSIONS:
        return "emissions cannot be negative: they are the CO2-equivalent emitted in the interval."
    return f"{quantity} cannot be negative: a flow the other way is the other quantity (imports vs exports)."


def quantities_text(quantities: Iterable[str]) -> str:
    """Quantities as a sentence names them, in the vocabulary's order: "generation, curtailment and emissions"."""
    names = [q for q in Quantity.values if q in quantities]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def series_get_or_create(
    *,
    psr: PowerSystemResource,
    quantity: str,
    unit: str,
    timeframe: str,
    fuel_type: FuelSourceType | None = None,
    technology: FuelSourceTechnology | None = None,
    connected_psr: PowerSystemResource | None = None,
) -> Series:
    """The series with these dimensions, created on first use. A price series keeps the currency it started with."""
    if quantity not in Quantity.values:
        raise ValidationError(f"'{quantity}' is not a quantity; use one of {', '.join(Quantity.values)}.")
    if technology is not None and fuel_type is None:
        raise ValidationError("A technology needs its fuel type: a breakdown item is named by its fuel type.")
    if (fuel_type is not None or technology is not None) and quantity not in FUEL_QUANTITIES:
        raise ValidationError(f"Only {quantities_text(FUEL_QUANTITIES)} are broken down by fuel, not {quantity}.")
    if connected_psr is not None and quantity not in FLOW_QUANTITIES:
        raise ValidationError("Only imports and exports have a connected PSR.")
    if connected_psr is not None and connected_psr.pk == psr.pk:
        raise ValidationError("A PSR cannot import from or export to itself.")
    stored_unit = storage_unit(quantity, unit)
    series, _ = Series.objects.get_or_create(
        psr=psr,
        quantity=quantity,
        timeframe=timeframe,
        fuel_type=fuel_type,
        technology=technology,
        connected_psr=connected_psr,
        defaults={"unit": stored_unit},
    )
    if series.unit != stored_unit:
        raise ValidationError(f"Series '{series}' holds {series.unit}, not {stored_unit}.")
    return series


def meter_series_get_or_create(*, meter: Meter, reading_format: str, validity: str, direction: str) -> Series:
    """The reading stream of a meter with this format, validity and direction (in kWh), created on first use."""
    for value, choices, what in (
        (reading_format, ReadingFormat, "reading format"),
        (validity, ReadingValidity, "reading validity"),
        (direction, ReadingDirection, "direction"),
    ):
        if value not in choices.values:
            raise ValidationError(f"'{value}' is not a {what}; use one of {', '.join(choices.values)}.")
    series, _ = Series.objects.get_or_create(
        meter=meter,
        quantity=READING,
        reading_format=reading_format,
        validity=validity,
        direction=direction,
        timeframe=_reading_timeframe(reading_format),
        defaults={"unit": READING_ENERGY_UNIT},
    )
    return series


def _reading_timeframe(reading_format: str) -> str:
    """A forecast stream's timeframe is its horizon; settlement and SCADA readings are actuals."""
    return {
        ReadingFormat.FORECAST_DAY_AHEAD: Timeframe.DAY_AHEAD,
        ReadingFormat.FORECAST_HOUR_AHEAD: Timeframe.HOUR_AHEAD,
    }.get(reading_format, Timeframe.ACTUAL)


def _validate(series: Series, points: list[PointIn]) -> list[str]:
    errors = []
    for p in points:
        where = f"interval {p.start.isoformat()} - {p.end.isoformat()}"
        if timezone.is_naive(p.start) or timezone.is_naive(p.end):
            errors.append(f"{where}: datetimes must carry a timezone offset.")
        elif p.start.microsecond or p.end.microsecond:
            # Intervals start and end on whole seconds; the read path counts time in epoch seconds.
            errors.append(f"{where}: interval bounds must be whole seconds.")
        elif p.end <= p.start:
            errors.append(f"{where}: the end must be after the start.")
        if isinstance(p.value, bool) or not isinstance(p.value, int | float) or not math.isfinite(p.value):
            errors.append(f"{where}: the value must be a finite number, got {p.value!r}.")
        elif series.quantity in NON_NEGATIVE_QUANTITIES and p.value < 0:
            errors.append(f"{where}: {negative_reason(series.quantity)}")
        if p.quality not in QUALITIES:
            errors.append(f"{where}: unknown quality flag {p.quality!r}.")
    if errors:
        return errors
    ordered = sorted(points, key=lambda p: p.start)
    for before, after in pairwise(ordered):
        if after.start < before.end:
            errors.append(
                f"intervals {before.start.isoformat()} - {before.end.isoformat()} and "
                f"{after.start.isoformat()} - {after.end.isoformat()} overlap in the same write."
            )
    return errors


def points_write(*, series: Series, points: Iterable[PointIn], unit: str) -> WriteResult:
    """Insert or update points of one series, all or nothing.

    A point with the start of an existing one replaces it when both cover the same interval; an interval that
    overlaps an existing one of another length is refused (a series never holds overlapping intervals).
    Values arrive in `unit` and are stored in the series' unit (MWh for energy, tCO2e for emissions). Unchanged
    points are not rewritten, so their `updated_at` keeps telling when the value last changed.
    """
    points = list(points)
    stored = storage_unit(series.quantity, unit)
    if stored != series.unit:
        raise ValidationError(f"Series '{series}' holds {series.unit}; {unit} cannot be written to it.")
    errors = _validate(series, points)
    if errors:
        raise ValidationError(errors)
    if not points:
        return WriteResult()
    convert = energy_converter(unit, stored) if stored in UNIT_EXPONENT else float
    first = min(p.start for p in points)
    last = max(p.end for p in points)
    result = WriteResult()
    now = timezone.now()
    # Before the transaction: making a partition inside it would hold the parent's locks until it ends.
    partitions_ahead(years=start_years(p.start for p in points))
    with transaction.atomic():
        data_changed()
        existing = {
            start: (end, value, quality)
            for start, end, value, quality in Point.objects.select_for_update()
            .filter(series=series, start__lt=last, end__gt=first)
            .values_list("start", "end", "value", "quality")
        }
        clashes = _clashes(points, existing)
        if clashes:
            raise ValidationError([f"series '{series}': {c}" for c in clashes])
        rows = []
        for p in points:
            value = convert(p.value)
            old = existing.get(p.start)
            if old is None:
                result.inserted += 1
            elif old == (p.end, value, p.quality):
                result.unchanged += 1
                continue
            else:
                result.updated += 1
            rows.append(Point(series=series, start=p.start, end=p.end, value=value, quality=p.quality, updated_at=now))
        Point.objects.bulk_create(
            rows,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["series", "start"],
            update_fields=["end", "value", "quality", "updated_at"],
        )
    return result


def _clashes(points: list[PointIn], existing: dict[datetime, tuple[datetime, float, int]]) -> list[str]:
    """New intervals that overlap an existing interval other than the one they replace."""
    if not existing:
        return []
    spans = sorted((start, end) for start, (end, _, _) in existing.items())
    starts = [s for s, _ in spans]
    clashes = []
    for p in points:
        if p.start in existing and existing[p.start][0] == p.end:
            continue  # same interval: an update
        lo = bisect_right(starts, p.start) - 1
        hi = bisect_left(starts, p.end)
        for start, end in spans[max(lo, 0) : hi]:
            if start < p.end and end > p.start:
                clashes.append(
                    f"the interval {p.start.isoformat()} - {p.end.isoformat()} overlaps the stored interval "
                    f"{start.isoformat()} - {end.isoformat()} of another length."
                )
                break
    return clashes


def series_replace_points(*, series: Series, points: Iterable[PointIn], unit: str) -> int:
    """Replace every point of a series with `points`, loaded in bulk (COPY on PostgreSQL); returns the count.

    For whole series made in one go (generated demo and benchmark data): the points must come in time
    order without overlaps, which is checked in one pass as they stream in. The points stream, so their years are
    not known before the write: the caller makes their partitions ahead (`partitions.partitions_ahead`), or they go
    to the default partition.
    """
    stored = storage_unit(series.quantity, unit)
    if stored != series.unit:
        raise ValidationError(f"Series '{series}' holds {series.unit}; {unit} cannot be written to it.")
    convert = energy_converter(unit, stored) if stored in UNIT_EXPONENT else float
    now = timezone.now()

    non_negative = series.quantity in NON_NEGATIVE_QUANTITIES

    def rows():
        previous_end = None
        for p in points:
            # The cheap checks inline, per point; the full ones (with messages) only for a point that fails them.
            if (
                p.start.tzinfo is None
                or p.end.tzinfo is None
                or p.start.microsecond
                or p.end.microsecond
                or p.end <= p.start
                or isinstance(p.value, bool)
                or not math.isfinite(p.value)
                or (non_negative and p.value < 0)
                or p.quality not in QUALITIES
            ):
                raise ValidationError(_validate(series, [p]) or f"series '{series}': invalid point {p}.")
            if previous_end is not None and p.start < previous_end:
                raise ValidationError(f"series '{series}': points must come in time order without overlaps.")
            previous_end = p.end
            yield series.pk, p.start, p.end, convert(p.value), p.quality, now

    with transaction.atomic():
        data_changed()
        Point.objects.filter(series=series).delete()
        return _bulk_insert(rows())


def _bulk_insert(rows: Iterable[tuple]) -> int:
    """Insert point rows as fast as the database takes them: COPY on PostgreSQL, batched inserts elsewhere."""
    table = Point._meta.db_table
    columns = ("series_id", "start", "end", "value", "quality", "updated_at")
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        sql = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({', '.join(['%s'] * len(columns))})"
        adapt = connection.ops.adapt_datetimefield_value  # the text form the ORM stores and compares
        batch = []
        for series_id, start, end, value, quality, updated_at in rows:
            batch.append((series_id, adapt(start), adapt(end), value, quality, adapt(updated_at)))
            if len(batch) == 5000:
                cursor.executemany(sql, batch)
                count, batch = count + len(batch), []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count
