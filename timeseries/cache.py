"""A short-lived, per-process cache of the grid metadata every time-series request needs: the PSR and its series.

They change rarely (an admin edit, an import that creates a series); points are never cached. Any save or
delete of a PSR, a series or a catalogue entry in this process bumps a version that every key includes, so the
process sees its own changes at once; other processes' changes raise the data version (timeseries.versions), which
each time-series request checks first (`sync`), and at worst `TTL_SECONDS` pass. A plain dict, not Django's
cache framework: entries are used as they are, with no pickling on every request.

With read replicas, one process answers requests read from databases at different versions (a replica a little
behind the primary): each entry is kept under the data version its request read, and serves only requests that read
that same version, so an answer keyed on a newer version is never computed from a replica's older metadata.
"""

import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import transaction

TTL_SECONDS = 30
MAX_ENTRIES = 10_000

# (key, data version of the request that computed it) -> (expires, process version, value)
_entries: dict[tuple[str, int | None], tuple[float, int, Any]] = {}
_version = 0
_lock = threading.Lock()
# The data version the request this thread answers read (set by `sync`).
_answering = threading.local()


def _incr() -> None:
    global _version
    with _lock:
        _version += 1
        _entries.clear()


def bump(**_signal_kwargs: Any) -> None:
    """Invalidate every entry (a signal receiver: it takes and ignores the signal's arguments).

    Now, so this transaction reads its own change, and again after commit, so a request that cached the old
    rows while the transaction was open does not keep them.
    """
    _incr()
    transaction.on_commit(_incr)


_seen_data_version: int | None = None


def clear() -> None:
    global _seen_data_version
    _incr()
    _seen_data_version = None


def sync(data_version: int) -> None:
    """Invalidate every entry if the data version (timeseries.versions) moved since the last call: another process
    changed a PSR, a series or the catalogue. Called by each time-series request with the version it answers for, so
    its answer (which may be cached under that version) is never computed from older metadata."""
    global _seen_data_version
    _answering.version = data_version
    # Only a newer version drops what is kept: an older one is a replica behind, whose entries are kept apart.
    if _seen_data_version is None or data_version > _seen_data_version:
        _incr()
        _seen_data_version = data_version


def cached(key: str, compute: Callable[[], Any]) -> Any:
    """`compute()` once per version and TTL; a None result is not kept (unknown ids stay uncached)."""
    now = time.monotonic()
    kept_as = (key, getattr(_answering, "version", None))
    entry = _entries.get(kept_as)
    if entry is not None and entry[0] > now and entry[1] == _version:
        return entry[2]
    version = _version
    value = compute()
    if value is not None:
        with _lock:
            if len(_entries) >= MAX_ENTRIES:
                _entries.clear()
            _entries[kept_as] = (now + TTL_SECONDS, version, value)
    return value
