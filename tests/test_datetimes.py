"""The instants every time-series answer shows: formatted in bulk exactly as one by one."""

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from cdsc_site.api.datetimes import format_datetime, format_epochs

FIRST = int(datetime(1, 1, 1, tzinfo=UTC).timestamp())
LAST = int(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp())


def test_instants_formatted_together_read_as_one_by_one_at_the_calendars_edges():
    edges = [FIRST, FIRST + 1, -1, 0, 1, int(datetime(999, 12, 31, tzinfo=UTC).timestamp()), LAST - 1, LAST]
    texts = format_epochs(edges)
    assert texts == {e: format_datetime(datetime.fromtimestamp(e, UTC)) for e in edges}
    assert texts[FIRST] == "0001-01-01T00:00:00Z" and texts[LAST] == "9999-12-31T23:59:59Z"


@given(st.lists(st.integers(FIRST, LAST), max_size=50))
def test_any_instants_formatted_together_read_as_one_by_one(epochs):
    assert format_epochs(epochs) == {e: format_datetime(datetime.fromtimestamp(e, UTC)) for e in epochs}
