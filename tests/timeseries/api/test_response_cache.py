"""Cached time-series answers: a repeated request is answered without computing it, a conditional one with a 304 that
costs one query, and any change to what an answer read (points written, an import, a PSR or factor edited) shows at
once, because the key and the ETag carry the data version. In this process's memory without Redis, in Redis with it."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from cdsc_site.api.response_cache import clear_local_responses
from metadata.selectors import fuel_source_type_get
from psr.models import PsrEmissionFactor
from tests.timeseries.helpers import COAL, SOLAR, run, utc, write
from tests.timeseries.imports.helpers import import_text
from timeseries.models import Point, Series
from timeseries.versions import data_changed, data_version, raised_at_end

pytestmark = pytest.mark.django_db

DAY = "startDatetime=2023-03-01&endDatetime=2023-03-02"
URL = f"/power-system-resources/US-WECC-CISO/timeseries/generation?{DAY}"
T0 = utc(2023, 3, 1)


@pytest.fixture
def coal(demo):
    return write("US-WECC-CISO", "generation", run(T0, [10.0] * 24), fuel=COAL)


def values(response) -> list[float]:
    assert response.status_code == 200, response.content
    return [item["value"] for item in response.json()["generation"]]


def queries(api, url: str, **headers):
    with CaptureQueriesContext(connection) as captured:
        response = api.get(url, **headers)
    return response, len(captured.captured_queries)


def test_a_repeated_request_is_answered_from_the_cache_with_the_same_body_and_etag(api, coal):
    first, computed = queries(api, URL)
    again, cached = queries(api, URL)

    assert again.status_code == 200 and again.content == first.content
    for header in ("ETag", "Content-Type", "Vary", "Allow", "Content-Length"):
        assert again[header] == first[header], header
    assert cached == 1 < computed  # the data version alone
    # Another representation of the same intervals is another entry, kept too, whichever way it is asked for.
    as_csv, _ = queries(api, URL + "&format=csv&pageSize=100")
    assert as_csv["Content-Type"].startswith("text/csv") and as_csv["ETag"] != first["ETag"]
    csv_again, count = queries(api, URL + "&format=csv&pageSize=100")
    assert csv_again.content == as_csv.content and count == 1
    by_accept, _ = queries(api, URL + "&pageSize=100", HTTP_ACCEPT="text/csv")
    by_accept_again, count = queries(api, URL + "&pageSize=100", HTTP_ACCEPT="text/csv")
    assert by_accept_again["Content-Type"].startswith("text/csv") and by_accept_again.content == by_accept.content
    assert count == 1 and by_accept["ETag"] != first["ETag"]


def test_if_none_match_is_a_304_for_one_query_until_the_data_changes(api, coal):
    first = api.get(URL)
    etag = first["ETag"]

    not_modified, count = queries(api, URL, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304 and not_modified["ETag"] == etag and count == 1
    weak, _ = queries(api, URL, HTTP_IF_NONE_MATCH=f"W/{etag}")  # as a gzipped answer's ETag comes back
    assert weak.status_code == 304

    write("US-WECC-CISO", "generation", run(T0, [11.0]), fuel=COAL)
    changed = api.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert values(changed)[0] == 11.0


def test_points_written_show_at_once(api, coal):
    assert values(api.get(URL))[:2] == [10.0, 10.0]
    write("US-WECC-CISO", "generation", run(T0 + timedelta(hours=1), [25.0]), fuel=COAL)
    assert values(api.get(URL))[:2] == [10.0, 25.0]


def test_an_import_shows_at_once(api, coal, tmp_path):
    assert values(api.get(URL))[0] == 10.0
    job = import_text(
        tmp_path,
        "psr,quantity,fuel_type,start,end,value\n"
        f"US-WECC-CISO,generation,{COAL},2023-03-01T00:00:00Z,2023-03-01T01:00:00Z,42\n",
    )
    assert job.status == "succeeded", job.summary
    assert values(api.get(URL))[0] == 42.0


def test_a_factor_edited_in_the_admin_shows_at_once_in_emissions(api, coal):
    url = f"/power-system-resources/US-WECC-CISO/timeseries/emissions?{DAY}&basis=direct"
    before = api.get(url).json()["emissions"][0]["value"]
    PsrEmissionFactor.objects.create(
        psr_id="US-WECC-CISO",
        fuel_type=fuel_source_type_get(COAL),
        basis="direct",
        value=2000.0,
        valid_from=utc(2000, 1, 1),
        source_document="test",
        source_year=2024,
    )
    after = api.get(url).json()["emissions"][0]["value"]
    assert after == pytest.approx(10.0 * 2000.0 / 1000) and after != before


def test_the_version_rises_once_at_the_end_of_a_long_transaction_and_not_on_failure(coal):
    start = data_version()
    with transaction.atomic(), raised_at_end():
        data_changed()
        data_changed()
        assert data_version() == start  # not yet: the row is not held while the import runs
    assert data_version() == start + 1
    with pytest.raises(RuntimeError), transaction.atomic(), raised_at_end():
        data_changed()
        raise RuntimeError("the import failed")
    assert data_version() == start + 1
    with transaction.atomic(), raised_at_end():  # a dry run: rolled back whole, nothing changed
        data_changed()
        transaction.set_rollback(True)
    assert data_version() == start + 1
    data_changed()
    assert data_version() == start + 2


def test_with_redis_one_process_serves_what_another_computed(api, coal, redis_cache):
    first, computed = queries(api, URL)
    clear_local_responses()  # nothing of this process's memory: what follows comes from Redis
    again, cached = queries(api, URL)
    assert again.content == first.content and cached == 1 < computed

    write("US-WECC-CISO", "generation", run(T0, [7.0]), fuel=COAL)
    assert values(api.get(URL))[0] == 7.0

    redis_cache.stop()  # Redis down: answers are computed, never an error
    down = api.get(URL)
    assert values(down)[0] == 7.0


def test_a_series_another_process_added_shows_at_once(api, coal):
    """Another process (an import worker) adds a series: this process's cached metadata of the PSR is stale, and
    the data version it raised makes this process drop it."""
    assert len(api.get(URL).json()["generation"][0]["valueByFuelSource"]) == 1
    # As another process writes: no signal reaches this one, only the shared version row.
    solar = fuel_source_type_get(SOLAR)
    series = Series.objects.bulk_create(
        [Series(psr_id="US-WECC-CISO", quantity="generation", timeframe="actual", fuel_type=solar, unit="MWh")]
    )[0]
    Point.objects.bulk_create([Point(series=series, start=p.start, end=p.end, value=p.value) for p in run(T0, [3.0])])
    data_changed()

    first = api.get(URL).json()["generation"][0]
    assert len(first["valueByFuelSource"]) == 2 and first["value"] == 13.0
