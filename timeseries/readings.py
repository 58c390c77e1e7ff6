"""Reads of meter reading streams: their points cut into CDS-WG3-01 usage segments (docs/spec-notes.md)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from .choices import Quality
from .db import FAR_FUTURE, read_connection
from .models import Point, Series

MAX_PAGE_SIZE = 100
QUALITY_NAMES = {q.value: q.label for q in Quality}

# The order of streams: meter number, format, validity, direction (unique for a meter's streams).
SeriesKey = tuple[str, str, str, str]
ValueSet = list[dict | None]


@dataclass(frozen=True)
class SegmentCursor:
    """A position in the list: a stream (by its order key) and a segment start; the page from there on, or (`previous`)
    the page of the segments before it."""

    key: SeriesKey
    start: datetime
    previous: bool = False


@dataclass
class UsageSegment:
    """One stream's readings over (part of) one local day of its project, on one grid of whole intervals."""

    series_id: int
    meter_id: int
    project_id: str
    reading_format: str
    validity: str
    direction: str
    start: datetime
    end: datetime
    interval: int  # seconds
    created: datetime  # min(updated_at) of its points, to the second
    modified: datetime  # max(updated_at) of its points, to the second
    values: list[ValueSet] = field(repr=False)  # one value set per interval: [{"value", "quality"}] or [None]

    @property
    def id(self) -> str:
        """Stable while the readings stay: the stream's id and the segment's start in epoch seconds."""
        return segment_id(self.series_id, self.start)


@dataclass(frozen=True)
class UsageSegmentsPage:
    segments: list[UsageSegment]
    next: SegmentCursor | None
    previous: SegmentCursor | None = None


def segment_id(series_id: int, start: datetime) -> str:
    return f"{series_id}-{int(start.timestamp())}"


def parse_segment_id(text: str) -> tuple[int, datetime] | None:
    """(series id, segment start) of a `cds_usagesegment_id`; None when the text is not one this server makes."""
    series, _, start = text.partition("-")
    if not (series.isascii() and series.isdigit() and start.isascii() and start.isdigit()):
        return None
    if len(series) > 18 or len(start) > 11:
        return None
    return int(series), datetime.fromtimestamp(int(start), UTC)


@dataclass(frozen=True)
class _Stream:
    id: int
    meter_id: int
    project_id: str
    tz: ZoneInfo
    key: SeriesKey


def usage_segments_page(
    *,
    series: QuerySet[Series],
    after: datetime | None,
    before: datetime | None,
    cursor: SegmentCursor | None,
    page_size: int = MAX_PAGE_SIZE,
    segment_starts: Mapping[int, set[datetime]] | None = None,
) -> UsageSegmentsPage:
    """A page of usage segments of the meter streams `series` (already narrowed to what the caller may see and to the
    filters), in the order meter number, format, validity, direction, segment start; with the cursors of the pages
    before and after it.

    Segments are cut from the readings with end > `after` and start < `before` (so a segment at the edge of the range
    is cut to the readings inside it). `segment_starts` (series id -> starts) keeps only those segments
    (`cds_usagesegment_ids`); then only the local days of the asked starts are read. Points are read in ranges of
    as many local days as the page still needs, never a series' whole history.
    """
    streams = _streams(series)
    if segment_starts is not None:
        streams = [s for s in streams if s.id in segment_starts]
    if cursor is not None and cursor.previous:
        return _page_before(streams, after, before, cursor, page_size, segment_starts)
    if cursor is not None:
        streams = [s for s in streams if s.key >= cursor.key]
    out: list[UsageSegment] = []
    for stream in streams:
        lower = cursor.start if cursor is not None and stream.key == cursor.key else None
        need = page_size + 1 - len(out)  # one more than the page: its start is the next cursor
        if segment_starts is not None:
            out += _asked_segments(stream, segment_starts[stream.id], after, before, lower, None)[:need]
        else:
            out += _stream_segments(stream, after, before, lower, need)
        if len(out) > page_size:
            break
    keys = {s.id: s.key for s in streams}
    following = SegmentCursor(keys[out[page_size].series_id], out[page_size].start) if len(out) > page_size else None
    preceding = None
    if cursor is not None:  # a page reached by a cursor has one before it: up to its first segment
        first = SegmentCursor(keys[out[0].series_id], out[0].start) if out else cursor
        preceding = SegmentCursor(first.key, first.start, previous=True)
    return UsageSegmentsPage(out[:page_size], following, preceding)


def _page_before(
    streams: list[_Stream],
    after: datetime | None,
    before: datetime | None,
    cursor: SegmentCursor,
    page_size: int,
    segment_starts: Mapping[int, set[datetime]] | None,
) -> UsageSegmentsPage:
    """The `page_size` segments before the cursor's position (and whether more precede them), read backwards."""
    out: list[UsageSegment] = []
    for stream in reversed([s for s in streams if s.key <= cursor.key]):
        upper = cursor.start if stream.key == cursor.key else None
        need = page_size + 1 - len(out)  # one more than the page: then a page precedes it
        if segment_starts is not None:
            found = _asked_segments(stream, segment_starts[stream.id], after, before, None, upper)
        else:
            found = _stream_segments_before(stream, after, before, upper, need)
        out = found[-need:] + out
        if len(out) > page_size:
            break
    keys = {s.id: s.key for s in streams}
    page = out[-page_size:]
    preceding = None
    if len(out) > page_size:
        preceding = SegmentCursor(keys[page[0].series_id], page[0].start, previous=True)
    return UsageSegmentsPage(page, SegmentCursor(cursor.key, cursor.start), preceding)


def _streams(series: QuerySet[Series]) -> list[_Stream]:
    rows = series.values_list(
        "pk", "meter_id", "meter__project_id", "meter__project__timezone", "meter__meter_number",
        "reading_format", "validity", "direction",
    )  # fmt: skip
    zones: dict[str, ZoneInfo] = {}
    streams = [
        _Stream(pk, meter, project, zones.setdefault(tz, ZoneInfo(tz)), (number, fmt, validity, direction))
        for pk, meter, project, tz, number, fmt, validity, direction in rows
    ]
    streams.sort(key=lambda s: s.key)
    return streams


def _stream_segments(
    stream: _Stream, after: datetime | None, before: datetime | None, lower: datetime | None, need: int
) -> list[UsageSegment]:
    """Up to `need` segments of one stream from `lower` on (more when the last local day read holds more)."""
    segments: list[UsageSegment] = []
    start = _first_start(stream.id, _lower_bound(stream.id, after, lower), before)
    while start is not None and len(segments) < need:
        # Each local day with readings holds one segment at least: this many days give the segments still needed.
        day = start.astimezone(stream.tz).date()
        window_end = _midnight(day, stream.tz, need - len(segments))
        upper = window_end if before is None else min(window_end, before)
        segments += _segments(stream, _fetch(stream.id, start, upper, after))
        done = upper != window_end or len(segments) >= need
        start = None if done else _first_start(stream.id, window_end, before)
    return segments


def _stream_segments_before(
    stream: _Stream, after: datetime | None, before: datetime | None, upper: datetime | None, need: int
) -> list[UsageSegment]:
    """At least the last `need` segments of one stream starting before `upper` (all it has, if fewer), in order.

    `upper` is a segment's start, where the cutting begins anew, and each window starts at a local midnight: the
    segments read backwards are those a forward read makes."""
    segments: list[UsageSegment] = []
    lower = _lower_bound(stream.id, after, None)
    ceiling = min((bound for bound in (upper, before) if bound is not None), default=FAR_FUTURE)
    last = _last_start(stream.id, lower, ceiling)
    while last is not None and len(segments) < need:
        day = last.astimezone(stream.tz).date()
        window_start = _midnight(day, stream.tz, 1 - (need - len(segments)))
        start = window_start if lower is None else max(window_start, lower)
        segments = _segments(stream, _fetch(stream.id, start, ceiling, after)) + segments
        done = start != window_start or len(segments) >= need
        ceiling = window_start
        last = None if done else _last_start(stream.id, lower, ceiling)
    return segments


def _last_start(series_id: int, lower: datetime | None, upper: datetime) -> datetime | None:
    points = Point.objects.filter(series_id=series_id, start__lt=upper)
    if lower is not None:
        points = points.filter(start__gte=lower)
    return points.order_by("-start").values_list("start", flat=True).first()


def _asked_segments(
    stream: _Stream,
    starts: set[datetime],
    after: datetime | None,
    before: datetime | None,
    lower: datetime | None,
    upper: datetime | None,
) -> list[UsageSegment]:
    """The segments of one stream starting at one of `starts` in [lower, upper): each cut from its local day's
    readings."""
    found: list[UsageSegment] = []
    for start in sorted(starts):
        if (lower is not None and start < lower) or (upper is not None and start >= upper):
            continue
        day = start.astimezone(stream.tz).date()
        lo, hi = _midnight(day, stream.tz), _midnight(day, stream.tz, 1)
        rows = _fetch(stream.id, lo, hi if before is None else min(hi, before), after)
        found += [s for s in _segments(stream, rows) if s.start == start]
    return found


def _midnight(day: date, tz: ZoneInfo, days: int = 0) -> datetime:
    """The local midnight `days` after `day` starts, in UTC (the calendar's end past year 9999)."""
    try:
        return datetime.combine(day + timedelta(days=days), time(0), tzinfo=tz).astimezone(UTC)
    except OverflowError:
        return FAR_FUTURE


def _lower_bound(series_id: int, after: datetime | None, lower: datetime | None) -> datetime | None:
    """Where the stream's reads start: at the cursor, and not before the reading that holds `after` (the last one
    starting before it, if it ends after it: readings never overlap, so no earlier one can)."""
    if after is None:
        return lower
    earlier = Point.objects.filter(series_id=series_id, start__lt=after).order_by("-start")
    holding = earlier.values_list("start", "end").first()
    bound = holding[0] if holding is not None and holding[1] > after else after
    return bound if lower is None else max(bound, lower)


def _first_start(series_id: int, lower: datetime | None, before: datetime | None) -> datetime | None:
    points = Point.objects.filter(series_id=series_id)
    if lower is not None:
        points = points.filter(start__gte=lower)
    if before is not None:
        points = points.filter(start__lt=before)
    return points.order_by("start").values_list("start", flat=True).first()


def _epoch(vendor: str, column: str) -> str:
    quoted = read_connection().ops.quote_name(column)
    if vendor == "postgresql":
        # date_part is a double, EXTRACT a numeric: on 10,000 rows x 3 columns the numeric cost half of the read.
        # Floored like SQLite's strftime('%s'): updated_at to the second, the same on both.
        return f"FLOOR(date_part('epoch', {quoted}))::bigint"
    return f"CAST(strftime('%%s', {quoted}) AS INTEGER)"  # %% survives the backend's %s -> ? rewrite


def _fetch(series_id: int, lower: datetime, upper: datetime, after: datetime | None) -> list[tuple]:
    """(start, end, value, quality, updated_at) of the points starting in [lower, upper) (and ending after `after`),
    instants as epoch seconds, in time order: one range scan of the (series, start) key."""
    connection = read_connection()
    table = connection.ops.quote_name(Point._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    vendor = connection.vendor
    sql = (
        f"SELECT {_epoch(vendor, 'start')}, {_epoch(vendor, 'end')}, value, quality, {_epoch(vendor, 'updated_at')} "
        f'FROM {table} WHERE series_id = %s AND "start" >= %s AND "start" < %s'
    )
    params: list = [series_id, adapt(lower), adapt(upper)]
    if after is not None:
        sql += ' AND "end" > %s'
        params.append(adapt(after))
    with connection.cursor() as cursor:
        cursor.execute(sql + ' ORDER BY "start"', params)
        return cursor.fetchall()


def _segments(stream: _Stream, rows: list[tuple]) -> list[UsageSegment]:
    """Cut time-ordered points of one stream into segments: a new one at each local midnight, where the interval
    length changes, and where a reading starts off the segment's grid; whole missing intervals are [None].

    The value sets are built in one comprehension and the cuts found on integers: this runs on 10,000 points per
    page, and a loop building each value set as it goes cost twice the time."""
    if not rows:
        return []
    starts, ends, values, qualities, updated = zip(*rows, strict=True)
    names = {q: QUALITY_NAMES.get(q, str(q)) for q in set(qualities)}
    sets = [[{"value": value, "quality": names[quality]}] for value, quality in zip(values, qualities, strict=True)]
    segments: list[UsageSegment] = []
    count, i = len(rows), 0
    while i < count:
        first, expected = starts[i], ends[i]
        step = expected - first
        day = datetime.fromtimestamp(first, stream.tz).date()
        day_end = int(_midnight(day, stream.tz, 1).timestamp())
        gaps: list[tuple[int, int]] = []  # (index of the reading after a gap, intervals missing before it)
        j = i + 1
        while j < count:
            start = starts[j]
            if start >= day_end or ends[j] - start != step:
                break
            if start != expected:
                if (start - first) % step:
                    break
                gaps.append((j, (start - expected) // step))
            expected = ends[j]
            j += 1
        if gaps:
            held: list[ValueSet] = []
            k = i
            for gap, missing in gaps:
                held += sets[k:gap]
                held += [[None] for _ in range(missing)]
                k = gap
            held += sets[k:j]
        else:
            held = sets[i:j]
        segments.append(
            UsageSegment(
                series_id=stream.id,
                meter_id=stream.meter_id,
                project_id=stream.project_id,
                reading_format=stream.key[1],
                validity=stream.key[2],
                direction=stream.key[3],
                start=datetime.fromtimestamp(first, UTC),
                end=datetime.fromtimestamp(expected, UTC),
                interval=step,
                created=datetime.fromtimestamp(min(updated[i:j]), UTC),
                modified=datetime.fromtimestamp(max(updated[i:j]), UTC),
                values=held,
            )
        )
        i = j
    return segments
