"""A short-lived cache of the grid metadata every time-series request needs: the PSR and its series.

They change rarely (an admin edit, an import that creates a series); points are never cached. Any save or
delete of a PSR, a series or a catalogue entry bumps a version that every key includes, so this process sees
its own changes at once; other processes (with the default per-process cache) within `TTL_SECONDS`.
"""

from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "timeseries:metadata-version"
TTL_SECONDS = 30


def _version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return version


def _incr() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 1, timeout=None)


def bump(**_signal_kwargs: Any) -> None:
    """Invalidate every cached entry (a signal receiver: it takes and ignores the signal's arguments).

    Now, so this transaction reads its own change, and again after commit, so a request that cached the old
    rows while the transaction was open does not keep them.
    """
    _incr()
    transaction.on_commit(_incr)


def cached(key: str, compute: Callable[[], Any]) -> Any:
    """`compute()` once per metadata version and TTL; a None result is not kept (unknown ids stay uncached)."""
    full_key = f"timeseries:{_version()}:{key}"
    value = cache.get(full_key)
    if value is None:
        value = compute()
        if value is not None:
            cache.set(full_key, value, TTL_SECONDS)
    return value
