"""fetch_columns, the bulk read flow tracing computes on: every point of the asked series and range, with its exact
instants and value, whatever the series' shape (regular, with gaps, intervals of varying length) and whatever
interval length the caller expects of it, on both databases (PostgreSQL reads a series that has the expected length
and no gap as values alone and rebuilds its instants)."""

import itertools
from datetime import timedelta

import pytest
from django.db.models import Q

from tests.timeseries.helpers import COAL, HOUR, QUARTER, run, utc, write
from timeseries.db import fetch_columns, fetch_page_columns, fetch_page_rows
from timeseries.models import Point
from timeseries.selectors import _through_next_interval
from timeseries.services import PointIn

pytestmark = pytest.mark.django_db

T0 = utc(2023, 3, 1)


def as_rows(columns) -> list[tuple]:
    series, starts, ends, values = columns
    return sorted(zip(series.tolist(), starts.tolist(), ends.tolist(), values.tolist(), strict=True))


def expected(points, series_ids) -> list[tuple]:
    return sorted(
        (p.series_id, int(p.start.timestamp()), int(p.end.timestamp()), p.value)
        for p in points.filter(series_id__in=series_ids)
    )


def test_every_shape_of_series_comes_back_point_for_point(demo):
    regular = write("US-WECC-CISO", "generation", run(T0, [1.5, -2.25, 0.0, 1e-9, 12345.678]), fuel=COAL)
    quarters = write("US-WECC-CISO", "demand", run(T0, [float(i) for i in range(9)], QUARTER))
    gapped = write("US-WECC-ABCD", "demand", [*run(T0, [1.0, 2.0]), *run(T0 + 5 * HOUR, [3.0])])
    uneven = write(
        "US-WECC",
        "demand",
        [
            PointIn(T0, T0 + HOUR, 4.0),
            PointIn(T0 + HOUR, T0 + 3 * HOUR, 5.0),
            PointIn(T0 + 3 * HOUR, T0 + 4 * HOUR, 6.0),
        ],
    )
    single = write("US-WECC-CISO-ABC", "demand", run(T0, [7.0]))
    # Written later hours first: stored out of time order, values must still meet their own instants.
    backwards = write("US-WECC-CISO-ABC", "generation", run(T0 + 3 * HOUR, [40.0, 50.0, 60.0]), fuel=COAL)
    write("US-WECC-CISO-ABC", "generation", run(T0, [10.0, 20.0, 30.0]), fuel=COAL)
    ids = [regular.pk, quarters.pk, gapped.pk, uneven.pk, single.pk, backwards.pk]

    points = Point.objects.filter(series_id__in=ids)
    hour, quarter = 3600, 900
    # As flow tracing asks (each series' latest interval), with a wrong guess, and with none.
    for lengths in (
        {regular.pk: hour, quarters.pk: quarter, gapped.pk: hour, uneven.pk: hour, single.pk: hour, backwards.pk: hour},
        {regular.pk: quarter, quarters.pk: hour, gapped.pk: 7200, uneven.pk: 7200, single.pk: 60},
        None,
    ):
        rows = as_rows(fetch_columns(points, ids, lengths))
        assert rows == expected(Point.objects.all(), ids), lengths

    assert len(rows) == 5 + 9 + 3 + 3 + 1 + 6
    assert [r[3] for r in rows if r[0] == backwards.pk] == [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]
    gapped_starts = [r[1] for r in rows if r[0] == gapped.pk]
    assert gapped_starts == [int((T0 + h * HOUR).timestamp()) for h in (0, 1, 5)]
    uneven_ends = [r[2] - r[1] for r in rows if r[0] == uneven.pk]
    assert uneven_ends == [3600, 7200, 3600]


def test_a_range_and_series_without_points_in_it(demo):
    inside = write("US-WECC-CISO", "demand", run(T0, [float(i) for i in range(24)]))
    outside = write("US-WECC-ABCD", "demand", run(T0 + timedelta(days=10), [1.0]))
    ids = [inside.pk, outside.pk]
    window = Q(start__gte=T0 + 3 * HOUR, start__lt=T0 + 7 * HOUR)

    rows = as_rows(fetch_columns(Point.objects.filter(series_id__in=ids).filter(window), ids, {inside.pk: 3600}))

    assert [(r[0], r[3]) for r in rows] == [(inside.pk, v) for v in (3.0, 4.0, 5.0, 6.0)]
    assert rows[0][1] == int((T0 + 3 * HOUR).timestamp())
    assert as_rows(fetch_columns(Point.objects.filter(series_id__in=[outside.pk]).filter(window), [outside.pk])) == []
    assert as_rows(fetch_columns(Point.objects.none(), [])) == []


def _page(rows: list[tuple], size: int) -> list[tuple]:
    """The points of the first `size` intervals of `rows` and of the one after (the next page's cursor)."""
    keys = sorted({(start, end) for _, start, end, _ in rows})[: size + 1]
    last = keys[-1][0] if keys else None
    return sorted(r for r in rows if last is not None and r[1] <= last)


@pytest.mark.parametrize("size", [1, 2, 3, 5, 100])
def test_a_page_read_as_columns_holds_the_points_a_page_read_as_rows_holds(demo, size):
    """fetch_page_columns reads each series' first points on PostgreSQL, the page's exact rows elsewhere: cut to the
    page's intervals (and the next one), both hold the same points, whatever the gaps and the bounds."""
    one = write("US-WECC-CISO", "generation", run(T0, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), fuel=COAL)
    gapped = write("US-WECC-CISO", "demand", [*run(T0 + HOUR, [7.0]), *run(T0 + 4 * HOUR, [8.0, 9.0])])
    later = write("US-WECC-ABCD", "demand", run(T0 + 2 * HOUR, [float(i) for i in range(6)]))
    ids = [one.pk, gapped.pk, later.pk]
    bounds = [
        (None, None, None),
        (T0, T0 + 6 * HOUR, None),
        (T0 + HOUR, None, T0 + 2 * HOUR),
        (None, T0 + 3 * HOUR, T0 + 30 * timedelta(minutes=1)),
    ]
    # Each series' interval length as the page read expects it (the gapped one then goes its own way), a wrong
    # expectation, and none: the same points each time.
    expectations = [{one.pk: 3600, gapped.pk: 3600, later.pk: 3600}, {one.pk: 900, later.pk: 7200}, None]
    for (start, end, after), lengths in itertools.product(bounds, expectations):
        asked = dict(series_ids=ids, start=start, end=end, after=after, size=size)
        rows = [(s, b, e, v) for s, b, e, v in fetch_page_rows(**asked)]
        read = fetch_page_columns(**asked, lengths=lengths)
        assert _page(as_rows(read), size) == _page(rows, size), (asked, lengths)
        assert _page(rows, size) == sorted(rows)  # the rows are the page itself
        # Cut to the page and the next interval (what a transform is given), the columns are the rows exactly.
        assert as_rows(_through_next_interval(read, size)) == sorted(rows), (asked, lengths)
