"""Which database a request reads, in-process: the router and the middleware of cdsc_site.replicas with a replica
alias configured and its health set by hand (tests/test_replicas.py runs real PostgreSQL standbys)."""

import time

import pytest
from django.contrib.sessions.models import Session
from django.core import signing
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from cdsc_site import replicas
from cdsc_site.api.errors import database_unavailable_response
from cdsc_site.clients.models import ApiKey
from timeseries import cache as metadata_cache
from timeseries.models import Point

REPLICA = "replica_1"


@pytest.fixture
def replicated(settings, monkeypatch):
    """One replica configured and usable in this process (no checker threads: its state is set by hand)."""
    settings.DATABASE_REPLICAS = [REPLICA]
    settings.DATABASE_ROUTERS = ["cdsc_site.replicas.ReplicaRouter"]
    settings.DATABASE_REPLICA_MAX_LAG = 5.0
    settings.DATABASE_REPLICA_CHECK_SECONDS = 1.0
    pool = replicas.ReplicaPool()
    monkeypatch.setattr(pool, "start_checks", lambda aliases: None)
    monkeypatch.setattr(replicas, "pool", pool)
    pool.record(REPLICA, usable=True)
    return pool


def _seen(method: str, path: str, cookies: dict | None = None) -> tuple[str, HttpResponse]:
    """The database a view reads points from, for a request through the middleware, and the response."""
    seen = {}

    def view(request):
        seen["read"] = router.db_for_read(Point)
        return HttpResponse("ok")

    request = RequestFactory().generic(method, path)
    request.COOKIES.update(cookies or {})
    response = replicas.ReplicaMiddleware(view)(request)
    return seen["read"], response


@pytest.mark.parametrize(
    "path",
    [
        "/metadata/topology-levels",
        "/metadata/fuel-source/types",
        "/power-system-resources",
        "/power-system-resources/US-WECC-CISO/describe",
        "/power-system-resources/US-WECC-CISO/timeseries/generation",
        "/power-system-resources/US-WECC-CISO/demand",
        "/power-system-resources/US-WECC-CISO/timeseries/carbon-intensity",
        "/production-projects",
        "/production-projects/P-1/usage-segments",
        "/meter-devices",
        "/usage-segments",
    ],
)
@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_api_reads_go_to_a_replica(replicated, method, path):
    assert _seen(method, path)[0] == REPLICA


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/admin/",
        "/admin/login/",
        "/admin/psr/powersystemresource/",
        "/imports/",
        "/imports/new",
        "/imports/3/status",
        "/health/ready",
        "/health/live",
        "/openapi.json",
        "/docs/",
        "/redoc/",
        "/static/imports/upload.js",
    ],
)
def test_pages_for_people_health_and_docs_read_the_primary(replicated, path):
    assert _seen("GET", path)[0] == DEFAULT_DB_ALIAS


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_request_that_may_write_reads_the_primary_and_pins_its_caller(replicated, method):
    read, response = _seen(method, "/power-system-resources")
    assert read == DEFAULT_DB_ALIAS
    pin = response.cookies[replicas.PIN_COOKIE]
    assert pin["httponly"] and pin["samesite"] == "Lax"
    assert int(pin["max-age"]) >= 6  # MAX_LAG plus a check period
    # Its next API reads come from the primary; another caller's from the replica.
    assert _seen("GET", "/power-system-resources", {replicas.PIN_COOKIE: pin.value})[0] == DEFAULT_DB_ALIAS
    assert _seen("GET", "/power-system-resources")[0] == REPLICA


def test_the_pin_ends_after_the_max_lag_and_a_check_period(replicated, monkeypatch):
    pin = _seen("POST", "/imports/new")[1].cookies[replicas.PIN_COOKIE].value
    later = time.time() + 6.5
    monkeypatch.setattr(signing.time, "time", lambda: later)
    assert _seen("GET", "/power-system-resources", {replicas.PIN_COOKIE: pin})[0] == REPLICA


def test_a_forged_pin_is_ignored(replicated):
    assert _seen("GET", "/power-system-resources", {replicas.PIN_COOKIE: "1:forged:xyz"})[0] == REPLICA


def test_without_replicas_nothing_changes(settings):
    settings.DATABASE_REPLICAS = []
    read, response = _seen("POST", "/imports/new")
    assert read == DEFAULT_DB_ALIAS
    assert replicas.PIN_COOKIE not in response.cookies
    assert _seen("GET", "/power-system-resources")[0] == DEFAULT_DB_ALIAS


def test_a_replica_that_failed_its_check_or_was_not_checked_lately_is_not_read(replicated, settings, monkeypatch):
    replicated.record(REPLICA, usable=False, reason="it is 12.0 s behind the primary")
    assert _seen("GET", "/power-system-resources")[0] == DEFAULT_DB_ALIAS
    replicated.record(REPLICA, usable=True)
    assert _seen("GET", "/power-system-resources")[0] == REPLICA
    # A checker that stopped reporting (stuck on a hung server): its last good word is not trusted for long.
    later = time.monotonic() + 3 * settings.DATABASE_REPLICA_CHECK_SECONDS + 5
    monkeypatch.setattr(replicas.time, "monotonic", lambda: later)
    assert _seen("GET", "/power-system-resources")[0] == DEFAULT_DB_ALIAS


def test_reads_take_usable_replicas_in_turn(replicated, settings):
    settings.DATABASE_REPLICAS = ["replica_1", "replica_2", "replica_3"]
    replicated.record("replica_2", usable=True)
    replicated.record("replica_3", usable=False, reason="it does not answer")
    chosen = [_seen("GET", "/power-system-resources")[0] for _ in range(4)]
    assert sorted(chosen) == ["replica_1", "replica_1", "replica_2", "replica_2"]


def test_who_may_do_what_is_read_from_the_primary_and_writes_go_there(replicated):
    seen = {}

    def view(request):
        seen.update({model: router.db_for_read(model) for model in (Point, Session, ApiKey)})
        seen["write"] = router.db_for_write(Point)
        return HttpResponse("ok")

    replicas.ReplicaMiddleware(view)(RequestFactory().get("/power-system-resources"))
    assert seen == {Point: REPLICA, Session: DEFAULT_DB_ALIAS, ApiKey: DEFAULT_DB_ALIAS, "write": DEFAULT_DB_ALIAS}


def test_reads_inside_a_transaction_on_the_primary_stay_there(replicated, monkeypatch):
    # A request that writes in a transaction and reads back must see its own uncommitted rows.
    seen = []

    def view(request):
        seen.append(router.db_for_read(Point))
        monkeypatch.setattr(connections[DEFAULT_DB_ALIAS], "in_atomic_block", True)
        seen.append(router.db_for_read(Point))
        return HttpResponse("ok")

    replicas.ReplicaMiddleware(view)(RequestFactory().get("/power-system-resources"))
    assert seen == [REPLICA, DEFAULT_DB_ALIAS]


def test_only_the_primary_is_migrated():
    assert replicas.ReplicaRouter().allow_migrate(DEFAULT_DB_ALIAS, "timeseries")
    assert not replicas.ReplicaRouter().allow_migrate(REPLICA, "timeseries")


def test_outside_a_request_everything_reads_the_primary(replicated):
    # Commands, Celery workers, the import jobs' threads.
    assert router.db_for_read(Point) == DEFAULT_DB_ALIAS
    assert replicas.current_read_alias() is None


def test_a_request_whose_replica_fails_is_answered_again_from_the_primary(replicated, caplog):
    from django.db import OperationalError

    reads = []

    def view(request):
        reads.append(router.db_for_read(Point))
        if reads[-1] == REPLICA:
            return database_unavailable_response(request, OperationalError("connection refused"))
        return HttpResponse("from the primary")

    response = replicas.ReplicaMiddleware(view)(RequestFactory().get("/power-system-resources"))
    assert (response.status_code, response.content) == (200, b"from the primary")
    assert reads == [REPLICA, DEFAULT_DB_ALIAS]
    assert replicated.usable([REPLICA]) == []  # left out until its next check passes
    assert "Read replica replica_1 failed on GET /power-system-resources; answered from the primary" in caplog.text
    failure = next(r for r in caplog.records if r.getMessage().startswith("Database unavailable"))
    assert failure.levelname == "WARNING"  # the client got its answer: no error to page anyone for
    assert "(read replica replica_1)" in failure.getMessage()
    # The next request does not try it.
    assert _seen("GET", "/power-system-resources")[0] == DEFAULT_DB_ALIAS


def test_a_503_that_is_not_the_database_is_not_run_again(replicated):
    calls = []

    def view(request):
        calls.append(router.db_for_read(Point))
        return HttpResponse(status=503)

    assert replicas.ReplicaMiddleware(view)(RequestFactory().get("/power-system-resources")).status_code == 503
    assert calls == [REPLICA]


def test_a_streamed_body_reads_its_later_pages_from_the_same_replica(replicated):
    def view(request):
        return StreamingHttpResponse(router.db_for_read(Point).encode() for _ in range(3))

    response = replicas.ReplicaMiddleware(view)(RequestFactory().get("/power-system-resources/X/demand?format=csv"))
    assert replicas.current_read_alias() is None  # the middleware has returned ...
    assert b"".join(response.streaming_content) == REPLICA.encode() * 3  # ... and each chunk still reads the replica
    assert replicas.current_read_alias() is None


def test_metadata_kept_for_one_data_version_serves_only_requests_that_read_it():
    # A replica behind the primary answers at version 9 while the primary is at 10, in the same process: what one
    # computed is never used for the other (an answer keyed on 10 must not be built from a replica's metadata).
    metadata_cache.clear()
    metadata_cache.sync(10)
    assert metadata_cache.cached("series:X", lambda: "primary's") == "primary's"
    metadata_cache.sync(9)
    assert metadata_cache.cached("series:X", lambda: "replica's") == "replica's"
    metadata_cache.sync(10)
    assert metadata_cache.cached("series:X", lambda: "computed again") == "primary's"
    metadata_cache.sync(11)  # a newer version anywhere drops what is kept
    assert metadata_cache.cached("series:X", lambda: "new") == "new"
    metadata_cache.clear()
