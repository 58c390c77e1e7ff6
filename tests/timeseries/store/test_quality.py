"""The data-quality selector: each local day of a series complete, partial or missing in the PSR's timezone (DST
days of 23 and 25 hours included), the gaps with their bounds, the summary line, and the last job that wrote it."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import ImportJobFactory
from tests.timeseries.helpers import COAL, HOUR, QUARTER, WIND, psr, run, write
from timeseries.models import ImportJob
from timeseries.quality import DayState, psr_data_quality

pytestmark = pytest.mark.django_db

LA = ZoneInfo("America/Los_Angeles")  # US-WECC-CISO's timezone in the demo grid


def local(*args: int) -> datetime:
    """A wall-clock time in Los Angeles, as the UTC instant."""
    return datetime(*args, tzinfo=LA).astimezone(UTC)


def hourly(start: datetime, end: datetime, *, step: timedelta = HOUR, skip=()) -> list:
    """Consecutive intervals from start to end, less those starting at an instant in `skip`."""
    count = int((end - start) / step)
    return [p for p in run(start, [1.0] * count, step) if p.start not in skip]


def states(quality) -> dict[date, DayState]:
    return {d.date: d.state for d in quality.days}


def only_series(report):
    [group] = report.quantities
    [series] = group.series
    return series


def test_a_gap_makes_its_local_day_partial_and_is_listed_with_utc_and_local_bounds(demo):
    lost = {local(2024, 3, 5, 10) + i * HOUR for i in range(3)}
    write("US-WECC-CISO", "demand", hourly(local(2024, 3, 1), local(2024, 3, 8), skip=lost))

    report = psr_data_quality(psr=psr("US-WECC-CISO"), first_day=date(2024, 3, 1), last_day=date(2024, 3, 7))
    series = only_series(report)

    days = states(series)
    assert days[date(2024, 3, 5)] == DayState.PARTIAL
    assert [d for d, s in days.items() if s != DayState.COMPLETE] == [date(2024, 3, 5)]
    [gap] = series.gaps
    assert (gap.start, gap.end) == (min(lost), max(lost) + HOUR)
    assert (gap.start_local.hour, gap.end_local.hour, gap.start_local.tzinfo) == (10, 13, LA)
    assert gap.intervals == 3
    hours = 7 * 24
    assert series.summary == f"{hours - 3} of {hours} hours, 1 gap"
    partial = next(d for d in series.days if d.date == date(2024, 3, 5))
    assert (partial.missing_hours, partial.judged_hours) == (3, 24)
    assert "partial, 3 of 24 h missing" in partial.title


def test_dst_days_of_23_and_25_hours_are_complete_and_a_day_without_data_is_missing(demo):
    # Spring forward (10 March 2024, 23 h) and fall back (3 November 2024, 25 h) in Los Angeles.
    spring = write("US-WECC-CISO", "generation", hourly(local(2024, 3, 9), local(2024, 3, 12)), fuel=COAL)
    lost = {local(2024, 11, 4) + i * HOUR for i in range(24)}  # all of 4 November
    autumn = hourly(local(2024, 11, 2), local(2024, 11, 6), skip=lost)
    write("US-WECC-CISO", "generation", autumn, fuel=WIND)

    spring_report = psr_data_quality(psr=psr("US-WECC-CISO"), first_day=date(2024, 3, 9), last_day=date(2024, 3, 11))
    coal = next(s for s in spring_report.quantities[0].series if s.series.pk == spring.pk)
    assert [(d.date.day, d.hours, d.state) for d in coal.days] == [
        (9, 24, DayState.COMPLETE),
        (10, 23, DayState.COMPLETE),
        (11, 24, DayState.COMPLETE),
    ]
    assert coal.summary == f"{24 + 23 + 24} of {24 + 23 + 24} hours, no gap"

    report = psr_data_quality(psr=psr("US-WECC-CISO"), first_day=date(2024, 11, 2), last_day=date(2024, 11, 5))
    wind = next(s for s in report.quantities[0].series if s.series.pk != spring.pk)
    assert [(d.date.day, d.hours, d.state) for d in wind.days] == [
        (2, 24, DayState.COMPLETE),
        (3, 25, DayState.COMPLETE),
        (4, 24, DayState.MISSING),
        (5, 24, DayState.COMPLETE),
    ]
    assert [(g.start, g.end) for g in wind.gaps] == [(local(2024, 11, 4), local(2024, 11, 5))]
    # The coal series ended in March: in November it is judged missing up to the latest generation of the PSR.
    coal_in_november = next(s for s in report.quantities[0].series if s.series.pk == spring.pk)
    assert {d.state for d in coal_in_november.days} == {DayState.MISSING}


def test_a_series_behind_its_siblings_shows_the_hours_the_last_import_did_not_fill(demo):
    write("US-WECC-CISO", "generation", hourly(local(2024, 6, 1), local(2024, 6, 3)), fuel=COAL)
    behind = write("US-WECC-CISO", "generation", hourly(local(2024, 6, 1), local(2024, 6, 2, 18)), fuel=WIND)

    report = psr_data_quality(psr=psr("US-WECC-CISO"))  # the default: the last days of data
    assert report.last_day == date(2024, 6, 2)
    assert report.first_day == date(2024, 6, 2) - timedelta(days=30)
    wind = next(s for s in report.quantities[0].series if s.series.pk == behind.pk)
    assert states(wind)[date(2024, 6, 1)] == DayState.COMPLETE
    assert states(wind)[date(2024, 6, 2)] == DayState.PARTIAL
    assert [(g.start, g.end) for g in wind.gaps] == [(local(2024, 6, 2, 18), local(2024, 6, 3))]
    assert wind.summary == "42 of 48 hours, 1 gap"
    # Before the series' first interval nothing is judged: the default range starts in May.
    assert states(wind)[date(2024, 5, 31)] == DayState.OUTSIDE


def test_quarter_hour_series_are_counted_in_their_own_intervals(demo):
    lost = {local(2024, 1, 10, 3)}
    write("US-WECC-CISO", "demand", hourly(local(2024, 1, 10), local(2024, 1, 11), step=QUARTER, skip=lost))
    series = only_series(
        psr_data_quality(psr=psr("US-WECC-CISO"), first_day=date(2024, 1, 10), last_day=date(2024, 1, 10))
    )
    assert series.summary == f"{96 - 1} of 96 quarter-hours, 1 gap"
    assert series.days[0].state == DayState.PARTIAL


def test_each_series_names_the_last_succeeded_job_that_wrote_its_quantity_and_timeframe(demo):
    write("US-WECC-CISO", "demand", hourly(local(2024, 3, 1), local(2024, 3, 2)))
    written = [{"psr": "US-WECC-CISO", "quantity": "demand", "timeframe": "actual", "start": "x", "end": "y"}]
    now = timezone.now()
    done = ImportJob.Status.SUCCEEDED
    older = ImportJobFactory(status=done, written=written, finished_at=now - timedelta(days=1))
    newer = ImportJobFactory(status=done, written=written, finished_at=now)
    ImportJobFactory(status=done, written=written, finished_at=now + timedelta(hours=1), dry_run=True)
    ImportJobFactory(status=ImportJob.Status.FAILED, written=written, finished_at=now + timedelta(hours=1))
    other = [{**written[0], "psr": "US-WECC-NEVP"}]
    ImportJobFactory(status=done, written=other, finished_at=now + timedelta(hours=2))

    series = only_series(psr_data_quality(psr=psr("US-WECC-CISO")))
    assert series.last_job == newer and series.last_job != older


def test_the_queries_do_not_grow_with_the_days_or_the_gaps(demo):
    for fuel in (COAL, WIND):
        lost = {local(2024, 2, d, 5) for d in range(1, 28, 2)}
        write("US-WECC-CISO", "generation", hourly(local(2024, 1, 1), local(2024, 3, 1), skip=lost), fuel=fuel)

    def queries(first: date, last: date) -> int:
        with CaptureQueriesContext(connection) as captured:
            psr_data_quality(psr=psr("US-WECC-CISO"), first_day=first, last_day=last)
        return len(captured)

    assert queries(date(2024, 1, 1), date(2024, 1, 3)) == queries(date(2024, 1, 1), date(2024, 2, 29))


def test_a_psr_without_series_and_a_range_without_data_say_so(demo):
    assert psr_data_quality(psr=psr("US-WECC-NEVP")).quantities == []
    write("US-WECC-CISO", "demand", hourly(local(2024, 3, 1), local(2024, 3, 2)))
    before = only_series(
        psr_data_quality(psr=psr("US-WECC-CISO"), first_day=date(2023, 1, 1), last_day=date(2023, 1, 5))
    )
    assert before.summary == "no data in this range"
    assert {d.state for d in before.days} == {DayState.OUTSIDE}
