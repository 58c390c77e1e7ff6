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

    def floor(self, t: datetime, tz: ZoneInfo) -> datetime:
        """The start (UTC) of the bucket that holds instant `t`."""
        local = t.astimezone(tz)
        if self.months:
            month0 = (local.year * 12 + local.month - 1) // self.months * self.months
            return _local_midnight(date(month0 // 12, month0 % 12 + 1, 1), tz)
        midnight = _local_midnight(local.date(), tz)
        if self.days:
            return midnight
        offset = int((t - midnight).total_seconds()) // self.seconds * self.seconds
        return midnight + timedelta(seconds=offset)

    def next(self, bucket: datetime, tz: ZoneInfo) -> datetime:
        """The start (UTC) of the bucket after the one starting at `bucket`."""
        local = bucket.astimezone(tz)
        if self.months:
            month = local.year * 12 + local.month - 1 + self.months
            return _local_midnight(date(month // 12, month % 12 + 1, 1), tz)
        if self.days:
            return _local_midnight(local.date() + timedelta(days=self.days), tz)
        end = bucket + timedelta(seconds=self.seconds)
        next_midnight = _local_midnight(local.date() + timedelta(days=1), tz)
        return min(end, next_midnight)  # the last bucket of a 23- or 25-hour day is cut at midnight

    def shift(self, bucket: datetime, n: int, tz: ZoneInfo) -> datetime:
        """The bucket start `n` buckets after (n > 0) or before (n < 0) `bucket`."""
        for _ in range(abs(n)):
            bucket = self.next(bucket, tz) if n > 0 else self.floor(bucket - timedelta(microseconds=1), tz)
        return bucket


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
