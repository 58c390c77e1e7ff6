"""Each process's copy of the data version on PostgreSQL (LISTEN/NOTIFY): a rise committed anywhere is known here
within moments and then costs no query, a process reads its own rise at once, and while the copy cannot be trusted
(its connection lost) the version is read per request, never served stale."""

import time

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.timeseries.helpers import COAL, run, utc, write
from timeseries import versions
from timeseries.versions import data_changed, data_version

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/power-system-resources/US-WECC-CISO/timeseries/generation?startDatetime=2023-03-01&endDatetime=2023-03-02"


@pytest.fixture
def following(settings):
    if connection.vendor != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; on SQLite the version is read per request")
    settings.CDSC_FOLLOW_DATA_VERSION = True
    versions._follower = versions._Follower()  # a fresh follower, on this test's database
    yield versions._follower
    versions._follower.stop()  # its connection would keep the test database from being dropped
    versions._follower = versions._Follower()


def _queries(read):
    with CaptureQueriesContext(connection) as captured:
        value = read()
    return value, len(captured.captured_queries)


def _eventually(check, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.02)


def _rise_elsewhere() -> int:
    """A rise committed by another connection (another process, an import worker), as theirs are."""
    params = connection.get_connection_params()
    kept = {k: v for k, v in params.items() if k in ("dbname", "user", "host", "port", "password", "options")}
    with psycopg.connect(**kept, autocommit=True) as other, other.transaction():
        return other.execute(
            "INSERT INTO timeseries_dataversion AS v (id, version, changed_at) VALUES (1, 1, now()) ON CONFLICT (id) "
            "DO UPDATE SET version = v.version + 1 RETURNING pg_notify(%s, version::text), version",
            [versions.CHANNEL],
        ).fetchone()[1]


def test_a_rise_committed_elsewhere_is_known_here_and_reading_it_costs_no_query(following):
    data_version()  # the first read starts the follower
    _eventually(lambda: following.current() is not None)
    before, count = _queries(data_version)
    assert count == 0

    risen = _rise_elsewhere()
    assert risen > before
    _eventually(lambda: data_version() == risen)
    assert _queries(data_version) == (risen, 0)


def test_a_process_reads_its_own_rise_at_once(following):
    data_version()
    _eventually(lambda: following.current() is not None)
    before = data_version()
    data_changed()  # autocommit: committed, and noted before any notification comes back
    assert _queries(data_version) == (before + 1, 0)


def test_while_the_copy_cannot_be_trusted_the_version_is_read_per_request(following):
    data_version()
    _eventually(lambda: following.current() is not None)
    with connection.cursor() as cursor:  # the listening connection dies, as a restarted primary's would
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            [versions.APPLICATION_NAME],
        )
    _eventually(lambda: following.current() is None)
    risen = _rise_elsewhere()
    assert _queries(data_version) == (risen, 1)  # read, not stale
    _eventually(lambda: following.current() == risen)  # and followed again once reconnected


def test_a_304_and_a_kept_answer_cost_no_query_while_following(following, api, grid):
    write("US-WECC-CISO", "generation", run(utc(2023, 3, 1), [10.0] * 24), fuel=COAL)
    first = api.get(URL)
    assert first.status_code == 200
    _eventually(lambda: following.current() is not None)
    first = api.get(URL)  # computed again under the followed version, or found
    again, count = _queries(lambda: api.get(URL))
    assert again.status_code == 200 and again.content == first.content and count == 0
    not_modified, count = _queries(lambda: api.get(URL, HTTP_IF_NONE_MATCH=first["ETag"]))
    assert not_modified.status_code == 304 and count == 0

    write("US-WECC-CISO", "generation", run(utc(2023, 3, 1), [11.0]), fuel=COAL)  # committed: a rise
    changed = api.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed.json()["generation"][0]["value"] == 11.0
