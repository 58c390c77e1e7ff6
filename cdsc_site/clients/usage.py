"""Per-key usage (request count, last use) counted in the cache and flushed to the database now and then, so a
request costs no database write: each request adds to a counter in the shared cache (Redis when REDIS_URL is set,
else this process's memory); at most once a minute a process moves the counters into the keys' rows, and so do
the admin's key pages (before they show the counts) and `manage.py flush_api_usage`."""

import logging
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime

from django.db import transaction
from django.db.models import F, Q

from cdsc_site.api.shared_cache import shared_cache

from .models import ApiKey
from .ratelimit import Counters

logger = logging.getLogger(__name__)

FLUSH_EVERY_SECONDS = 60
_COUNTS_KEPT_SECONDS = 7 * 24 * 3600
_LOCK_SECONDS = 30

_touched: set[str] = set()
_touched_lock = threading.Lock()
_last_flush = time.monotonic()


def _count_key(key_id: str) -> str:
    return f"clients:usage:{key_id}:count"


def _last_key(key_id: str) -> str:
    return f"clients:usage:{key_id}:last"


def usage_counters(key_id: str) -> Counters:
    """The cache changes that count one request of key `key_id` now (sent with the rate-limit counters, in the same
    round trip): +1 on its count, its last use set."""
    return {_count_key(key_id): (1, _COUNTS_KEPT_SECONDS)}, {_last_key(key_id): (time.time(), _COUNTS_KEPT_SECONDS)}


def usage_counted(key_id: str) -> None:
    """Note that a request of `key_id` was counted; flush this process's counters when a minute has passed."""
    with _touched_lock:
        _touched.add(key_id)
    if time.monotonic() - _last_flush >= FLUSH_EVERY_SECONDS:
        usage_flush(_take_touched())


def _take_touched() -> list[str]:
    global _last_flush
    with _touched_lock:
        taken = list(_touched)
        _touched.clear()
        _last_flush = time.monotonic()
    return taken


def usage_flush(key_ids: Iterable[str] | None = None) -> int:
    """Move the counted requests of `key_ids` (default: every key) from the cache into the keys' rows; returns how
    many requests were moved. One process at a time (a lock in the cache), so no count is moved twice."""
    cache = shared_cache()
    ids = list(ApiKey.objects.values_list("pk", flat=True)) if key_ids is None else list(key_ids)
    if not ids or not cache.add("clients:usage:flush-lock", 1, _LOCK_SECONDS):
        return 0
    moved = 0
    try:
        counts = cache.get_many([_count_key(i) for i in ids])
        lasts = cache.get_many([_last_key(i) for i in ids])
        with transaction.atomic():
            for key_id in ids:
                count = int(counts.get(_count_key(key_id)) or 0)
                last = lasts.get(_last_key(key_id))
                if not count and last is None:
                    continue
                used = datetime.fromtimestamp(float(last), UTC) if last is not None else None
                ApiKey.objects.filter(pk=key_id).update(request_count=F("request_count") + count)
                if used is not None:
                    ApiKey.objects.filter(Q(last_used__lt=used) | Q(last_used__isnull=True), pk=key_id).update(
                        last_used=used
                    )
                moved += count
        # Only once the rows hold them: requests counted meanwhile stay in the counters.
        for key_id in ids:
            count = int(counts.get(_count_key(key_id)) or 0)
            if count:
                cache.decr(_count_key(key_id), count)
    finally:
        cache.delete("clients:usage:flush-lock")
    return moved
