"""Property-based tests of the time-series API: arbitrary requests over a small fixed data set.

Whatever the range (empty, reversed, at the ends of the calendar, across clock changes), resolution, quantity,
timeframe, unit and page size: never a 5xx; a 200 matches the OpenAPI schema and keeps to the asked range; a 400
is a problem document naming a parameter; following `next` returns every interval once, in order, following
`previous` back from the last page returns the same ones, and no link leads to an empty page. Budgets and seeds:
the profiles in conftest.py.
"""

import json
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import pairwise
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import event, example, given, note
from hypothesis import strategies as st
from openapi_core import Config, OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from rest_framework.test import APIClient

from psr import services as psr_services
from psr.demo import load_spec_examples
from tests.timeseries.helpers import COAL, HOUR, QUARTER, SOLAR, WIND, psr, run, url, utc
from tests.timeseries.helpers import write as write_series
from timeseries.choices import SPEC_QUANTITIES, Timeframe
from timeseries.services import PointIn

pytestmark = pytest.mark.django_db

CISO, MADRID, WECC, ERCOT = "US-WECC-CISO", "PROP-ES", "US-WECC", "US-ERCOT"  # ERCOT holds no data
NEVP = "US-WECC-NEVP"
PSRS = [CISO, MADRID, WECC, CISO, MADRID, ERCOT]  # the first two weighed twice
# The quantities the generic time-series views serve (emissions have an endpoint of their own, other parameters).
QUANTITIES = list(SPEC_QUANTITIES)
RESOLUTIONS = [None, "PT15M", "PT30M", "PT1H", "P1D", "P1M", "P1Y"]
UNITS = ["Wh", "kWh", "MWh", "GWh", "USD", "EUR"]
MAX_PAGE_SIZE = 10_000
# The clock changes the data spans: Los Angeles springs forward at 2022-03-13T10:00Z, Madrid at 2022-03-27T01:00Z.
CLOCK_CHANGES = [utc(2022, 3, 13, 10), utc(2022, 3, 27, 1)]
CALENDAR_ENDS = [
    "0001-01-01",
    "0001-01-01T00:00:00Z",
    "0001-01-02",
    "9999-12-30",
    "9999-12-31",
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59.999999Z",
]


def local_days(tz: str, first: date, values: list[float]) -> list[PointIn]:
    """One interval per local day from `first` (23 or 25 hours long across a clock change)."""
    zone = ZoneInfo(tz)

    def midnight(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)

    return [
        PointIn(midnight(first + timedelta(days=i)), midnight(first + timedelta(days=i + 1)), v)
        for i, v in enumerate(values)
    ]


def write_data() -> None:
    """Every quantity at 15-minute, hourly and daily resolutions across a spring clock change, in two timezones."""
    psr_services.psr_upsert(
        id=MADRID, name="Spain", topology_level="Bidding zone", parent=None, timezone="Europe/Madrid"
    )
    psr_services.connection_ensure(psr=psr(MADRID), connected_psr=psr(CISO))
    la_day = utc(2022, 3, 13, 8)  # local midnight of the short day in Los Angeles
    write_series(CISO, "demand", run(utc(2022, 3, 12, 8), [float(i % 7 + 1) for i in range(72)]))
    write_series(CISO, "demand", run(la_day, [1.5] * 40, QUARTER), timeframe=Timeframe.DAY_AHEAD)
    write_series(CISO, "generation", run(la_day, [float(i) for i in range(32)], QUARTER), fuel=COAL)
    write_series(CISO, "generation", run(la_day, [0.25] * 32, QUARTER), fuel=WIND)
    write_series(CISO, "imports", run(la_day, [3.0] * 30), to=NEVP)
    write_series(CISO, "exports", local_days("America/Los_Angeles", date(2022, 3, 9), [24.0] * 9), to=NEVP)
    write_series(CISO, "price", run(la_day, [30.0 + i for i in range(30)]), unit="USD")
    write_series(CISO, "price", run(la_day, [20.0] * 16, QUARTER), unit="USD", timeframe=Timeframe.REAL_TIME)
    write_series(CISO, "curtailment", run(la_day, [0.5] * 20), fuel=WIND)
    write_series(NEVP, "demand", run(utc(2022, 3, 13), [2.0] * 40))  # US-WECC rolls CISO and NEVP up
    es_day = utc(2022, 3, 26, 23)  # local midnight of the short day in Madrid
    write_series(MADRID, "demand", run(es_day - 2 * HOUR, [1.0] * 40, QUARTER))
    write_series(MADRID, "generation", run(es_day - 12 * HOUR, [float(i % 5) for i in range(48)]), fuel=SOLAR)
    write_series(
        MADRID, "price", local_days("Europe/Madrid", date(2022, 3, 20), [50.0 + i for i in range(12)]), unit="EUR"
    )
    write_series(MADRID, "imports", run(es_day, [1.0] * 24, QUARTER), to=CISO)
    write_series(MADRID, "exports", run(es_day, [2.0] * 26), to=CISO)


@pytest.fixture(scope="module")
def data(django_db_setup, django_db_blocker):
    """The grid and the data, written once for the module in a transaction rolled back at its end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            load_spec_examples()
            write_data()
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


_openapi: list[OpenAPI] = []


@pytest.fixture
def client(data, db) -> APIClient:
    """The API client, with the served schema built once for the module (the validator is the slow part)."""
    api = APIClient()
    if not _openapi:
        response = api.get("/openapi.json")
        assert response.status_code == 200
        config = Config(extra_media_type_deserializers={"application/problem+json": json.loads})
        _openapi.append(OpenAPI.from_dict(json.loads(response.content), config=config))
    return api


# Instants as a client would write them: dates, datetimes with Z or an offset, near the data and its clock
# changes, anywhere in the calendar, and at its ends.
def _text(t: datetime, offset_hours: int) -> str:
    try:
        shown = t.astimezone(timezone(timedelta(hours=offset_hours)))
    except OverflowError:  # that offset would leave the calendar
        shown = t
    return shown.isoformat().replace("+00:00", "Z")


near_data = st.builds(
    lambda anchor, quarters: anchor + quarters * QUARTER,
    st.sampled_from([*CLOCK_CHANGES, utc(2022, 3, 12, 8), utc(2022, 3, 20)]),
    st.integers(-4 * 24 * 8, 4 * 24 * 8),
)
anywhere = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59), timezones=st.just(UTC)
)
instant_text = st.one_of(
    st.builds(_text, st.one_of(near_data, anywhere), st.sampled_from([0, 0, 1, -8, 9])),
    st.builds(date.isoformat, st.one_of(st.dates(), st.dates(date(2022, 3, 1), date(2022, 4, 30)))),
    st.sampled_from(CALENDAR_ENDS),
)


def _pair(first: str | None, second: str | None) -> tuple[str | None, str | None]:
    return first, second


def _ordered(first: str, second: str) -> tuple[str, str | None]:
    """Two instants in order (an equal pair, an empty range, is left to the reversed ranges)."""
    if instant(first) == instant(second):
        return first, None
    return (first, second) if instant(first) < instant(second) else (second, first)


def _after(start: datetime, quarters: int, offset: int) -> tuple[str, str]:
    return _text(start, offset), _text(start + quarters * QUARTER, offset)


around_data = st.builds(_after, near_data, st.integers(1, 4 * 24 * 21), st.sampled_from([0, 1, -8]))
ranges = st.one_of(
    around_data,  # first: the branch hypothesis draws most
    st.just((None, None)),
    st.builds(_pair, instant_text, st.none()),
    st.builds(_pair, st.none(), instant_text),
    # Dates, ends of the calendar, anything.
    st.builds(_ordered, st.dates().map(date.isoformat), st.dates().map(date.isoformat)),
    st.builds(_ordered, st.sampled_from(CALENDAR_ENDS), st.sampled_from(CALENDAR_ENDS)),
    st.builds(_ordered, instant_text, instant_text),
    # Empty and reversed.
    st.builds(lambda t, q: _after(t, q, 0)[::-1], near_data, st.integers(0, 4 * 24 * 3)),
)
page_sizes = st.one_of(st.integers(1, 5), st.integers(1, 100), st.integers(1, MAX_PAGE_SIZE))


@st.composite
def api_requests(
    draw, page_size: st.SearchStrategy | None = None, *, resampled: bool = False, energy: bool = False
) -> tuple[str, str, dict]:
    """A PSR, a quantity and the query parameters of one request; `resampled`: always with a resolution, `energy`:
    never a price."""
    quantity = draw(st.sampled_from([q for q in QUANTITIES if not (energy and q == "price")]))
    start, end = draw(ranges)
    params: dict = {"startDatetime": start, "endDatetime": end}
    any_resolution = st.sampled_from(RESOLUTIONS)
    params["resolution"] = draw(st.sampled_from(RESOLUTIONS[1:]) if resampled else st.one_of(st.none(), any_resolution))
    for name, strategy in (
        ("timeframe", st.sampled_from([None, None, None, *Timeframe.values])),  # mostly the default, which has data
        ("unit", st.sampled_from([None, None, None, *UNITS])),
    ):
        params[name] = draw(st.one_of(st.none(), strategy))
    params["pageSize"] = draw(st.one_of(st.none(), page_sizes) if page_size is None else page_size)
    return draw(st.sampled_from(PSRS)), quantity, {k: v for k, v in params.items() if v is not None}


def instant(text: str) -> datetime:
    value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def checked(response, params: dict) -> dict | None:
    """The body of a 200 (checked against the schema and the range), None for a 400 (checked as a problem)."""
    assert response.status_code in (200, 400), (response.status_code, response.content[:500])
    _openapi[0].validate_response(DjangoOpenAPIRequest(response.wsgi_request), DjangoOpenAPIResponse(response))
    if response.status_code == 400:
        assert response["Content-Type"] == "application/problem+json"
        body = response.json()
        named = [e.get("parameter") for e in body.get("errors", [])]
        assert named and set(named) <= set(params) | {"cursor"}, body
        return None
    body = response.json()
    return body


def intervals(body: dict, quantity: str) -> list[tuple[datetime, datetime]]:
    return [(instant(i["startDatetime"]), instant(i["endDatetime"])) for i in body[quantity]]


def assert_in_order_and_range(spans: list[tuple[datetime, datetime]], params: dict) -> None:
    lo = instant(params["startDatetime"]) if "startDatetime" in params else None
    hi = instant(params["endDatetime"]) if "endDatetime" in params else None
    for start, end in spans:
        assert start < end
        assert lo is None or start >= lo
        assert hi is None or end <= hi
    assert all(a[1] <= b[0] for a, b in pairwise(spans)), "intervals overlap or are out of order"


def cursor_of(link: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}


@given(query=api_requests())
def test_any_request_is_answered_within_the_schema(client, query):
    psr_id, quantity, params = query
    note(f"GET {url(psr_id, quantity)} {params}")
    response = client.get(url(psr_id, quantity), params)
    body = checked(response, params)
    if body is None:
        event(f"400 naming {response.json()['errors'][0]['parameter']}")
        return
    event("200 with data" if body[quantity] else "200 empty")
    spans = intervals(body, quantity)
    assert_in_order_and_range(spans, params)
    assert len(spans) <= int(params.get("pageSize", 1000))
    assert body.get("resolution") == params.get("resolution")


# Daily buckets in Los Angeles (from 08:00Z, then 07:00Z) with both ends of the range cutting one: those cut buckets
# are answered clipped and partial, and the walk holds them once (hypothesis' long profile found a link to an empty
# page here when cut buckets were left out).
CUT_AT_BOTH_ENDS = {"startDatetime": "2022-03-12T09:30:00Z", "endDatetime": "2022-03-14T20:15:00Z", "resolution": "P1D"}


@given(query=api_requests(page_size=page_sizes))
@example(query=(CISO, "demand", {**CUT_AT_BOTH_ENDS, "pageSize": 1}))
def test_pages_forward_and_back_hold_every_interval_once(client, query):
    psr_id, quantity, params = query
    note(f"GET {url(psr_id, quantity)} {params}")
    first = client.get(url(psr_id, quantity), params)
    body = checked(first, params)
    if body is None:
        event("400")
        return
    whole = checked(client.get(url(psr_id, quantity), {**params, "pageSize": MAX_PAGE_SIZE}), params)
    size = int(params.get("pageSize", 1000))

    forward: list[tuple[datetime, datetime]] = []
    pages = 0
    while True:
        spans = intervals(body, quantity)
        assert len(spans) <= size
        assert spans or (pages == 0 and body["next"] is None), "a link to an empty page"
        forward.extend(spans)
        pages += 1
        assert pages <= 2_000, "the walk does not end"
        if body["next"] is None:
            break
        assert cursor_of(body["next"]).keys() - {"cursor"} == {k for k in params}
        body = checked(client.get(body["next"]), params)
        if body is None:  # a later page found data the resolution cannot sum; the whole window must say so too
            assert whole is None
            return
    assert whole is not None, "one page of the maximum size is a 400, the pages are not"
    assert_in_order_and_range(forward, params)
    assert len(set(forward)) == len(forward)
    if whole["next"] is None:
        assert forward == intervals(whole, quantity)  # every interval once, as one page of the maximum size holds them

    backward: list[tuple[datetime, datetime]] = []
    for _ in range(2_000):
        backward[:0] = intervals(body, quantity)
        if body["previous"] is None:
            break
        body = checked(client.get(body["previous"]), params)
        assert body is not None and body[quantity], "a link to an empty page"
    else:
        pytest.fail("the walk back does not end")
    assert backward == forward
    event(f"walked {'1 page' if pages == 1 else '2-9 pages' if pages < 10 else '10+ pages'}")


@given(query=api_requests(page_size=st.just(MAX_PAGE_SIZE), resampled=True, energy=True))
@example(query=(CISO, "demand", {**CUT_AT_BOTH_ENDS, "pageSize": MAX_PAGE_SIZE}))
@example(
    query=(MADRID, "generation", {"startDatetime": "2022-03-26", "endDatetime": "2022-03-28", "resolution": "P1D"})
)
def test_resampling_loses_nothing_of_the_range(client, query):
    # Energy resampled over a range sums to the range's intervals: a bucket the range cuts is answered clipped to it
    # and marked partial, never dropped; only a bucket the range cuts is marked.
    psr_id, quantity, params = query
    note(f"GET {url(psr_id, quantity)} {params}")
    resampled = checked(client.get(url(psr_id, quantity), params), params)
    raw_params = {k: v for k, v in params.items() if k != "resolution"}
    raw = checked(client.get(url(psr_id, quantity), raw_params), raw_params)
    if resampled is None or raw is None or resampled["next"] or raw["next"]:
        event("400 or more than a page")
        return
    lo = instant(params["startDatetime"]) if "startDatetime" in params else None
    hi = instant(params["endDatetime"]) if "endDatetime" in params else None
    for item in resampled[quantity]:
        assert item.get("partial", True) is True
        if "partial" in item:
            assert instant(item["startDatetime"]) == lo or instant(item["endDatetime"]) == hi, item
    total = sum(i["value"] for i in resampled[quantity])
    assert total == pytest.approx(sum(i["value"] for i in raw[quantity]), rel=1e-9, abs=1e-6)
    cut = any("partial" in i for i in resampled[quantity])
    event("with a partial bucket" if cut else "whole buckets only" if resampled[quantity] else "empty")
