"""/health/live and /health/ready: what a load balancer sees, with the database up and with a real Redis up, stopped,
hung and back."""

import time

import pytest

from tests.timeseries.imports.workers.workers import ThrowawayRedis

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_server(settings):
    server = ThrowawayRedis()
    settings.REDIS_URL = server.url
    try:
        yield server
    finally:
        server.stop()


def timed_get(client, path: str):
    started = time.monotonic()
    response = client.get(path)
    return response, time.monotonic() - started


def assert_not_ready(response, failed: str) -> dict:
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response["Cache-Control"] == "no-store"
    assert int(response["Retry-After"]) > 0
    body = response.json()
    assert body["status"] == 503
    assert failed in body["detail"]
    assert body["checks"][failed]["status"] == "failed"
    return body


def test_live_answers_ok_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_ready_checks_the_database_and_no_redis_without_redis_url(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/health/ready")
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["status"] == "ok"
    assert list(body["checks"]) == ["database"]
    assert body["checks"]["database"]["status"] == "ok"


@pytest.mark.parametrize("path", ["/health/live", "/health/ready"])
def test_health_endpoints_take_only_get_and_head(client, path):
    response = client.post(path)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert client.head(path).status_code == 200


def test_health_endpoints_are_not_in_the_openapi_schema(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert paths, "the schema lists the API"
    assert not [p for p in paths if p.startswith("/health")]


def test_ready_follows_a_real_redis_going_away_and_coming_back(client, redis_server):
    response = client.get("/health/ready")
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["redis"]["status"] == "ok"

    redis_server.stop_server()
    response, took = timed_get(client, "/health/ready")
    body = assert_not_ready(response, "redis")
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["redis"]["error"] == "ConnectionError"
    assert took < 3
    assert client.get("/health/live").status_code == 200

    redis_server.start_server()
    response = client.get("/health/ready")
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["redis"]["status"] == "ok"


def test_ready_answers_503_in_bounded_time_when_redis_hangs(client, redis_server):
    redis_server.freeze()  # the port stays open, nothing answers: a connect succeeds, the PING never returns
    try:
        response, took = timed_get(client, "/health/ready")
    finally:
        redis_server.thaw()
    assert_not_ready(response, "redis")
    assert took < 4, f"/health/ready took {took:.1f} s"
