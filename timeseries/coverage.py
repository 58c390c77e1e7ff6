"""What series hold: their first and last interval, how many points, and the gaps between them (for operators);
and where the API serves a series."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

from django.db.models import Count, F, OuterRef, Subquery, Value
from django.db.models.expressions import Window
from django.db.models.functions import Lag

from .choices import default_timeframe
from .models import Point, Series

SHOWN_GAPS = 20  # gaps listed per series at most (all are counted)
LONGEST_INTERVAL = timedelta(days=31)  # a month: the longest interval a series holds


@dataclass
class Coverage:
    """A series' span: first start, last end, number of points, and its gaps (bounds of the first SHOWN_GAPS)."""

    first: datetime | None = None
    last: datetime | None = None
    count: int = 0
    gap_count: int = 0
    gaps: list[tuple[datetime, datetime]] = field(default_factory=list)


def series_coverage(*, series_ids: Iterable[int], gaps: bool = True, counts: bool = True) -> dict[int, Coverage]:
    """The coverage of each series (an empty one for a series with no points), in two queries; in one without the
    gaps (`gaps=False`: first, last and count only, read from the point table's key, not its rows). `counts=False`
    leaves the counts at 0: first and last alone are two index seeks per series, the count reads the whole key.

    A gap is time between two consecutive points of a series that no point covers; intervals of other lengths
    that meet end to start are no gap.
    """
    ids = sorted(set(series_ids))
    found = {i: Coverage() for i in ids}
    if not ids:
        return found
    # Per series, its first and last point found by the point table's key (series, start), and the count from that
    # key alone: no row of the table is read, and no other column compared (min/max of the row's `end` took 3x as
    # long on SQLite). The last end is the last point's (a series never holds overlapping intervals).
    points = Point.objects.filter(series_id=OuterRef("pk")).order_by()
    spans = (
        Series.objects.filter(pk__in=ids)
        .annotate(
            first=Subquery(points.order_by("start").values("start")[:1]),
            last=Subquery(points.order_by("-start").values("end")[:1]),
            count=Subquery(points.values("series_id").annotate(n=Count("*")).values("n")) if counts else Value(0),
        )
        .values_list("pk", "first", "last", "count")
    )
    for series_id, first, last, count in spans:
        found[series_id].first, found[series_id].last, found[series_id].count = first, last, count or 0
    if not gaps:
        return found
    for series_id, begins, ends in series_gaps(series_ids=ids):
        coverage = found[series_id]
        coverage.gap_count += 1
        if len(coverage.gaps) < SHOWN_GAPS:
            coverage.gaps.append((begins, ends))
    return found


def series_gaps(
    *, series_ids: Iterable[int], start: datetime | None = None, end: datetime | None = None
) -> Iterator[tuple[int, datetime, datetime]]:
    """The gaps of each series as (series id, gap start, gap end), in order of series and time, from one query: the
    time between two consecutive points that no point covers. With `start` and `end`, only the points that overlap
    [start, end) are read (a window over them alone), so the gaps are those between points of that range; the time
    before its first point and after its last is for the caller to judge.
    """
    points = Point.objects.filter(series_id__in=sorted(set(series_ids)))
    if start is not None:
        # Bounded below on the key's start (no interval is longer than a month) so the index scan starts near it.
        points = points.filter(start__gte=start - LONGEST_INTERVAL, end__gt=start)
    if end is not None:
        points = points.filter(start__lt=end)
    between = (
        points.annotate(previous_end=Window(Lag("end"), partition_by=[F("series_id")], order_by=F("start").asc()))
        .filter(previous_end__lt=F("start"))
        .order_by("series_id", "start")
        .values_list("series_id", "previous_end", "start")
    )
    yield from between


def _utc(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def series_api_path(
    *,
    psr_id: str,
    quantity: str,
    timeframe: str,
    start: datetime | str | None = None,
    end: datetime | str | None = None,
) -> str:
    """The API path that reads a PSR's series of a quantity and timeframe back, over [start, end) when given."""
    query = {}
    if start is not None:
        query["startDatetime"] = _utc(start) if isinstance(start, datetime) else start
    if end is not None:
        query["endDatetime"] = _utc(end) if isinstance(end, datetime) else end
    if timeframe and timeframe != default_timeframe(quantity):
        query["timeframe"] = timeframe
    path = f"/power-system-resources/{quote(psr_id, safe='')}/timeseries/{quote(quantity, safe='')}"
    return f"{path}?{urlencode(query)}" if query else path
