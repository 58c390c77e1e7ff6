"""The cache shared by the web processes (rate limits, usage counts): Django's default cache, Redis in production,
with a per-process stand-in while Redis does not answer, so that reads keep being served when Redis is down."""

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

try:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    CONNECTION_ERRORS: tuple[type[BaseException], ...] = (RedisConnectionError, RedisTimeoutError, OSError)
except ImportError:  # no redis package: no Redis cache either
    CONNECTION_ERRORS = (OSError,)

logger = logging.getLogger(__name__)

# While Redis is down it is tried again at most this often, so a dead Redis costs one connect timeout
# (CDSC_REDIS_TIMEOUT) every few seconds per process, not one per request.
RETRY_SECONDS = 5.0
# Entries the per-process stand-in keeps (oldest dropped first): it only has to last an outage.
LOCAL_MAX_ENTRIES = 10_000


class SharedCache:
    """Django's cache API, forwarded to `caches[alias]`; while that raises connection errors, answered from a
    LocMemCache of this process. Counters and limits are then per process (a client may get up to N times its
    limit across N processes) until Redis answers again; what was written meanwhile stays local and is not merged."""

    def __init__(self, alias: str = "default", *, retry_seconds: float = RETRY_SECONDS) -> None:
        self.alias = alias
        self.retry_seconds = retry_seconds
        self.local = LocMemCache(f"cdsc-shared-cache-fallback-{alias}", {"OPTIONS": {"MAX_ENTRIES": LOCAL_MAX_ENTRIES}})
        self._lock = threading.Lock()
        self._degraded = False
        self._retry_at = 0.0

    @property
    def degraded(self) -> bool:
        """Whether the last attempt found the shared cache unreachable (answers are per process)."""
        return self._degraded

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return self._apply(lambda cache: getattr(cache, method)(*args, **kwargs))

    def _apply(self, operation: Callable[[BaseCache], Any]) -> Any:
        if not self._degraded or time.monotonic() >= self._retry_at:
            try:
                result = operation(caches[self.alias])
            except CONNECTION_ERRORS as exc:
                self._degrade(exc)
            else:
                if self._degraded:
                    self._recover()
                return result
        return operation(self.local)

    def shared_only(self, operation: Callable[[BaseCache], Any], *, default: Any = None) -> Any:
        """`operation` on the shared cache, or `default` while it does not answer: never this process's stand-in, for
        entries that are only worth having shared (a cached response computed here is as quick to compute again)."""
        if self._degraded and time.monotonic() < self._retry_at:
            return default
        try:
            result = operation(caches[self.alias])
        except CONNECTION_ERRORS as exc:
            self._degrade(exc)
            return default
        if self._degraded:
            self._recover()
        return result

    def counters(
        self, increments: dict[str, tuple[int, int]], sets: dict[str, tuple[Any, int]] | None = None
    ) -> dict[str, int]:
        """Add to each counter (`key: (amount, timeout)`: created at 0, expiring `timeout` seconds after its creation;
        an amount of 0 reads it) and set each of `sets` (`key: (value, timeout)`); the counters' new values. On Redis
        this is one round trip (a pipeline) however many keys: a request's rate limits and usage cost one."""
        return self._apply(lambda cache: _counters(cache, increments, sets or {}))

    def _degrade(self, exc: BaseException) -> None:
        with self._lock:
            self._retry_at = time.monotonic() + self.retry_seconds
            if self._degraded:
                return
            self._degraded = True
        logger.warning(
            "The shared cache (%s) does not answer (%s: %s): using a cache of this process instead; rate limits and "
            "usage counts are now per process until it answers again (tried every %g s).",
            self.alias,
            type(exc).__name__,
            (str(exc).strip().splitlines() or [""])[0][:200],
            self.retry_seconds,
        )

    def _recover(self) -> None:
        with self._lock:
            if not self._degraded:
                return
            self._degraded = False
        logger.info("The shared cache (%s) answers again: rate limits and usage counts are shared again.", self.alias)

    # Django's cache API (django.core.cache.backends.base.BaseCache), method by method.

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        return self._call("get", key, default, version=version)

    def get_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        return self._call("get_many", list(keys), version=version)

    def set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        return self._call("set", key, value, timeout, version=version)

    def set_many(self, data: dict[str, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list:
        return self._call("set_many", data, timeout, version=version)

    def add(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._call("add", key, value, timeout, version=version)

    def get_or_set(
        self, key: str, default: Any | Callable[[], Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> Any:
        return self._call("get_or_set", key, default, timeout, version=version)

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        return self._call("incr", key, delta, version=version)

    def decr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        return self._call("decr", key, delta, version=version)

    def touch(self, key: str, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._call("touch", key, timeout, version=version)

    def has_key(self, key: str, version: int | None = None) -> bool:
        return self._call("has_key", key, version=version)

    def delete(self, key: str, version: int | None = None) -> bool:
        return self._call("delete", key, version=version)

    def delete_many(self, keys: Iterable[str], version: int | None = None) -> None:
        return self._call("delete_many", list(keys), version=version)


def _redis_client(cache: RedisCache) -> Any:
    """The redis-py client of a Django Redis cache, made once: Django makes a new one on every call (0.2 ms)."""
    client = getattr(cache._cache, "_cdsc_client", None)
    if client is None:
        client = cache._cache._cdsc_client = cache._cache.get_client(write=True)
    return client


def _counters(
    cache: BaseCache, increments: dict[str, tuple[int, int]], sets: dict[str, tuple[Any, int]]
) -> dict[str, int]:
    if isinstance(cache, RedisCache):
        pipeline = _redis_client(cache).pipeline(transaction=False)
        for key, (amount, timeout) in increments.items():
            name = cache.make_and_validate_key(key)
            pipeline.set(name, 0, ex=timeout, nx=True)  # SET NX EX, then INCRBY keeps that expiry
            pipeline.incrby(name, amount)
        for key, (value, timeout) in sets.items():
            pipeline.set(cache.make_and_validate_key(key), cache._cache._serializer.dumps(value), ex=timeout)
        results = pipeline.execute()
        return {key: int(results[2 * i + 1]) for i, key in enumerate(increments)}
    values = {}
    for key, (amount, timeout) in increments.items():
        if cache.add(key, amount, timeout):
            values[key] = amount
            continue
        try:
            values[key] = cache.incr(key, amount)
        except ValueError:  # expired between the two calls
            cache.add(key, amount, timeout)
            values[key] = amount
    for key, (value, timeout) in sets.items():
        cache.set(key, value, timeout)
    return values


_shared: SharedCache | None = None
_shared_lock = threading.Lock()


def shared_cache() -> SharedCache:
    """This process's SharedCache of the default cache (one per process, so its outage state is shared by threads)."""
    global _shared
    if _shared is None:
        with _shared_lock:
            if _shared is None:
                _shared = SharedCache()
    return _shared
