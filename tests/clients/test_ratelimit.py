"""Rate limits: per key and per anonymous IP, 429 with Retry-After when spent, the IETF draft's RateLimit-Policy and
RateLimit headers on every API response, time-series values counted as points, a client's own limits."""

import re

import pytest

from cdsc_site.clients import ratelimit, services
from tests.timeseries.helpers import run, utc, write

from .conftest import bearer, issue

LIST = "/power-system-resources"
YEAR = "/power-system-resources/US-WECC-CISO/timeseries/generation?startDatetime=2023-01-01&endDatetime=2024-01-01"
ITEM = re.compile(r'^"(?P<name>[a-z]+)";(?P<params>.*)$')


def parse(header: str) -> dict[str, dict[str, str]]:
    """A structured-field list of `"name";a=1;b=2` items as {name: {a: "1", b: "2"}}."""
    items = {}
    for item in header.split(","):
        match = ITEM.match(item.strip())
        assert match, header
        items[match["name"]] = dict(p.split("=", 1) for p in match["params"].split(";"))
    return items


@pytest.fixture(autouse=True)
def _clock(monkeypatch):
    """Half a minute into a window that stays put: no test straddles two windows."""
    monkeypatch.setattr(ratelimit, "now", lambda: 1_800_000_030.25)


@pytest.fixture
def limits(settings):
    settings.CDSC_RATE_LIMIT_ANONYMOUS = 5
    settings.CDSC_RATE_LIMIT_ANONYMOUS_POINTS = 1_000
    settings.CDSC_RATE_LIMIT_CLIENT = 8
    settings.CDSC_RATE_LIMIT_CLIENT_POINTS = 100_000
    return settings


def test_every_api_response_carries_the_policy_and_what_remains(client, demo, limits):
    for expected_remaining in (4, 3, 2):
        response = client.get(LIST)
        assert response.status_code == 200
        policy = parse(response["RateLimit-Policy"])
        assert policy["requests"] == {"q": "5", "w": "60"}
        assert policy["points"]["q"] == "1000"
        state = parse(response["RateLimit"])
        assert int(state["requests"]["r"]) == expected_remaining
        assert state["requests"]["t"] == "30"
    assert "RateLimit" in client.get("/no/such/path").headers  # errors too


def test_anonymous_callers_past_the_limit_get_429_with_retry_after(client, demo, limits):
    statuses = [client.get(LIST).status_code for _ in range(7)]
    assert statuses == [200] * 5 + [429] * 2
    response = client.get(LIST)
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 429 and "try again" in response.json()["detail"]
    assert response["Retry-After"] == "30"
    assert parse(response["RateLimit"])["requests"]["t"] == "30"
    assert parse(response["RateLimit"])["requests"]["r"] == "0"


def test_each_anonymous_address_has_its_own_budget(client, demo, limits):
    for _ in range(5):
        client.get(LIST, REMOTE_ADDR="192.0.2.1")
    assert client.get(LIST, REMOTE_ADDR="192.0.2.1").status_code == 429
    assert client.get(LIST, REMOTE_ADDR="192.0.2.2").status_code == 200


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_caller(client, demo, limits):
    limits.CDSC_TRUSTED_PROXIES = 1
    for _ in range(5):
        client.get(LIST, HTTP_X_FORWARDED_FOR="198.51.100.7", REMOTE_ADDR="10.0.0.1")
    assert client.get(LIST, HTTP_X_FORWARDED_FOR="198.51.100.7", REMOTE_ADDR="10.0.0.1").status_code == 429
    # The same proxy forwarding another caller; a spoofed left-most hop does not make a new caller.
    assert client.get(LIST, HTTP_X_FORWARDED_FOR="198.51.100.8", REMOTE_ADDR="10.0.0.1").status_code == 200
    spoofed = client.get(LIST, HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7", REMOTE_ADDR="10.0.0.1")
    assert spoofed.status_code == 429


def test_a_forwarded_hop_that_is_no_address_is_not_taken_for_one(client, demo, limits):
    limits.CDSC_TRUSTED_PROXIES = 1
    for _ in range(5):
        client.get(LIST, HTTP_X_FORWARDED_FOR="not-an-ip", REMOTE_ADDR="10.0.0.9")
    # Counted against the proxy's own address instead: that budget is spent.
    assert client.get(LIST, REMOTE_ADDR="10.0.0.9").status_code == 429


def test_a_key_has_its_own_budget_apart_from_anonymous_and_other_keys(client, demo, limits):
    first, second = issue("First"), issue("Second")
    statuses = [client.get(LIST, **bearer(first.raw)).status_code for _ in range(9)]
    assert statuses == [200] * 8 + [429]
    assert client.get(LIST, **bearer(second.raw)).status_code == 200
    assert client.get(LIST).status_code == 200
    assert parse(client.get(LIST, **bearer(second.raw))["RateLimit-Policy"])["requests"]["q"] == "8"


def test_a_clients_own_limit_overrides_the_default(client, demo, limits):
    big = issue("Big")
    services.api_client_set_limits(client=big.client, requests_per_minute=20)
    response = client.get(LIST, **bearer(big.raw))
    assert parse(response["RateLimit-Policy"])["requests"]["q"] == "20"
    assert all(client.get(LIST, **bearer(big.raw)).status_code == 200 for _ in range(15))


def test_a_client_with_no_limit_gets_no_ratelimit_headers_and_no_429(client, demo, limits):
    free = issue("Unlimited")
    services.api_client_set_limits(client=free.client, requests_per_minute=0, points_per_minute=0)
    responses = [client.get(LIST, **bearer(free.raw)) for _ in range(12)]
    assert {r.status_code for r in responses} == {200}
    assert "RateLimit" not in responses[-1].headers


def test_large_time_series_pages_spend_the_points_budget(client, demo, limits):
    for fuel in ("F01040100", "F01050100"):  # three days of hourly solar and wind
        write("US-WECC-CISO", "generation", run(utc(2023, 1, 1), [10.0] * 72), fuel=fuel)
    limits.CDSC_RATE_LIMIT_ANONYMOUS_POINTS = 300
    response = client.get(YEAR)
    assert response.status_code == 200
    assert parse(response["RateLimit"])["points"]["r"] == str(300 - 216)
    assert client.get(YEAR).status_code == 200  # 84 values were left: the budget is checked before, charged after
    values = sum(1 + len(item.get("valueByFuelSource", [])) for item in response.json()["generation"])
    assert values == 72 * 3  # each hour's total and its two fuels
    assert values < 500
    refused = client.get(YEAR)
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    # Small requests of other resources are refused too: the budget is the caller's, not the URL's.
    assert client.get(LIST).status_code == 429
