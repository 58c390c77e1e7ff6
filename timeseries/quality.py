"""Data quality of a PSR's series for operators: each local day complete, partial or missing, the gaps, the last
import job that wrote each series (the data-quality view's selector)."""

import bisect
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.db.models import Count, OuterRef, Subquery

from psr.models import PowerSystemResource

from .coverage import LONGEST_INTERVAL, series_coverage, series_gaps
from .models import ImportJob, Point, Series

DEFAULT_DAYS = 31  # the range shown unless one is asked: the last 31 local days of data
MAX_DAYS = 366  # the longest range asked at once
JOBS_SEARCHED = 500  # the most recent jobs that wrote the PSR, searched for each series' last writer


class DayState(StrEnum):
    COMPLETE = "complete"  # every interval of the day is held
    PARTIAL = "partial"  # some are
    MISSING = "missing"  # none is
    OUTSIDE = "outside"  # not judged: before the series' first interval, or after the latest of its kind

    @property
    def letter(self) -> str:
        return {"complete": "C", "partial": "P", "missing": "M", "outside": "-"}[self.value]


@dataclass(frozen=True)
class Day:
    """One local day of one series: its state, and how much of it was judged and found missing."""

    date: date
    hours: float  # the local day's length: 23, 24 or 25 at DST changes
    state: DayState
    judged_hours: float = 0.0
    missing_hours: float = 0.0

    @property
    def title(self) -> str:
        """The day in words, for its cell's title and for screen readers."""
        when = f"{self.date:%a %d %b %Y} ({self.hours:g} h)"
        if self.state is DayState.OUTSIDE:
            return f"{when}: not judged (before the series' first interval or after the latest of its kind)"
        text = {
            DayState.COMPLETE: "complete",
            DayState.PARTIAL: f"partial, {round(self.missing_hours, 2):g} of {round(self.judged_hours, 2):g} h missing",
            DayState.MISSING: "missing, no interval held",
        }[self.state]
        if self.judged_hours < self.hours:
            text += f" (judged over {round(self.judged_hours, 2):g} h of the day)"
        return f"{when}: {text}"


@dataclass(frozen=True)
class Gap:
    """Time no point of the series covers, as UTC instants and as the PSR's local time."""

    start: datetime
    end: datetime
    start_local: datetime
    end_local: datetime
    intervals: int  # how many of the series' intervals fit in it

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


@dataclass
class SeriesQuality:
    """What one series holds in the range: intervals held and expected, its days, its gaps, its last import job."""

    series: Series
    interval: timedelta | None
    held: int = 0
    expected: int = 0
    judged_from: datetime | None = None
    judged_to: datetime | None = None
    days: list[Day] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    last_job: ImportJob | None = None

    @property
    def of(self) -> str:
        """The fuel, technology or neighbour that tells this series from the others of its quantity."""
        parts = [str(d) for d in (self.series.fuel_type, self.series.technology) if d is not None]
        if self.series.connected_psr_id:
            parts.append(f"with {self.series.connected_psr_id}")
        return " / ".join(parts)

    @property
    def interval_name(self) -> str:
        return interval_name(self.interval)

    @property
    def summary(self) -> str:
        """One line, e.g. "743 of 744 hours, 1 gap"."""
        if self.judged_from is None:
            return "no data in this range"
        gaps = "no gap" if not self.gaps else f"{len(self.gaps):,} gap{'s' if len(self.gaps) > 1 else ''}"
        return f"{self.held:,} of {self.expected:,} {self.interval_name}, {gaps}"

    @property
    def complete(self) -> bool:
        return self.judged_from is not None and not self.gaps


@dataclass
class QuantityQuality:
    quantity: str
    series: list[SeriesQuality]


@dataclass
class PsrQuality:
    """The data-quality view of one PSR over a range of its local days."""

    psr: PowerSystemResource
    zone: tzinfo
    first_day: date
    last_day: date
    start: datetime  # UTC bounds of the range: local midnight before the first day, after the last
    end: datetime
    days: list[Day]  # the range's days (their state is that of no series: OUTSIDE)
    quantities: list[QuantityQuality]
    latest: datetime | None  # the latest interval end of any series of the PSR

    @property
    def series_count(self) -> int:
        return sum(len(q.series) for q in self.quantities)


def interval_name(interval: timedelta | None) -> str:
    """How people count a series' intervals: "hours", "quarter-hours", "5-minute intervals", "days"."""
    if interval is None:
        return "intervals"
    seconds = int(interval.total_seconds())
    named = {3600: "hours", 1800: "half-hours", 900: "quarter-hours", 86400: "days"}
    if seconds in named:
        return named[seconds]
    if seconds < 3600 and seconds % 60 == 0:
        return f"{seconds // 60}-minute intervals"
    if seconds % 3600 == 0 and seconds < 86400:
        return f"{seconds // 3600}-hour intervals"
    return "intervals"


def local_midnight(day: date, zone: tzinfo) -> datetime:
    """The UTC instant a local day begins at."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def default_range(latest: datetime | None, zone: tzinfo, days: int = DEFAULT_DAYS) -> tuple[date, date]:
    """The last `days` local days of data: up to the local day holding the latest interval (today without data)."""
    last = (latest - timedelta(microseconds=1)).astimezone(zone).date() if latest else datetime.now(zone).date()
    return last - timedelta(days=days - 1), last


def psr_data_quality(
    *,
    psr: PowerSystemResource,
    first_day: date | None = None,
    last_day: date | None = None,
    quantity: str | None = None,
) -> PsrQuality:
    """The quality of a PSR's series (of one quantity when given) over its local days [first_day, last_day] (the
    last DEFAULT_DAYS days of data by default): per series, each day complete, partial or missing, the gaps, the
    intervals held and expected, and the last import job that wrote it.

    Set-based: the series, their spans, their spans in the range, their gaps in the range and the jobs are five
    queries whatever the number of series and days. Each series is judged from its first interval (days before are
    OUTSIDE) to the latest interval of its quantity and timeframe at this PSR: a series the last import left behind
    its siblings shows the hours it lacks.
    """
    zone = ZoneInfo(psr.timezone) if psr.timezone else UTC
    series = list(
        Series.objects.filter(psr=psr, **({"quantity": quantity} if quantity else {}))
        .select_related("fuel_type", "technology")
        .order_by("quantity", "timeframe", "fuel_type__name", "technology__name", "connected_psr_id")
    )
    ids = [s.pk for s in series]
    ever = series_coverage(series_ids=ids, gaps=False, counts=False)
    latest_of: dict[tuple[str, str], datetime] = {}
    for s in series:
        last = ever[s.pk].last
        if last is not None:
            key = (s.quantity, s.timeframe)
            latest_of[key] = max(latest_of.get(key, last), last)
    latest = max(latest_of.values(), default=None)
    if first_day is None or last_day is None:
        first_day, last_day = default_range(latest, zone)
    start, end = local_midnight(first_day, zone), local_midnight(last_day + timedelta(days=1), zone)
    day_bounds = []
    day = first_day
    while day <= last_day:
        day_bounds.append((day, local_midnight(day, zone), local_midnight(day + timedelta(days=1), zone)))
        day += timedelta(days=1)
    in_range = _spans_in_range(ids, start, end)
    gaps_of: dict[int, list[tuple[datetime, datetime]]] = {i: [] for i in ids}
    for series_id, begins, ends in series_gaps(series_ids=ids, start=start, end=end):
        gaps_of[series_id].append((begins, ends))

    found = []
    for s in series:
        count, first_start, first_end, last_end = in_range.get(s.pk, (0, None, None, None))
        quality = SeriesQuality(series=s, interval=(first_end - first_start) if first_start else None)
        first_ever, latest_kind = ever[s.pk].first, latest_of.get((s.quantity, s.timeframe))
        judged = (max(start, first_ever), min(end, latest_kind)) if first_ever and latest_kind else None
        if judged is None or judged[0] >= judged[1]:
            quality.days = [Day(d, _hours(b - a), DayState.OUTSIDE) for d, a, b in day_bounds]
            found.append(quality)
            continue
        quality.judged_from, quality.judged_to = judged
        missing = _missing(judged, gaps_of[s.pk], first_start, last_end)
        if quality.interval is None:  # nothing in the range: count in the series' usual intervals
            quality.interval = _interval_of(s.pk)
        step = quality.interval.total_seconds() if quality.interval else 3600.0
        quality.gaps = [
            Gap(a, b, a.astimezone(zone), b.astimezone(zone), max(1, round((b - a).total_seconds() / step)))
            for a, b in missing
        ]
        quality.held = count
        quality.expected = count + sum(g.intervals for g in quality.gaps)
        quality.days = _days(day_bounds, judged, missing)
        found.append(quality)
    _last_jobs(psr, found)

    quantities: dict[str, list[SeriesQuality]] = {}
    for q in found:
        quantities.setdefault(q.series.quantity, []).append(q)
    return PsrQuality(
        psr=psr,
        zone=zone,
        first_day=first_day,
        last_day=last_day,
        start=start,
        end=end,
        days=[Day(d, _hours(b - a), DayState.OUTSIDE) for d, a, b in day_bounds],
        quantities=[QuantityQuality(quantity=k, series=v) for k, v in quantities.items()],
        latest=latest,
    )


def _hours(duration: timedelta) -> float:
    return duration.total_seconds() / 3600


def _spans_in_range(ids: list[int], start: datetime, end: datetime) -> dict[int, tuple]:
    """Per series, in one query: how many points overlap [start, end), the first one's start and end, the last
    one's end. Each a subquery on the point table's key (series, start)."""
    if not ids:
        return {}
    points = Point.objects.filter(
        series_id=OuterRef("pk"), start__gte=start - LONGEST_INTERVAL, start__lt=end, end__gt=start
    ).order_by()
    rows = (
        Series.objects.filter(pk__in=ids)
        .annotate(
            n=Subquery(points.values("series_id").annotate(n=Count("*")).values("n")),
            first_start=Subquery(points.order_by("start").values("start")[:1]),
            first_end=Subquery(points.order_by("start").values("end")[:1]),
            last_end=Subquery(points.order_by("-start").values("end")[:1]),
        )
        .values_list("pk", "n", "first_start", "first_end", "last_end")
    )
    return {pk: (n or 0, a, b, c) for pk, n, a, b, c in rows}


def _interval_of(series_id: int) -> timedelta | None:
    """A series' interval length from its last point (for a series with no point in the range)."""
    point = Point.objects.filter(series_id=series_id).order_by("-start").values_list("start", "end").first()
    return point[1] - point[0] if point else None


def _missing(
    judged: tuple[datetime, datetime],
    gaps: list[tuple[datetime, datetime]],
    first_start: datetime | None,
    last_end: datetime | None,
) -> list[tuple[datetime, datetime]]:
    """The time no point covers within the judged span: before the range's first point, between points, after the
    last one; sorted, clipped to the span."""
    lo, hi = judged
    if first_start is None:
        return [(lo, hi)]
    missing = []
    if first_start > lo:
        missing.append((lo, first_start))
    missing += gaps
    if last_end < hi:
        missing.append((last_end, hi))
    clipped = [(max(a, lo), min(b, hi)) for a, b in missing]
    return [(a, b) for a, b in clipped if a < b]


def _days(
    day_bounds: list[tuple[date, datetime, datetime]],
    judged: tuple[datetime, datetime],
    missing: list[tuple[datetime, datetime]],
) -> list[Day]:
    """Each day's state from the missing spans (sorted, disjoint): a walk over both, no query."""
    ends = [b for _, b in missing]
    days = []
    for day, day_start, day_end in day_bounds:
        a, b = max(day_start, judged[0]), min(day_end, judged[1])
        hours = _hours(day_end - day_start)
        if a >= b:
            days.append(Day(day, hours, DayState.OUTSIDE))
            continue
        lacking = timedelta()
        for gap_start, gap_end in missing[bisect.bisect_right(ends, a) :]:
            if gap_start >= b:
                break
            lacking += min(gap_end, b) - max(gap_start, a)
        if not lacking:
            state = DayState.COMPLETE
        elif lacking >= b - a:
            state = DayState.MISSING
        else:
            state = DayState.PARTIAL
        days.append(Day(day, hours, state, judged_hours=_hours(b - a), missing_hours=_hours(lacking)))
    return days


def _last_jobs(psr: PowerSystemResource, found: list[SeriesQuality]) -> None:
    """The last succeeded import job that wrote each series' quantity and timeframe at this PSR, from the jobs'
    record of what they wrote (`ImportJob.written`: a span per PSR, quantity and timeframe, not per fuel)."""
    wanted = {(q.series.quantity, q.series.timeframe) for q in found}
    last: dict[tuple[str, str], ImportJob] = {}
    if not wanted:
        return
    # The text of the JSON names the PSR id in quotes: a filter both databases run, before the exact check here.
    jobs = (
        ImportJob.objects.filter(status=ImportJob.Status.SUCCEEDED, dry_run=False, written__icontains=f'"{psr.pk}"')
        .order_by("-finished_at", "-pk")
        .only("pk", "finished_at", "original_name", "source_path", "written")[:JOBS_SEARCHED]
    )
    for job in jobs:
        for item in job.written or []:
            key = (item.get("quantity"), item.get("timeframe"))
            if item.get("psr") == psr.pk and "meter" not in item and key in wanted and key not in last:
                last[key] = job
        if len(last) == len(wanted):
            break
    for q in found:
        q.last_job = last.get((q.series.quantity, q.series.timeframe))
