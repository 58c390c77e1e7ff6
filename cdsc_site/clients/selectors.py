"""Reads of API clients: the key a request presents, checked against its hash, its expiry and its client."""

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from .models import ApiKey

# A key's record is kept this many seconds per process: a request costs no query for its key. A change made in the
# admin reaches this process at once (signals.py clears the records) and every other process within this time.
KEY_CACHE_SECONDS = 10
# The library's keys are "<8-character prefix>.<32-character secret>"; anything much longer is not one of them.
MAX_KEY_LENGTH = 100


@dataclass(frozen=True)
class KeyRecord:
    """What a request needs of its key: who it is, whether it may be used, the client's own limits."""

    id: str
    prefix: str
    hashed_key: str
    client_id: int
    organisation: str
    client_active: bool
    revoked: bool
    expires: datetime | None
    requests_per_minute: int | None
    points_per_minute: int | None


class KeyRefused(Exception):
    """The key presented cannot be used; the message says why, for the 401 answer."""


_records: dict[str, tuple[float, KeyRecord]] = {}
_lock = threading.Lock()


def forget_keys() -> None:
    """Drop every kept key record (a key or a client changed)."""
    with _lock:
        _records.clear()


def _record(prefix: str) -> KeyRecord | None:
    now = time.monotonic()
    kept = _records.get(prefix)
    if kept is not None and kept[0] > now:
        return kept[1]
    key = ApiKey.objects.select_related("client").filter(prefix=prefix).first()
    if key is None:
        return None  # unknown prefixes are not kept: anyone can send as many as they like
    record = KeyRecord(
        id=key.pk,
        prefix=key.prefix,
        hashed_key=key.hashed_key,
        client_id=key.client_id,
        organisation=key.client.organisation,
        client_active=key.client.is_active,
        revoked=key.revoked,
        expires=key.expiry_date,
        requests_per_minute=key.client.requests_per_minute,
        points_per_minute=key.client.points_per_minute,
    )
    with _lock:
        _records[prefix] = (now + KEY_CACHE_SECONDS, record)
    return record


def api_key_check(raw: str) -> KeyRecord:
    """The record of the key `raw` when it may be used now; else KeyRefused saying why (unknown, revoked,
    expired, client inactive). The secret is compared with the stored hash in constant time."""
    raw = raw.strip()
    prefix, dot, secret = raw.partition(".")
    if not dot or not prefix or not secret or len(raw) > MAX_KEY_LENGTH or not raw.isascii():
        raise KeyRefused("The API key is malformed: keys look like 'AbCd1234.<32 characters>'.")
    record = _record(prefix)
    if record is None or not ApiKey.objects.key_generator.verify(raw, record.hashed_key):
        raise KeyRefused("The API key is not valid.")
    if record.revoked:
        raise KeyRefused(f"The API key {record.prefix} has been revoked.")
    if record.expires is not None and record.expires <= timezone.now():
        raise KeyRefused(f"The API key {record.prefix} expired on {record.expires.isoformat()}.")
    if not record.client_active:
        raise KeyRefused(f"The API client of key {record.prefix} is not active.")
    return record
