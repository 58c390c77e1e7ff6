"""Cursors on every paginated endpoint: signed (anything this server did not issue is a 400 naming `cursor`), bound to
the query they were issued for (other parameters are a 400 naming the one that differs), and links followed as they
are walk every item once, in order, both ways."""

import base64
import os
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing

from metadata.models import FuelSourceTechnology, FuelSourceType, TopologyLevel
from psr.models import PowerSystemResource
from tests.timeseries.helpers import errors_of, run, spans, url, utc, walk
from tests.timeseries.helpers import write as write_series

pytestmark = pytest.mark.django_db

CISO, NEVP = "US-WECC-CISO", "US-WECC-NEVP"
DEMAND = url(CISO, "demand")
LISTS = [
    ("/metadata/topology-levels", "topology_levels"),
    ("/metadata/fuel-source/types", "types"),
    ("/metadata/fuel-source/technologies", "technologies"),
    ("/power-system-resources", "power_system_resources"),
]
LIST_URLS = [path for path, _ in LISTS]


def cursor_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["cursor"][0]


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


FORGED = {
    "random-base64": base64.b64encode(os.urandom(24)).decode(),
    "drf-position": "cD0x",  # what DRF itself would accept: base64 of "p=1"
    "drf-offset-reverse-position": b64("o=1&r=1&p=US-WECC"),
    "drf-offset-only": b64("o=5"),
    "drf-text-position": b64("p=zzz"),
    "drf-empty-keys": b64("x=1"),
    "garbage": "%%%!!'\"<>",
    "empty": "",
    "spaces": "   ",
    "signed-elsewhere": signing.dumps({"o": 0, "r": False, "p": "1", "q": {}}),
    "long": "A" * 4000,  # within CDSC_MAX_QUERY_STRING_BYTES: a longer query string is a 414 before any cursor is read
}


def assert_cursor_refused(response, parameter: str = "cursor") -> None:
    assert response.status_code == 400, response.content[:300]
    assert errors_of(response) == [parameter]


@pytest.fixture
def week(demo):
    """Hourly demand at CISO for 2023-06-01 .. 2023-06-10 (9 days), and a little at NEVP."""
    write_series(CISO, "demand", run(utc(2023, 6, 1), [float(i) for i in range(24 * 9)]))
    write_series(NEVP, "demand", run(utc(2023, 6, 1), [1.0] * 48))


# Forged cursors: a 400 naming `cursor`, never a 500 and never silently the first page.


@pytest.mark.parametrize("forged", FORGED.values(), ids=FORGED.keys())
@pytest.mark.parametrize("path", [*LIST_URLS, DEMAND])
def test_a_cursor_this_server_did_not_issue_is_a_400_naming_cursor(api, week, path, forged):
    assert_cursor_refused(api.get(path, {"cursor": forged}))


@pytest.mark.parametrize("path", [*LIST_URLS, DEMAND])
def test_a_real_cursor_with_one_character_changed_is_a_400(api, week, path):
    first = api.get(path, {"pageSize": 1}).json()
    cursor = cursor_of(first["next"])
    for position in (0, len(cursor) // 2, len(cursor) - 1):
        changed = cursor[:position] + ("A" if cursor[position] != "A" else "B") + cursor[position + 1 :]
        assert_cursor_refused(api.get(path, {"pageSize": 1, "cursor": changed}))


@pytest.mark.parametrize(("source", "target"), [(a, b) for a in LIST_URLS for b in LIST_URLS if a != b])
def test_a_cursor_of_one_list_is_no_cursor_of_another(api, demo, source, target):
    cursor = cursor_of(api.get(source, {"pageSize": 1}).json()["next"])
    assert_cursor_refused(api.get(target, {"pageSize": 1, "cursor": cursor}))


def test_a_time_series_cursor_in_the_old_unbound_form_is_a_400(api, week):
    old = signing.dumps(["2023-06-01T02:00:00+00:00", "n"], salt="timeseries.cursor", compress=False)
    assert_cursor_refused(api.get(DEMAND, {"cursor": old}))


# A cursor carries the query it was issued for.


def test_a_psr_list_cursor_sent_without_its_level_filter_is_a_400_naming_level(api, demo):
    first = api.get("/power-system-resources", {"level": 1, "pageSize": 2}).json()
    cursor = cursor_of(first["next"])
    response = api.get("/power-system-resources", {"pageSize": 2, "cursor": cursor})
    assert_cursor_refused(response, "level")
    assert "level=1" in response.json()["errors"][0]["detail"]
    assert "as it is" in response.json()["errors"][0]["detail"]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"level": 2}, "level"),
        ({"level": "Balancing Authority Area"}, "level"),
        ({"level": 1, "parent": "US-WECC"}, "parent"),
    ],
)
def test_a_psr_list_cursor_sent_with_other_filters_is_a_400_naming_the_filter(api, demo, params, parameter):
    cursor = cursor_of(api.get("/power-system-resources", {"level": 1, "pageSize": 2}).json()["next"])
    assert_cursor_refused(api.get("/power-system-resources", {**params, "pageSize": 2, "cursor": cursor}), parameter)


def test_an_unfiltered_psr_list_cursor_sent_with_a_filter_is_a_400_naming_it(api, demo):
    cursor = cursor_of(api.get("/power-system-resources", {"pageSize": 2}).json()["next"])
    response = api.get("/power-system-resources", {"parent": "US-WECC", "pageSize": 2, "cursor": cursor})
    assert_cursor_refused(response, "parent")
    assert "no parent" in response.json()["errors"][0]["detail"]


def test_a_list_cursor_serves_another_page_size(api, demo):
    first = api.get("/power-system-resources", {"level": 1, "pageSize": 2}).json()
    rest = api.get("/power-system-resources", {"level": 1, "pageSize": 100, "cursor": cursor_of(first["next"])})
    assert rest.status_code == 200
    ids = [p["id"] for p in first["power_system_resources"] + rest.json()["power_system_resources"]]
    assert ids == ["US-WECC-ABCD", "US-WECC-BANC", "US-WECC-CISO", "US-WECC-LADWP", "US-WECC-NEVP"]


RANGE = {"startDatetime": "2023-06-01", "endDatetime": "2023-06-08", "pageSize": 24}


def test_a_time_series_cursor_sent_without_its_range_is_a_400_naming_startdatetime(api, week):
    cursor = cursor_of(api.get(DEMAND, RANGE).json()["next"])
    response = api.get(DEMAND, {"cursor": cursor})
    assert_cursor_refused(response, "startDatetime")
    assert "startDatetime=2023-06-01T00:00:00Z" in response.json()["errors"][0]["detail"]


@pytest.mark.parametrize(
    ("changed", "parameter"),
    [
        ({"startDatetime": "2023-05-01"}, "startDatetime"),
        ({"endDatetime": "2023-07-13"}, "endDatetime"),
        ({"endDatetime": None}, "endDatetime"),
        ({"unit": "kWh"}, "unit"),
        ({"resolution": "PT1H"}, "resolution"),
        ({"timeframe": "day-ahead"}, "timeframe"),
    ],
)
def test_a_time_series_cursor_sent_with_other_parameters_is_a_400_naming_the_one_that_differs(
    api, week, changed, parameter
):
    cursor = cursor_of(api.get(DEMAND, RANGE).json()["next"])
    params = {k: v for k, v in {**RANGE, **changed, "cursor": cursor}.items() if v is not None}
    assert_cursor_refused(api.get(DEMAND, params), parameter)


def test_a_time_series_cursor_of_one_psr_is_refused_on_another(api, week):
    cursor = cursor_of(api.get(DEMAND, RANGE).json()["next"])
    assert_cursor_refused(api.get(url(NEVP, "demand"), {**RANGE, "cursor": cursor}), "id")


def test_a_time_series_cursor_of_one_quantity_is_refused_on_another(api, week):
    cursor = cursor_of(api.get(DEMAND, RANGE).json()["next"])
    response = api.get(url(CISO, "generation"), {**RANGE, "cursor": cursor})
    assert response.status_code == 400
    assert "quantity=demand" in response.json()["errors"][0]["detail"]


def test_a_time_series_cursor_accepts_the_same_query_written_otherwise_and_another_page_size(api, week):
    first = api.get(DEMAND, RANGE).json()
    same = {
        "startDatetime": "2023-06-01T00:00:00Z",
        "endDatetime": "2023-06-08T02:00:00+02:00",
        "unit": "MWh",
        "timeframe": "actual",
        "pageSize": 1000,
        "cursor": cursor_of(first["next"]),
    }
    response = api.get(DEMAND, same)
    assert response.status_code == 200, response.content
    items = first["demand"] + response.json()["demand"]
    assert len(items) == 24 * 7
    assert items[-1]["endDatetime"] == "2023-06-08T00:00:00Z"


# Links followed as they are: every item once, in order, both ways.


@pytest.mark.parametrize(
    ("path", "key", "params", "expected"),
    [
        ("/metadata/topology-levels", "topology_levels", {}, lambda: TopologyLevel.objects.count()),
        ("/metadata/fuel-source/types", "types", {}, lambda: FuelSourceType.objects.count()),
        ("/metadata/fuel-source/technologies", "technologies", {}, lambda: FuelSourceTechnology.objects.count()),
        ("/power-system-resources", "power_system_resources", {}, lambda: PowerSystemResource.objects.count()),
        ("/power-system-resources", "power_system_resources", {"level": "1"}, lambda: 5),
        ("/power-system-resources", "power_system_resources", {"parent": "US-WECC"}, lambda: 5),
    ],
)
def test_following_list_links_as_given_walks_every_item_once_in_order_both_ways(api, demo, path, key, params, expected):
    forward = walk(api, path, {**params, "pageSize": 2}, key)
    items = [item for page in forward for item in page]
    assert len(items) == expected()
    assert len({repr(sorted(item.items())) for item in items}) == len(items), "an item was served twice"
    assert items == api.get(path, {**params, "pageSize": 1000}).json()[key], "not the order of one whole page"
    # Back from the last page by `previous` links: the same pages, in reverse.
    last_url = path
    body = api.get(path, {**params, "pageSize": 2}).json()
    while body["next"]:
        last_url = body["next"]
        body = api.get(last_url).json()
    backward = walk(api, last_url, None, key, direction="previous")
    assert backward == forward[::-1]


@pytest.mark.parametrize(
    "params",
    [
        RANGE,
        {**RANGE, "unit": "kWh", "timeframe": "actual"},
        {"startDatetime": "2023-06-01", "endDatetime": "2023-06-10", "resolution": "PT3H", "pageSize": 5},
        {"pageSize": 50},
    ],
    ids=["range", "unit-and-timeframe", "resolution", "no-range"],
)
def test_following_time_series_links_as_given_walks_every_interval_once_in_order_both_ways(api, week, params):
    forward = walk(api, DEMAND, params, "demand")
    items = [item for page in forward for item in page]
    starts = [item["startDatetime"] for item in items]
    assert starts == sorted(set(starts)), "an interval twice or out of order"
    whole = api.get(DEMAND, {**params, "pageSize": 10_000}).json()["demand"]
    assert len(forward) > 2 and items == whole, "not the intervals of one whole page"
    body = api.get(DEMAND, params).json()
    while body["next"]:
        last = body["next"]
        body = api.get(last).json()
    backward = walk(api, last, None, "demand", direction="previous")
    assert [spans(page) for page in backward] == [spans(page) for page in forward[::-1]]


def test_walking_back_over_resampled_buckets_ends_on_the_first_bucket_without_an_empty_page(api, week):
    params = {"startDatetime": "2023-06-01", "endDatetime": "2023-06-10", "resolution": "PT3H", "pageSize": 5}
    body = api.get(DEMAND, params).json()
    while body["next"]:
        last = body["next"]
        body = api.get(last).json()
    assert all(walk(api, last, None, "demand", direction="previous"))
