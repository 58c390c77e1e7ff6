"""Rendered API responses kept by key, for views whose answer depends only on the request and a data version.

In Redis when the default cache is Redis (every web process and machine serves what one of them computed; while
Redis does not answer, nothing is kept); else in this process, within a budget of bytes (least recently used first
out). An entry
larger than CDSC_RESPONSE_CACHE_MAX_ENTRY_BYTES is not kept. The caller puts the data version in the key, so an
entry is never stale: a change to the data makes new keys, and old entries age out.
"""

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from .shared_cache import shared_cache


@dataclass(frozen=True)
class CachedResponse:
    content: bytes
    content_type: str
    headers: dict[str, str]
    charge: int  # values to charge the caller's points budget, as the computed answer would


def response_key(*parts: object) -> str:
    """A cache key (also usable as an ETag) for these parts: a SHA-256 of their text."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


class _LocalResponses:
    """A byte-bounded LRU of this process's responses."""

    def __init__(self) -> None:
        self._entries: OrderedDict[str, CachedResponse] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> CachedResponse | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def set(self, key: str, entry: CachedResponse, budget: int) -> None:
        size = len(entry.content)
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.content)
            while self._entries and self._bytes + size > budget:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.content)
            if size <= budget:
                self._entries[key] = entry
                self._bytes += size

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


_local = _LocalResponses()
_KEY_PREFIX = "cdsc:response:"


def _shared() -> bool:
    return isinstance(caches["default"], RedisCache)


def cached_response(key: str) -> CachedResponse | None:
    if not settings.CDSC_RESPONSE_CACHE:
        return None
    if _shared():
        return shared_cache().shared_only(lambda cache: cache.get(_KEY_PREFIX + key), default=None)
    return _local.get(key)


def keep_response(key: str, entry: CachedResponse) -> None:
    if not settings.CDSC_RESPONSE_CACHE or len(entry.content) > settings.CDSC_RESPONSE_CACHE_MAX_ENTRY_BYTES:
        return
    if _shared():
        timeout = settings.CDSC_RESPONSE_CACHE_SECONDS
        shared_cache().shared_only(lambda cache: cache.set(_KEY_PREFIX + key, entry, timeout), default=None)
    else:
        _local.set(key, entry, settings.CDSC_RESPONSE_CACHE_LOCAL_BYTES)


def clear_local_responses() -> None:
    """Empty this process's responses (tests; the shared ones age out)."""
    _local.clear()
