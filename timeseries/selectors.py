"""The query engine: one page of one quantity of a PSR, in range, optionally resampled, rolled up the tree.

It knows series and points only; nothing here knows where the data came from. A page is keyed by interval
start (or bucket start when resampling), so following `next` returns every interval once even while data
is being written.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.db.models import OuterRef, Q, QuerySet, Subquery

from psr.models import PowerSystemResource

from .cache import cached
from .choices import FLOW_QUANTITIES, FUEL_QUANTITIES, UNIT_EXPONENT, Quantity, energy_converter
from .db import Columns, EpochSeconds, fetch_page_columns, read_connection, rows_as_columns
from .models import Point, Series
from .resolution import CALENDAR_END, CALENDAR_START, Resolution

NEXT, PREVIOUS = "n", "p"
_EPOCH, _SECOND = datetime(1970, 1, 1, tzinfo=UTC), timedelta(seconds=1)
PRICE_DIGITS = 6  # decimals of a computed price (a mean)


class QueryError(ValueError):
    """A request the data cannot answer as asked; `parameter` names the query parameter at fault."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


@dataclass(frozen=True)
class Cursor:
    position: datetime  # an interval (or bucket) start
    direction: str = NEXT


@dataclass(frozen=True)
class TimeseriesQuery:
    psr: PowerSystemResource
    quantity: str
    timeframe: str
    start: datetime | None = None
    end: datetime | None = None
    resolution: Resolution | None = None
    unit: str | None = None  # an energy unit to convert to; None keeps the stored unit
    page_size: int = 1000
    cursor: Cursor | None = None


@dataclass
class TimeseriesPage:
    unit: str | None
    items: list[dict[str, Any]]
    rolled_up: bool = False
    next: Cursor | None = None
    previous: Cursor | None = None


@dataclass(frozen=True)
class Role:
    """How one series contributes: to which member PSR, as its total or as one breakdown item."""

    member: str
    part: tuple | None  # None: the member's reported total; else the breakdown key


class SeriesSet(NamedTuple):
    """The series that answer a query: their roles, the breakdown items' labels, whether rolled up, the unit."""

    roles: dict[int, Role]
    labels: dict[tuple, dict]
    rolled_up: bool
    unit: str | None


def series_set(psr: PowerSystemResource, quantity: str, timeframe: str) -> SeriesSet:
    """The series of `quantity` that answer for `psr`: its own, else (not for prices) its descendants' (the highest
    that hold any; for flows, only those crossing the subtree's boundary)."""
    return cached(f"series:{psr.pk}:{quantity}:{timeframe}", lambda: _find_series(psr, quantity, timeframe))


def _find_series(psr: PowerSystemResource, quantity: str, timeframe: str) -> SeriesSet:
    base = Series.objects.filter(quantity=quantity, timeframe=timeframe)
    own = list(base.filter(psr=psr).select_related("fuel_type", "technology"))
    rolled_up = False
    series = own
    if not own and quantity != Quantity.PRICE:  # a price is not additive: never rolled up
        subtree = psr.get_descendants()
        series_qs = base.filter(psr__in=subtree).select_related("fuel_type", "technology", "psr")
        if quantity in FLOW_QUANTITIES:
            # Only flows that cross the boundary of the subtree count; flows between its members are internal.
            series_qs = series_qs.filter(connected_psr__isnull=False).exclude(connected_psr__in=subtree)
        series = _highest_members(list(series_qs))
        rolled_up = bool(series)
    roles: dict[int, Role] = {}
    labels: dict[tuple, dict] = {}
    for s in series:
        part = None
        if quantity in FUEL_QUANTITIES and s.fuel_type_id is not None:
            part = ("fuel", s.fuel_type_id, s.technology_id)
            labels[part] = fuel_label(s)
        elif quantity in FLOW_QUANTITIES and s.connected_psr_id is not None:
            part = ("psr", s.connected_psr_id)
            labels[part] = {"connectedPSR": s.connected_psr_id}
        roles[s.pk] = Role(member=s.psr_id, part=part)
    units = {s.unit for s in series}
    if len(units) > 1:
        raise QueryError("unit", f"the series hold different units ({', '.join(sorted(units))}); ask for one.")
    return SeriesSet(roles, labels, rolled_up, units.pop() if units else None)


def fuel_label(series: Series) -> dict[str, str | None]:
    """A fuel breakdown item's names, as responses show them."""
    return {"technology": series.technology.name if series.technology else None, "type": series.fuel_type.name}


def _highest_members(series: list[Series]) -> list[Series]:
    """The series of the highest PSRs in the subtree that hold any: a PSR's own series already account for
    everything below it (a balancing area's demand includes its meters'), so its descendants' are left out."""
    kept, covered = [], None
    for s in sorted(series, key=lambda s: (s.psr.lft, s.pk)):
        if covered is not None and covered.tree_id == s.psr.tree_id and covered.lft < s.psr.lft < covered.rght:
            continue
        if covered is None or s.psr_id != covered.pk:
            covered = s.psr
        kept.append(s)
    return kept


def _in_range(query: TimeseriesQuery, series_ids: list[int]) -> QuerySet[Point]:
    points = Point.objects.filter(series_id__in=series_ids)
    if query.start is not None:
        points = points.filter(start__gte=query.start)
    if query.end is not None:
        # end <= E implies start < E; saying so bounds the index range scan on (series, start).
        points = points.filter(end__lte=query.end, start__lt=query.end)
    return points


def _page_bounds_raw(query: TimeseriesQuery, points: QuerySet[Point]) -> tuple[Q, Cursor | None, Cursor | None]:
    """Going back (a `previous` cursor): the page's filter on `start` and the cursors around it."""
    size, cursor = query.page_size, query.cursor
    starts = points.values_list("start", flat=True).distinct()
    hi = cursor.position
    before = starts.filter(start__lt=hi).order_by("-start")[: size + 1]
    found = list(before)
    lo = found[min(size, len(found)) - 1] if found else hi
    previous = Cursor(lo, PREVIOUS) if len(found) > size else None
    return Q(start__gte=lo, start__lt=hi), Cursor(hi), previous


def _page_bounds_resampled(
    query: TimeseriesQuery, points: QuerySet[Point], tz: ZoneInfo
) -> tuple[Q, Cursor | None, Cursor | None]:
    """The same, when pages are counted in buckets of the requested resolution. A bucket cut by startDatetime or
    endDatetime is one of them: it is answered clipped to the range and marked partial (`clip_to_range`)."""
    res, size, cursor = query.resolution, query.page_size, query.cursor
    if cursor is None or cursor.direction == NEXT:
        after = points.filter(start__gte=cursor.position) if cursor else points
        first = after.order_by("start").values_list("start", flat=True).first()
        lo = None if first is None else res.floor(first, tz)
        if first is not None and lo is None:
            # That bucket begins before the calendar does: it is left out (it has no start to answer with).
            lo = res.ceil(first, tz)
        if lo is None:  # no data, or none in a bucket before the calendar's end
            return Q(pk__in=[]), None, None
        hi = res.shift(lo, size, tz)  # None: the page reaches the calendar's end
        answered = _in_calendar_buckets(query, points, tz)
        following = hi is not None and answered is not None and answered.filter(start__gte=hi).exists()
        preceding = cursor is not None and answered is not None and answered.filter(start__lt=lo).exists()
        # From the first interval even when its bucket is left out: one that crosses into the page's first bucket
        # must be seen (a 400), not dropped.
        window = Q(start__gte=min(lo, first)) if hi is None else Q(start__gte=min(lo, first), start__lt=hi)
        return window, Cursor(hi) if following else None, Cursor(lo, PREVIOUS) if preceding else None
    hi = cursor.position
    before = points.filter(start__lt=hi).order_by("-start").values_list("start", flat=True).first()
    if before is None:
        return Q(pk__in=[]), Cursor(hi), None
    last = res.floor(before, tz)
    lo = None if last is None else res.shift(last, 1 - size, tz)
    if lo is None:  # the page reaches back to the calendar's start: the rest, its buckets that the calendar holds
        return Q(start__lt=hi), Cursor(hi), None
    answered = _in_calendar_buckets(query, points, tz)
    preceding = answered is not None and answered.filter(start__lt=lo).exists()
    return Q(start__gte=lo, start__lt=hi), Cursor(hi), Cursor(lo, PREVIOUS) if preceding else None


def _in_calendar_buckets(query: TimeseriesQuery, points: QuerySet[Point], tz: ZoneInfo) -> QuerySet[Point] | None:
    """The points a resampled answer holds: all but those in a bucket that begins before the calendar or ends after
    it (years 1 to 9999, UTC); None if there are none. A page links to another only if that page holds some of
    them, so a walk never ends on an empty page."""
    res = query.resolution
    earliest = res.ceil(CALENDAR_START, tz)
    latest = res.floor(CALENDAR_END, tz)
    if earliest is None or latest is None or latest <= earliest:
        return None
    return points.filter(start__gte=earliest, start__lt=latest)


def range_seconds(start: datetime | None, end: datetime | None) -> tuple[int | None, int | None]:
    """A range's bounds in whole epoch seconds, inward (an instant's fraction of a second rounds the start up and the
    end down): what a bucket's bounds (whole seconds) may be clipped to and stay within the range."""
    return (
        None if start is None else -((_EPOCH - start) // _SECOND),
        None if end is None else (end - _EPOCH) // _SECOND,
    )


def clip_to_range(lo: int, hi: int, start: int | None, end: int | None) -> tuple[int, int, bool]:
    """A bucket as answered for a range (all in epoch seconds; None: no bound): cut by `start` and `end`, and whether
    that made it partial. The range rule holds for it (it starts at or after startDatetime and ends at or before
    endDatetime), and what the range holds of the bucket is answered rather than dropped: the buckets of a range
    sum to its intervals."""
    clipped_lo = lo if start is None or lo >= start else start
    clipped_hi = hi if end is None or hi <= end else end
    return clipped_lo, clipped_hi, clipped_lo != lo or clipped_hi != hi


Rows = list[tuple[int, int, int, float]]  # (series id, start, end, value), instants in epoch seconds


def interval_lengths(series_ids: list[int]) -> dict[int, int]:
    """Each series' interval length in seconds (that of its latest point), for those that have points: one query for
    them all, cached with the other series metadata. What a bulk read expects of a series, so that one without gaps
    comes as its values alone (`db.fetch_columns`); a wrong or stale expectation costs speed, never a wrong point."""
    return cached(f"interval-lengths:{','.join(map(str, series_ids))}", lambda: _latest_lengths(series_ids))


def _latest_lengths(series_ids: list[int]) -> dict[int, int]:
    latest = Point.objects.filter(series_id=OuterRef("series_id")).order_by("-start").values("start")[:1]
    rows = Point.objects.filter(series_id__in=series_ids, start=Subquery(latest)).values_list(
        "series_id", "start", "end"
    )
    return {series_id: int((end - start).total_seconds()) for series_id, start, end in rows}


def timeseries_page(
    query: TimeseriesQuery, *, series: SeriesSet | None = None, transform: Callable[[Rows], Rows] | None = None
) -> TimeseriesPage:
    """One page of intervals, in time order, each with its value and (where the quantity has one) breakdown.

    The value of an interval is, per member PSR, its reported total where there is one, else the sum of its
    breakdown; summed over the members when rolled up. Intervals with no data are absent. Items carry their
    start and end as seconds since the epoch (UTC).

    `series` answers instead of the query's own (a caller that chose them), and `transform` turns the rows read
    into the values to sum (emissions from generation): both for derived quantities.
    """
    roles, labels, rolled_up, stored_unit = series or series_set(query.psr, query.quantity, query.timeframe)
    if not roles:
        return TimeseriesPage(unit=query.unit or stored_unit, items=[])
    tz = ZoneInfo(query.psr.timezone)
    cursor = query.cursor
    next_cursor = previous_cursor = None
    partial: set[int] = set()  # the starts of buckets cut by the range
    if query.resolution is None and (cursor is None or cursor.direction == NEXT):
        # The common case: the points of the page's intervals and of the one after (the next cursor), as arrays.
        after = cursor.position if cursor else None
        columns = fetch_page_columns(
            series_ids=list(roles),
            start=query.start,
            end=query.end,
            after=after,
            size=query.page_size,
            lengths=interval_lengths(list(roles)),
        )
        if after is not None and _in_range(query, list(roles)).filter(start__lt=after).exists():
            previous_cursor = Cursor(after, PREVIOUS)
        if transform is not None:
            # Only the page's points and the next interval's, as on SQLite: what a transform notes (the emission
            # factors it applied) is then the page's own.
            columns = rows_as_columns(transform(_as_rows(_through_next_interval(columns, query.page_size))))
        grid = _grid(columns, roles)
        if len(grid.starts) > query.page_size:  # the first interval of the next page came along: the cursor
            following = int(grid.starts[query.page_size])
            _refuse_overlaps(grid.first(int(np.searchsorted(grid.starts, following, side="right"))))
            next_cursor = Cursor(datetime.fromtimestamp(following, UTC))
            grid = grid.first(query.page_size)
        else:
            _refuse_overlaps(grid)
    else:
        points = _in_range(query, list(roles))
        if query.resolution is None:
            window, next_cursor, previous_cursor = _page_bounds_raw(query, points)
        else:
            window, next_cursor, previous_cursor = _page_bounds_resampled(query, points, tz)
        # No ORDER BY: rows are grouped by interval here; sorting intervals is cheaper than sorting points.
        rows = _fetch(points.filter(window))
        if transform is not None:
            rows = transform(rows)
        if query.resolution is None:
            grid = _grid(rows_as_columns(rows), roles)
            _refuse_overlaps(grid)
        else:
            buckets = _group_resampled(rows, query.resolution, tz, average=query.quantity == Quantity.PRICE)
            # The range rule applies to the buckets too: one cut by startDatetime or endDatetime is clipped to the
            # range and marked partial (an edge of the range in the PSR's local time), never dropped.
            answered = []
            start, end = range_seconds(query.start, query.end)
            for (lo, hi), slot in buckets.items():
                lo, hi, cut = clip_to_range(lo, hi, start, end)
                if cut:
                    partial.add(lo)
                answered.extend((series_id, lo, hi, value) for series_id, value in slot.items())
            grid = _grid(rows_as_columns(answered), roles)

    convert, unit = None, stored_unit
    if query.quantity != Quantity.PRICE and query.unit and query.unit != stored_unit:
        convert, unit = energy_converter(stored_unit, query.unit), query.unit
    digits = UNIT_EXPONENT.get(unit, PRICE_DIGITS)
    computed = bool(convert or query.resolution or transform)
    items = _shape(grid, roles, labels, query.quantity, convert, digits, computed=computed)
    if partial:
        for item in items:
            if item["startDatetime"] in partial:
                item["partial"] = True
    return TimeseriesPage(unit=unit, items=items, rolled_up=rolled_up, next=next_cursor, previous=previous_cursor)


class _Grid(NamedTuple):
    """A page's intervals in time order and, per series (a column, in the order of `series`), the value it holds
    for each interval where `present` says it holds one."""

    starts: np.ndarray  # epoch seconds
    ends: np.ndarray
    series: list[int]
    values: np.ndarray  # float64, intervals x series
    present: np.ndarray  # bool, intervals x series

    def first(self, n: int) -> "_Grid":
        return _Grid(self.starts[:n], self.ends[:n], self.series, self.values[:n], self.present[:n])


def _as_rows(columns: Columns) -> Rows:
    series, starts, ends, values = columns
    return list(zip(series.tolist(), starts.tolist(), ends.tolist(), values.tolist(), strict=True))


def _through_next_interval(columns: Columns, size: int) -> Columns:
    """The points of the first `size` + 1 intervals of `columns` (by start), those `fetch_page_rows` reads."""
    series, starts, ends, values = columns
    first_starts = np.unique(starts)
    if len(first_starts) <= size:
        return columns
    keep = starts <= first_starts[size]
    return series[keep], starts[keep], ends[keep], values[keep]


def _grid(columns: Columns, roles: dict[int, Role]) -> _Grid:
    """The points grouped by interval (start, end), in time order: sorted once as arrays, no object per point."""
    series, starts, ends, values = columns
    ids = sorted(roles)
    order = np.lexsort((ends, starts))
    starts, ends = starts[order], ends[order]
    new = np.ones(len(starts), dtype=bool)
    new[1:] = (starts[1:] != starts[:-1]) | (ends[1:] != ends[:-1])
    row = np.cumsum(new) - 1
    column = np.searchsorted(np.array(ids, dtype=np.int64), series[order])
    count = int(new.sum())
    grid_values = np.zeros((count, len(ids)))
    present = np.zeros((count, len(ids)), dtype=bool)
    grid_values[row, column] = values[order]
    present[row, column] = True
    return _Grid(starts[new], ends[new], ids, grid_values, present)


def _refuse_overlaps(grid: _Grid) -> None:
    """Raw intervals of different series must coincide or follow one another: no common answer otherwise."""
    if len(grid.starts) > 1 and bool((grid.starts[1:] < grid.ends[:-1]).any()):
        raise QueryError(
            "resolution",
            "the series answering this query hold intervals of different lengths; "
            "ask for a common resolution (e.g. resolution=PT1H).",
        )


_Intervals = dict[tuple[int, int], dict[int, float]]  # (start, end) epoch seconds -> series id -> value


def _group_resampled(rows, res: Resolution, tz: ZoneInfo, *, average: bool) -> _Intervals:
    """Per bucket and series: the sum of the values, or for prices their time-weighted mean. A bucket that begins
    before the calendar or ends after it (years 1 to 9999, UTC) is never whole: left out, as one cut by the range is.
    """
    sums: _Intervals = {}
    weights: _Intervals = {}
    bucket_of: dict[int, tuple[int | None, int | None]] = {}  # one timezone conversion per distinct start
    crossing = 0  # the longest interval that crosses the end of its bucket
    for series_id, start, end, value in rows:
        bounds = bucket_of.get(start)
        if bounds is None:
            bounds = bucket_of[start] = _bucket(res, start, tz)
        lo, hi = bounds
        if hi is not None and end > hi:
            crossing = max(crossing, end - start)
            continue
        if lo is None or hi is None:
            continue
        key = (lo, hi)
        slot = sums.get(key)
        if slot is None:
            slot = sums[key] = {}
            weights[key] = {}
        if average:
            value *= end - start
            weights[key][series_id] = weights[key].get(series_id, 0) + end - start
        slot[series_id] = slot.get(series_id, 0.0) + value
    if crossing > res.nominal_seconds:
        raise QueryError(
            "resolution", f"{res.code} is finer than the data, whose intervals are {crossing // 60} minutes long."
        )
    if crossing:
        raise QueryError(
            "resolution",
            f"the data's {crossing // 60}-minute intervals cross the boundaries of {res.code} buckets, which are cut "
            f"in the PSR's local time ({tz.key}); ask for a resolution whose buckets they fit in.",
        )
    if average:
        for key, slot in sums.items():
            for series_id in slot:
                slot[series_id] /= weights[key][series_id]
    return sums


def _bucket(res: Resolution, start: int, tz: ZoneInfo) -> tuple[int | None, int | None]:
    """The bucket (epoch seconds) holding the interval that starts at `start`; None for an end beyond the calendar.
    A bucket that began before the calendar still has an end: the data crossing it must be told apart."""
    t = datetime.fromtimestamp(start, UTC)
    lo = res.floor(t, tz)
    hi = res.next(lo, tz) if lo is not None else res.ceil(t, tz)
    return (
        None if lo is None else int(lo.timestamp()),
        None if hi is None else int(hi.timestamp()),
    )


def _fetch(points: QuerySet[Point]) -> Rows:
    """(series id, start, end, value) rows straight from the cursor; the ORM's row iterator costs twice the query."""
    try:
        sql, params = points.values_list(
            "series_id", EpochSeconds("start"), EpochSeconds("end"), "value"
        ).query.sql_with_params()
    except EmptyResultSet:  # a window that holds nothing (a range with no data): Django writes no SQL for it
        return []
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _breakdown_builder(labels: list[dict]) -> Callable[[list[float]], list[dict]]:
    """A function of one interval's breakdown values (one per label, in order) that returns its breakdown items, each
    its label's keys then `value`. The labels' two shapes (fuel, connected PSR) are built as dict literals: a year's
    87,600 items take two thirds of the time `dict(label, value=v)` takes."""
    shapes = {tuple(label) for label in labels}
    if shapes == {("technology", "type")}:
        fuels = [(label["technology"], label["type"]) for label in labels]
        return lambda row: [{"technology": t, "type": f, "value": v} for (t, f), v in zip(fuels, row, strict=True)]
    if shapes == {("connectedPSR",)}:
        neighbours = [label["connectedPSR"] for label in labels]
        return lambda row: [{"connectedPSR": n, "value": v} for n, v in zip(neighbours, row, strict=True)]
    return lambda row: [dict(label, value=v) for label, v in zip(labels, row, strict=True)]


def _shape(
    grid: _Grid, roles: dict[int, Role], labels: dict, quantity: str, convert, digits: int, computed: bool
) -> list[dict]:
    """The response items. One member (the PSR itself) takes a fast path; a roll-up sums per member first."""
    breakdown_key = {
        Quantity.GENERATION: "valueByFuelSource",
        Quantity.CURTAILMENT: "valueByFuelSource",
        Quantity.EMISSIONS: "valueByFuelSource",
        Quantity.IMPORTS: "valueByConnectedPSR",
        Quantity.EXPORTS: "valueByConnectedPSR",
    }.get(quantity)
    # Fuel items by type then technology name, flow items by connected PSR id.
    order = sorted(labels, key=lambda k: (labels[k].get("type", ""), labels[k].get("technology") or "", k[1]))
    column = {sid: j for j, sid in enumerate(grid.series)}
    starts, ends = grid.starts.tolist(), grid.ends.tolist()

    # Computed values (sums, conversions) are rounded to `digits` decimals, one watt-hour in the output unit:
    # float sums carry binary noise (0.1 + 0.2) that is no part of the data. Stored values pass as they are.
    def finish(value: float) -> float:
        return round(convert(value) if convert else value, digits)

    def out(value: float) -> float:
        return finish(value) if computed else value

    items = []
    if len({role.member for role in roles.values()}) == 1:
        # Each breakdown item is exactly one series: the breakdown is the row of the series' columns in breakdown
        # order, the value the member's total where it reports one, else the sum of the row in that order (the sum
        # a person would do, so that a value is the same whichever way the data was read).
        rank = {part: i for i, part in enumerate(order)}
        ordered = sorted((sid for sid, role in roles.items() if role.part), key=lambda s: rank[roles[s].part])
        part_columns = [column[sid] for sid in ordered]
        part_labels = [labels[roles[sid].part] for sid in ordered]
        summed = np.zeros(len(starts))
        for j in part_columns:
            summed = summed + np.where(grid.present[:, j], grid.values[:, j], 0.0)
        total = np.full(len(starts), np.nan)
        has_total = np.zeros(len(starts), dtype=bool)
        for sid, role in roles.items():  # the first reported total that has the interval
            if role.part is None:
                j = column[sid]
                total = np.where(has_total | ~grid.present[:, j], total, grid.values[:, j])
                has_total |= grid.present[:, j]
        values = [
            out(t) if reported else finish(s)
            for t, reported, s in zip(total.tolist(), has_total.tolist(), summed.tolist(), strict=True)
        ]
        rows = grid.values[:, part_columns].tolist()
        held = grid.present[:, part_columns]
        whole = held.all(axis=1).tolist()
        held_rows = held.tolist()
        whole_breakdown = _breakdown_builder(part_labels)
        for i, row in enumerate(rows):
            if computed:
                row = [out(v) for v in row]
            if whole[i]:
                breakdown = whole_breakdown(row)
            else:
                breakdown = [
                    dict(label, value=v) for label, v, h in zip(part_labels, row, held_rows[i], strict=True) if h
                ]
            item: dict[str, Any] = {"startDatetime": starts[i], "endDatetime": ends[i], "value": values[i]}
            if breakdown_key:
                item[breakdown_key] = breakdown
            items.append(item)
        return items

    computed = True  # a roll-up sums across members
    part_of = [roles[sid].part for sid in grid.series]
    member_of = [roles[sid].member for sid in grid.series]
    held_rows = grid.present.tolist()
    for i, row in enumerate(grid.values.tolist()):
        parts: dict[tuple, float] = {}
        totals: dict[str, float] = {}
        member_parts: dict[str, float] = defaultdict(float)
        for j, v in enumerate(row):
            if not held_rows[i][j]:
                continue
            part, member = part_of[j], member_of[j]
            if part is None:
                totals[member] = v
            else:
                member_parts[member] += v
                parts[part] = parts.get(part, 0.0) + v
        members = totals.keys() | member_parts.keys()
        value = sum(totals[m] if m in totals else member_parts[m] for m in members)
        item = {"startDatetime": starts[i], "endDatetime": ends[i], "value": out(value)}
        if breakdown_key:
            item[breakdown_key] = [dict(labels[p], value=out(parts[p])) for p in order if p in parts]
        items.append(item)
    return items
