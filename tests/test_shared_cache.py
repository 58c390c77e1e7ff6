"""The shared cache (rate limits, usage counts) against a real Redis that is stopped, hung and started again: it keeps
answering from a per-process cache, says so once in the log, and goes back to Redis when Redis answers."""

import logging
import time

import pytest
import redis
from django.core.cache import caches

from cdsc_site.api.shared_cache import SharedCache, shared_cache
from tests.timeseries.imports.workers.workers import ThrowawayRedis, wait_until

LOGGER = "cdsc_site.api.shared_cache"
REDIS_TIMEOUT = 1.0  # the redis_cache fixture's socket timeouts (tests/conftest.py)


def in_redis(server: ThrowawayRedis, key: str) -> object:
    """What another process would read for `key` through Django's cache on this Redis."""
    return caches["default"].get(key)


def test_counters_add_read_and_expire_in_redis_in_one_round_trip(redis_cache, monkeypatch):
    cache = SharedCache(retry_seconds=0.5)
    assert cache.counters({"requests": (1, 65), "points": (0, 65)}) == {"requests": 1, "points": 0}
    assert cache.counters({"requests": (1, 65), "points": (250, 65)}, {"last": (12.5, 65)}) == {
        "requests": 2,
        "points": 250,
    }
    assert in_redis(redis_cache, "requests") == 2 and in_redis(redis_cache, "last") == 12.5
    assert caches["default"].incr("points", 10) == 260  # Django's own API reads and adds to the same counter
    with redis.Redis.from_url(redis_cache.url) as client:
        ttls = [client.ttl(name) for name in client.keys("*")]
    assert len(ttls) == 3 and all(0 < ttl <= 65 for ttl in ttls)
    executed = []
    real = redis.client.Pipeline.execute
    monkeypatch.setattr(
        redis.client.Pipeline, "execute", lambda self, *a, **k: executed.append(1) or real(self, *a, **k)
    )
    connects = []
    real_send = redis.connection.AbstractConnection.send_packed_command
    monkeypatch.setattr(
        redis.connection.AbstractConnection,
        "send_packed_command",
        lambda self, *a, **k: connects.append(1) or real_send(self, *a, **k),
    )
    cache.counters({"requests": (1, 65), "points": (0, 65), "other": (3, 65)}, {"last": (13.0, 65)})
    assert executed == [1] and connects == [1]


def test_counters_fall_back_to_this_process_while_redis_is_down(redis_cache):
    cache = SharedCache(retry_seconds=30)
    redis_cache.stop_server()
    assert cache.counters({"requests": (1, 65)}) == {"requests": 1}
    assert cache.counters({"requests": (1, 65)}) == {"requests": 2}
    assert cache.degraded


def test_with_redis_up_values_live_in_redis(redis_cache):
    cache = SharedCache(retry_seconds=0.5)
    cache.set("a", 1, 60)
    assert cache.add("counter", 0, 60)
    assert cache.incr("counter", 5) == 5
    assert in_redis(redis_cache, "a") == 1
    assert in_redis(redis_cache, "counter") == 5
    with redis.Redis.from_url(redis_cache.url) as client:
        assert client.dbsize() == 2
    assert not cache.degraded


def test_redis_stopped_then_started_serves_from_the_process_then_from_redis_again(redis_cache, caplog):
    cache = SharedCache(retry_seconds=0.5)
    cache.set("before", "shared", 60)
    caplog.set_level(logging.INFO, logger=LOGGER)

    redis_cache.stop_server()
    started = time.monotonic()
    for i in range(200):  # as many requests of a busy process: none waits for Redis once it is known down
        cache.add(f"k{i}", 0, 60)
        assert cache.incr(f"k{i}", 2) == 2
    cache.set_many({"x": 1, "y": 2}, 60)
    assert cache.get_many(["x", "y", "nope"]) == {"x": 1, "y": 2}
    assert cache.get("before") is None  # Redis's values are not there while it is down
    assert cache.touch("x", 60)
    assert time.monotonic() - started < 2
    assert cache.degraded
    warnings = [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in caplog.records]
    assert "per process" in warnings[0].getMessage()

    redis_cache.start_server()
    caplog.clear()
    # "x" was written in this process during the outage; the restarted Redis (no persistence here) has nothing.
    wait_until(lambda: cache.get("x") is None, timeout=5, what="the shared cache to use Redis again")
    assert not cache.degraded
    cache.set("after", "shared again", 60)
    assert in_redis(redis_cache, "after") == "shared again"
    infos = [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.INFO]
    assert len(infos) == 1 and "answers again" in infos[0].getMessage()
    assert not [r for r in caplog.records if r.name == LOGGER and r.levelno >= logging.WARNING]


def test_a_hung_redis_costs_one_timeout_then_nothing_until_the_retry(redis_cache):
    cache = SharedCache(retry_seconds=30)
    cache.set("k", 1, 60)
    redis_cache.freeze()
    try:
        started = time.monotonic()
        assert cache.get("k") is None  # the timeout, then the per-process cache
        first = time.monotonic() - started
        started = time.monotonic()
        for _ in range(100):
            cache.get("k")
        rest = time.monotonic() - started
    finally:
        redis_cache.thaw()
    assert first < REDIS_TIMEOUT * 4 + 1, f"the first call took {first:.1f} s"
    assert rest < 0.5, f"100 calls took {rest:.1f} s while Redis was known down"
    assert cache.degraded


def test_shared_cache_is_one_per_process_and_forwards_to_the_default_cache():
    assert shared_cache() is shared_cache()
    shared_cache().set("forwarded", 42, 60)
    assert caches["default"].get("forwarded") == 42


@pytest.fixture
def fresh_shared_cache(monkeypatch) -> SharedCache:
    """This process's shared cache, new for the test (its outage state must not leak between tests)."""
    cache = SharedCache(retry_seconds=0.5)
    monkeypatch.setattr("cdsc_site.api.shared_cache._shared", cache)
    return cache


def rate_limit_keys(server: ThrowawayRedis) -> list[bytes]:
    with redis.Redis.from_url(server.url) as client:
        return list(client.scan_iter("*clients:rl:*"))


@pytest.mark.django_db
def test_api_requests_keep_being_served_and_limited_while_redis_is_down(
    demo, api, redis_cache, fresh_shared_cache, settings
):
    settings.CDSC_RATE_LIMIT_ANONYMOUS = 100
    response = api.get("/power-system-resources")
    assert response.status_code == 200
    assert '"requests";r=99' in response["RateLimit"]
    assert rate_limit_keys(redis_cache), "the counters live in Redis"

    redis_cache.stop_server()
    started = time.monotonic()
    for remaining in range(99, 94, -1):  # a fresh count in this process: limits are per process meanwhile
        response = api.get("/power-system-resources")
        assert response.status_code == 200, response.content[:300]
        assert f'"requests";r={remaining}' in response["RateLimit"]
    assert time.monotonic() - started < REDIS_TIMEOUT * 4 + 2
    assert fresh_shared_cache.degraded

    settings.CDSC_RATE_LIMIT_ANONYMOUS = 5  # and the per-process limit is enforced
    assert api.get("/power-system-resources").status_code == 429

    redis_cache.start_server()
    settings.CDSC_RATE_LIMIT_ANONYMOUS = 100
    time.sleep(0.6)  # past the retry interval
    response = api.get("/power-system-resources")
    assert response.status_code == 200
    assert '"requests";r=99' in response["RateLimit"]  # counted in the (restarted, empty) Redis again
    assert not fresh_shared_cache.degraded
    assert rate_limit_keys(redis_cache)
