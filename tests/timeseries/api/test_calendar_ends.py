"""Ranges with no data and the ends of the calendar (years 1 and 9999): an answer, never a server error."""

import pytest
from django.db import transaction

from psr import services as psr_services
from psr.demo import load_demo_grid
from tests.timeseries.helpers import HOUR, QUARTER, errors_of, run, url, utc, walk, z
from tests.timeseries.helpers import write as write_series

pytestmark = pytest.mark.django_db

CISO, SPAIN, TOKYO, UTC_ZONE = "US-WECC-CISO", "EU-CE-ES", "JP-TK", "UTC-ZONE"  # Los Angeles, Madrid, Tokyo
RESOLUTIONS = ["PT15M", "PT1H", "P1D", "P1M", "P1Y"]
LAST_HOUR = utc(9999, 12, 31, 23)  # the calendar's last whole UTC hour


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def buckets(body: dict, quantity: str) -> list[tuple[str, str, float]]:
    return [(i["startDatetime"], i["endDatetime"], i["value"]) for i in body[quantity]]


@pytest.fixture(scope="module")
def _grid(django_db_setup, django_db_blocker):
    """The realistic demo grid (EU-CE-ES in Europe/Madrid among them), a PSR east of Greenwich (Tokyo) and one on
    UTC, loaded once per module in a transaction rolled back at its end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            load_demo_grid()
            for psr_id, tz in ((TOKYO, "Asia/Tokyo"), (UTC_ZONE, "UTC")):
                psr_services.psr_upsert(id=psr_id, name=psr_id, topology_level="Bidding zone", parent=None, timezone=tz)
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def grid(_grid, db) -> None:
    """Each test in a savepoint inside the module's grid."""


@pytest.fixture
def demand_2022(grid) -> None:
    """Two days of hourly demand in 2022 at each PSR: data exists, just not where the requests below look."""
    for psr_id in (CISO, SPAIN, TOKYO):
        write_series(psr_id, "demand", run(utc(2022, 1, 1), [1.0] * 48))


@pytest.mark.parametrize("resolution", RESOLUTIONS)
@pytest.mark.parametrize("psr_id", [CISO, SPAIN, TOKYO])
@pytest.mark.parametrize(
    ("start", "end"),
    [("2030-01-01", "2030-01-02"), ("0001-01-01", "0001-01-02"), ("9999-12-30", "9999-12-31")],
    ids=["2030", "year-1", "year-9999"],
)
def test_a_resampled_range_without_data_is_an_empty_list(api, demand_2022, psr_id, start, end, resolution):
    params = {"startDatetime": start, "endDatetime": end, "resolution": resolution}
    body = ok(api.get(url(psr_id, "demand"), params))
    assert body["demand"] == [] and body["next"] is None and body["previous"] is None
    assert ok(api.get(url(psr_id, "demand"), {"startDatetime": start, "endDatetime": end}))["demand"] == []


@pytest.fixture
def last_day(grid) -> None:
    """Quarter-hourly demand over the calendar's last UTC day, worth 1 each, at each PSR: 95 quarters from
    9999-12-31T00:00Z (the 96th would end on 10000-01-01, which no datetime can hold)."""
    for psr_id in (CISO, SPAIN, TOKYO):
        write_series(psr_id, "demand", run(utc(9999, 12, 31), [1.0] * 95, QUARTER))


# The local days, months and years with data that end within the calendar: Madrid's (+01:00) last ones end at
# 23:00Z and hold 92 quarters, Tokyo's (+09:00) at 15:00Z and hold 60; Los Angeles' (-08:00) 30 December holds 32,
# its 31 December, December and year 9999 end on 10000-01-01 UTC: never whole, left out.
LAST_CALENDAR_BUCKETS = {
    (CISO, "P1D"): [("9999-12-30T08:00:00Z", "9999-12-31T08:00:00Z", 32.0)],
    (CISO, "P1M"): [],
    (CISO, "P1Y"): [],
    (SPAIN, "P1D"): [("9999-12-30T23:00:00Z", "9999-12-31T23:00:00Z", 92.0)],
    (SPAIN, "P1M"): [("9999-11-30T23:00:00Z", "9999-12-31T23:00:00Z", 92.0)],
    (SPAIN, "P1Y"): [("9998-12-31T23:00:00Z", "9999-12-31T23:00:00Z", 92.0)],
    (TOKYO, "P1D"): [("9999-12-30T15:00:00Z", "9999-12-31T15:00:00Z", 60.0)],
    (TOKYO, "P1M"): [("9999-11-30T15:00:00Z", "9999-12-31T15:00:00Z", 60.0)],
    (TOKYO, "P1Y"): [("9998-12-31T15:00:00Z", "9999-12-31T15:00:00Z", 60.0)],
}


@pytest.mark.parametrize("resolution", RESOLUTIONS)
@pytest.mark.parametrize("psr_id", [CISO, SPAIN, TOKYO])
def test_resampling_at_the_end_of_the_calendar_returns_the_whole_buckets(api, last_day, psr_id, resolution):
    pages = walk(api, url(psr_id, "demand"), {"resolution": resolution, "pageSize": 7}, "demand")
    got = [(i["startDatetime"], i["endDatetime"], i["value"]) for page in pages for i in page]
    # A bucket that would end after 9999-12-31T23:59:59.999999Z is never whole: left out, as if cut by a range.
    if resolution == "PT15M":
        assert got == [(z(t), z(t + QUARTER), 1.0) for t in (utc(9999, 12, 31) + i * QUARTER for i in range(95))]
    elif resolution == "PT1H":  # the last hour holds 3 quarters, and would end on 10000-01-01
        assert got == [(z(t), z(t + HOUR), 4.0) for t in (utc(9999, 12, 31) + i * HOUR for i in range(23))]
    else:
        assert got == LAST_CALENDAR_BUCKETS[psr_id, resolution]


def test_the_last_year_of_the_calendar_is_served_without_resampling(api, last_day):
    # The raw path's "no next page" bound must not be a date before the calendar's end (it was 9999-01-01).
    body = ok(api.get(url(SPAIN, "demand"), {"startDatetime": "9999-12-31T23:00:00Z"}))
    assert [i["startDatetime"] for i in body["demand"]] == [z(LAST_HOUR + i * QUARTER) for i in range(3)]
    assert body["demand"][-1]["endDatetime"] == "9999-12-31T23:45:00Z"
    pages = walk(api, url(TOKYO, "demand"), {"pageSize": 40}, "demand")
    assert [len(p) for p in pages] == [40, 40, 15]


@pytest.fixture
def first_day(grid) -> None:
    """Hourly demand over the calendar's first UTC day, 0001-01-01, worth 1 each, at each PSR."""
    for psr_id in (CISO, SPAIN, TOKYO):
        write_series(psr_id, "demand", run(utc(1, 1, 1), [1.0] * 24))


@pytest.mark.parametrize("psr_id", [CISO, SPAIN, TOKYO])
def test_the_first_day_of_the_calendar_is_served_without_resampling(api, first_day, psr_id):
    pages = walk(api, url(psr_id, "demand"), {"pageSize": 5}, "demand")
    got = [i["startDatetime"] for page in pages for i in page]
    assert got == [f"0001-01-01T{h:02}:00:00Z" for h in range(24)]


@pytest.mark.parametrize("resolution", RESOLUTIONS)
@pytest.mark.parametrize("psr_id", [CISO, SPAIN, TOKYO])
def test_resampling_at_the_start_of_the_calendar_is_never_a_server_error(api, first_day, psr_id, resolution):
    # Before 1883 the three cities kept local mean time (Los Angeles -07:52:58, Madrid -00:14:44, Tokyo +09:18:59):
    # their local hours and days do not start on a UTC hour, so hourly UTC data crosses their buckets: a 400 naming
    # resolution, as anywhere such data meets buckets it does not fit in. Tokyo's local January and year 1 began
    # in year 0 (UTC): never whole, left out.
    params = {"resolution": resolution, "startDatetime": "0001-01-01", "endDatetime": "0001-01-03"}
    response = api.get(url(psr_id, "demand"), params)
    if psr_id == TOKYO and resolution in ("P1M", "P1Y"):
        assert ok(response)["demand"] == []
    else:
        assert response.status_code == 400, response.content
        assert errors_of(response) == ["resolution"]
        detail = response.json()["errors"][0]["detail"]
        assert ("finer" if resolution == "PT15M" else "cross the boundaries") in detail


def test_a_local_day_of_year_1_in_utc_time_is_summed(api, grid):
    write_series(UTC_ZONE, "demand", run(utc(1, 1, 1), [1.0] * 48))
    body = ok(api.get(url(UTC_ZONE, "demand"), {"resolution": "P1D"}))
    assert buckets(body, "demand") == [
        ("0001-01-01T00:00:00Z", "0001-01-02T00:00:00Z", 24.0),
        ("0001-01-02T00:00:00Z", "0001-01-03T00:00:00Z", 24.0),
    ]


@pytest.mark.parametrize("resolution", RESOLUTIONS)
@pytest.mark.parametrize("psr_id", [CISO, SPAIN, TOKYO])
def test_the_largest_page_stops_at_the_end_of_the_calendar(api, demand_2022, psr_id, resolution):
    # 10,000 years (or days, or hours) from 2022 go past 9999: the page ends with the calendar instead.
    response = api.get(url(psr_id, "demand"), {"resolution": resolution, "pageSize": 10_000})
    if resolution == "PT15M":  # hourly data is coarser than a quarter of an hour
        assert response.status_code == 400 and errors_of(response) == ["resolution"]
        return
    body = ok(response)
    assert body["demand"] and body["next"] is None
    assert sum(i["value"] for i in body["demand"]) <= 48.0


@pytest.mark.parametrize("psr_id", [CISO, SPAIN, TOKYO])
def test_yearly_pages_walk_to_the_end_of_the_calendar(api, grid, psr_id):
    write_series(psr_id, "demand", run(utc(2022, 6, 1), [1.0] * 24) + run(utc(9998, 6, 1), [2.0] * 24))
    forward = walk(api, url(psr_id, "demand"), {"resolution": "P1Y", "pageSize": 10_000}, "demand")
    got = [(i["startDatetime"], i["value"]) for page in forward for i in page]
    # A local New Year east of Greenwich is the day before in UTC.
    first, last = ("2022-01-01", "9998-01-01") if psr_id == CISO else ("2021-12-31", "9997-12-31")
    assert [(start[:10], value) for start, value in got] == [(first, 24.0), (last, 48.0)]


def test_a_year_bucket_that_ends_after_the_calendar_is_left_out(api, grid):
    write_series(CISO, "demand", run(utc(9999, 6, 1), [1.0] * 24))
    # Los Angeles' year 9999 ends on 10000-01-01T08:00Z: not a whole bucket of the calendar.
    body = ok(api.get(url(CISO, "demand"), {"resolution": "P1Y", "startDatetime": "9990-01-01", "pageSize": 3}))
    assert body["demand"] == [] and body["next"] is None
    body = ok(api.get(url(CISO, "demand"), {"resolution": "P1D", "startDatetime": "9990-01-01", "pageSize": 3}))
    assert [i["startDatetime"] for i in body["demand"]] == ["9999-05-31T07:00:00Z", "9999-06-01T07:00:00Z"]
