"""ISO 8601 resolutions and their buckets: fixed lengths (PT15M, PT1H) and calendar ones (P1D, P1M, P1Y).

Calendar buckets, and fixed ones within a day, are cut in the PSR's own timezone, so a local day is 23 or 25
hours long across a clock change and a month starts at local midnight.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SECONDS_PER_DAY = 86_400
_FIXED = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?$")


@dataclass(frozen=True)
class Resolution:
    code: str
    seconds: int = 0  # fixed-length buckets within a local day
    months: int = 0  # calendar buckets: 1 = P1M, 12 = P1Y
    days: int = 0  # calendar buckets: 1 = P1D

    @property
    def nominal_seconds(self) -> int:
        """A bucket's usual length, to compare with the data's interval length."""
        if self.seconds:
            return self.seconds
        if self.days:
            return self.days * SECONDS_PER_DAY
        return self.months * 28 * SECONDS_PER_DAY  # the shortest month

    def floor(self, t: datetime, tz: ZoneInfo) -> datetime | None:
        """The start (UTC) of the bucket that holds instant `t`; None when it starts before the calendar's first
        instant (0001-01-01T00:00Z): a local day of year 1 west of Greenwich began in year 0."""
        return _near_the_ends(self._floor, t, tz)

    def ceil(self, t: datetime, tz: ZoneInfo) -> datetime | None:
        """The first bucket start at or after instant `t`; None when there is none before the calendar's end."""
        return _near_the_ends(self._ceil, t, tz)

    def next(self, bucket: datetime, tz: ZoneInfo) -> datetime | None:
        """The start (UTC) of the bucket after the one starting at `bucket`; None when that bucket would end after
        the calendar's last instant (9999-12-31T23:59:59.999999Z)."""
        return _near_the_ends(self._next, bucket, tz)

    def shift(self, bucket: datetime, n: int, tz: ZoneInfo) -> datetime | None:
        """The bucket start `n` buckets after (n > 0) or before (n < 0) `bucket`; None past an end of the calendar."""
        if self.seconds:
            target = bucket.timestamp() + n * self.seconds
            lo, hi = sorted((int(bucket.timestamp()), int(target)))
            if self.aligned_in_utc(tz, lo, hi):
                return datetime.fromtimestamp(target, UTC)
        for _ in range(abs(n)):
            if n > 0:
                bucket = self.next(bucket, tz)
            else:
                bucket = None if bucket == CALENDAR_START else self.floor(bucket - timedelta(microseconds=1), tz)
            if bucket is None:
                return None
        return bucket

    def aligned_in_utc(self, tz: ZoneInfo, start: int, end: int) -> bool:
        """Whether, between two instants (epoch seconds), these buckets are those of UTC: fixed buckets dividing an
        hour in a timezone whose offsets there are whole multiples of them (then a bucket starts at a multiple of its
        length since the epoch, and a local day's last bucket is never cut). Offsets are sampled daily: a timezone
        holds each of its offsets for months."""
        if not self.seconds or 3600 % self.seconds or end - start > 1000 * SECONDS_PER_DAY:
            return False
        if not (_EARLY.timestamp() <= start and end < _LATE.timestamp()):
            return False
        for t in range(start, end + SECONDS_PER_DAY, SECONDS_PER_DAY):
            offset = tz.utcoffset(datetime.fromtimestamp(t, UTC))
            if offset is None or offset.total_seconds() % self.seconds:
                return False
        return True

    def _floor(self, t: datetime, tz: ZoneInfo) -> datetime:
        local = t.astimezone(tz)
        if self.months:
            month0 = (local.year * 12 + local.month - 1) // self.months * self.months
            return _local_midnight(date(month0 // 12, month0 % 12 + 1, 1), tz)
        midnight = _local_midnight(local.date(), tz)
        if self.days:
            return midnight
        offset = int((t - midnight).total_seconds()) // self.seconds * self.seconds
        return midnight + timedelta(seconds=offset)

    def _ceil(self, t: datetime, tz: ZoneInfo) -> datetime:
        start = self._floor(t, tz)
        return start if start == t else self._next(start, tz)

    def _next(self, bucket: datetime, tz: ZoneInfo) -> datetime:
        local = bucket.astimezone(tz)
        if self.months:
            month = local.year * 12 + local.month - 1 + self.months
            return _local_midnight(date(month // 12, month % 12 + 1, 1), tz)
        if self.days:
            return _local_midnight(local.date() + timedelta(days=self.days), tz)
        end = bucket + timedelta(seconds=self.seconds)
        next_midnight = _local_midnight(local.date() + timedelta(days=1), tz)
        return min(end, next_midnight)  # the last bucket of a 23- or 25-hour day is cut at midnight


CALENDAR_START = datetime.min.replace(tzinfo=UTC)
CALENDAR_END = datetime.max.replace(tzinfo=UTC)
# 400 Gregorian years, 146,097 days, a whole number of weeks: the calendar repeats itself, weekdays included. A
# timezone does too that far from the present: before its first transition it keeps its first offset (local mean
# time), after its last it follows its yearly rule (e.g. "second Sunday of March"). So local time near an end of
# the calendar is computed 400 years nearer the present and moved back.
_ERA = timedelta(days=146_097)
_EARLY = datetime(3, 1, 1, tzinfo=UTC)  # a bucket (a year at most) of an instant after this starts in year 1 or later
_LATE = datetime(9997, 1, 1, tzinfo=UTC)  # the same for the end of the calendar


def _near_the_ends(step, t: datetime, tz: ZoneInfo) -> datetime | None:
    """`step(t, tz)`, or None when its answer is not an instant of the calendar (years 1 to 9999, UTC)."""
    if _EARLY <= t < _LATE:
        return step(t, tz)
    era = _ERA if t < _EARLY else -_ERA
    try:
        return step(t + era, tz) - era
    except OverflowError:
        return None


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def parse_resolution(code: str) -> Resolution:
    """A Resolution from an ISO 8601 duration; raises ValueError for one we do not resample to."""
    if code == "P1D":
        return Resolution(code, days=1)
    if code == "P1M":
        return Resolution(code, months=1)
    if code == "P1Y":
        return Resolution(code, months=12)
    match = _FIXED.match(code)
    if match and any(match.groups()):
        seconds = int(match.group(1) or 0) * 3600 + int(match.group(2) or 0) * 60
        if 0 < seconds <= SECONDS_PER_DAY and SECONDS_PER_DAY % seconds == 0:
            return Resolution(code, seconds=seconds)
    raise ValueError(
        f"'{code}' is not a resolution we resample to; use P1D, P1M, P1Y or PTnM / PTnH dividing a day "
        "(PT5M, PT15M, PT30M, PT1H, PT3H, ...)."
    )
