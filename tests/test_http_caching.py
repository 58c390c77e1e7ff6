"""HTTP caching of API answers: HEAD has the GET's ETag, a 304 the 200's Vary and Cache-Control, and Cache-Control
says how long an answer may be reused (briefly for recent data, longer for a closed past period, never shared for
private data)."""

import pytest
from django.core.management import call_command

GENERATION = "/power-system-resources/US-WECC-CISO/timeseries/generation"
URLS = [
    "/metadata/topology-levels",
    "/power-system-resources",
    "/power-system-resources/US-WECC-CISO/describe",
    "/power-system-resources/US-WECC/capacity?unit=kW",
    f"{GENERATION}?startDatetime=2023-01-01&endDatetime=2023-01-02",
    f"{GENERATION}?startDatetime=2023-01-01&format=csv&pageSize=5",
]


@pytest.fixture
def series(api, demo) -> None:
    call_command("generate_timeseries", "--start", "2023-01-01", "--days", "2", "--areas", "1", stdout=None)


def listed(header: str) -> set[str]:
    return {part.strip().lower() for part in header.split(",") if part.strip()}


@pytest.mark.parametrize("encoding", ["", "gzip"])
def test_head_answers_with_the_etag_of_the_get(api, series, encoding):
    for url in URLS:
        got = api.get(url, HTTP_ACCEPT_ENCODING=encoding)
        head = api.head(url, HTTP_ACCEPT_ENCODING=encoding)
        assert got.status_code == head.status_code == 200, url
        assert got["ETag"] and head.get("ETag") == got["ETag"], url
        assert head.get("Cache-Control") == got["Cache-Control"], url


@pytest.mark.parametrize("encoding", ["", "gzip"])
def test_a_304_sends_the_vary_and_cache_control_of_the_200(api, series, encoding):
    # A CSV page (pageSize) has an ETag; the whole window streamed has none (it is not built before it is sent).
    csv_page = (f"{GENERATION}?startDatetime=2023-01-01&pageSize=5", "text/csv")
    for url, accept in [*((url, "*/*") for url in URLS), csv_page]:
        ok = api.get(url, HTTP_ACCEPT_ENCODING=encoding, HTTP_ACCEPT=accept)
        again = api.get(url, HTTP_ACCEPT_ENCODING=encoding, HTTP_ACCEPT=accept, HTTP_IF_NONE_MATCH=ok["ETag"])
        assert again.status_code == 304, (url, accept)
        assert again["ETag"].removeprefix("W/") == ok["ETag"].removeprefix("W/"), url
        assert listed(again["Vary"]) == listed(ok["Vary"]), (url, accept)
        assert "accept-encoding" in listed(ok["Vary"])
        assert again["Cache-Control"] == ok["Cache-Control"], url
        head = api.head(url, HTTP_ACCEPT_ENCODING=encoding, HTTP_ACCEPT=accept, HTTP_IF_NONE_MATCH=ok["ETag"])
        assert head.status_code == 304, (url, accept)


def test_recent_data_is_cached_briefly_and_closed_periods_longer(api, series, settings):
    recent = api.get(f"{GENERATION}?startDatetime=2023-01-01")  # open-ended: an import may add to it
    assert recent["Cache-Control"] == f"max-age={settings.CDSC_CACHE_SECONDS}"
    future = api.get(f"{GENERATION}?startDatetime=2023-01-01&endDatetime=2999-01-01")
    assert future["Cache-Control"] == f"max-age={settings.CDSC_CACHE_SECONDS}"
    closed = api.get(f"{GENERATION}?startDatetime=2023-01-01&endDatetime=2023-01-02T00:00:00Z")
    assert closed.status_code == 200 and closed.json()["generation"]
    assert closed["Cache-Control"] == f"max-age={settings.CDSC_CACHE_CLOSED_SECONDS}"
    assert settings.CDSC_CACHE_CLOSED_SECONDS > settings.CDSC_CACHE_SECONDS
    # The same closed range as CSV, and its kept answer (the second request) alike.
    for _ in range(2):
        csv = api.get(f"{GENERATION}?startDatetime=2023-01-01&endDatetime=2023-01-02&format=csv&pageSize=10")
        assert csv["Content-Type"].startswith("text/csv")
        assert csv["Cache-Control"] == f"max-age={settings.CDSC_CACHE_CLOSED_SECONDS}"
    assert api.get("/power-system-resources")["Cache-Control"] == f"max-age={settings.CDSC_CACHE_SECONDS}"


def test_errors_and_pages_for_people_carry_no_reuse_time(api, series, settings):
    bad = api.get(f"{GENERATION}?startDatetime=nope")
    assert bad.status_code == 400 and "max-age" not in bad.get("Cache-Control", "")
    missing = api.get("/power-system-resources/NOPE/describe")
    assert missing.status_code == 404 and "max-age" not in missing.get("Cache-Control", "")
    assert "max-age" not in api.get("/openapi.json").get("Cache-Control", "")


def test_private_data_is_never_for_shared_caches(client, admin_user, demo):
    client.force_login(admin_user)  # staff may read every production project
    ok = client.get("/production-projects")
    assert ok.status_code == 200
    assert ok["Cache-Control"] == "private, no-cache"
    again = client.get("/production-projects", HTTP_IF_NONE_MATCH=ok["ETag"])
    assert again.status_code == 304 and again["Cache-Control"] == "private, no-cache"
    client.logout()
    refused = client.get("/production-projects")
    assert refused.status_code == 401 and "max-age" not in refused.get("Cache-Control", "")
