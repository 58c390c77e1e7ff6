"""The version of the published data: one counter that every transaction changing what the time-series answers
read raises, inside that transaction.

Raised in the writing transaction, it becomes visible exactly when the change does (a reader never sees the new
version with the old data, nor the reverse), on SQLite and PostgreSQL alike, across every process and machine. The
row stays locked until the transaction ends, so a long transaction (an import) raises it at its end, just before
it commits (`raised_at_end`): a long import does not make a short one wait. Everything derived from the data is
keyed on it: the cached responses and their ETags (timeseries.api.views), and each process's metadata cache
(timeseries.cache).
"""

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.models import F
from django.utils import timezone

from .models import DataVersion

ROW = 1
CHANNEL = "cdsc_data_version"  # PostgreSQL's NOTIFY channel of the version's rises, with the new version
APPLICATION_NAME = "cdsc-data-version"  # the listening sessions, as pg_stat_activity shows them
_state = threading.local()
logger = logging.getLogger(__name__)


def data_version() -> int:
    """The version the database this request reads sees. Read through the router, from the same database as the data
    it keys (a read replica for an API read): a version read from the primary could key a lagging replica's older
    answer under a newer version. On the primary (PostgreSQL, `CDSC_FOLLOW_DATA_VERSION`), this process's copy kept
    by LISTEN/NOTIFY while it can be trusted; else one query on a one-row table."""
    alias = router.db_for_read(DataVersion)
    connection = connections[alias]
    if settings.CDSC_FOLLOW_DATA_VERSION and alias == DEFAULT_DB_ALIAS and connection.vendor == "postgresql":
        followed = _follower.current()
        if followed is not None:
            return followed
    table = connection.ops.quote_name(DataVersion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {table} WHERE id = %s", [ROW])
        row = cursor.fetchone()
    return row[0] if row else 0


def data_changed(**_signal_kwargs: Any) -> None:
    """Raise the version in the current transaction, or at the end of the enclosing `raised_at_end` block (a signal
    receiver too: it takes and ignores the signal's arguments)."""
    if getattr(_state, "depth", 0):
        _state.pending = True
        return
    _raise()


@contextmanager
def raised_at_end() -> Iterator[None]:
    """Inside a long transaction: changes only note that the version must rise, and it rises once, when the block
    ends without an error (still inside the transaction: put the block inside the `atomic`)."""
    _state.depth = getattr(_state, "depth", 0) + 1
    completed = False
    try:
        yield
        completed = True
    finally:
        _state.depth -= 1
        if not _state.depth and getattr(_state, "pending", False):
            _state.pending = False
            # A failed block, or a dry run rolled back whole, changed nothing.
            if completed and not (transaction.get_connection().in_atomic_block and transaction.get_rollback()):
                _raise()


def _raise() -> None:
    if not DataVersion.objects.filter(pk=ROW).update(version=F("version") + 1, changed_at=timezone.now()):
        DataVersion.objects.update_or_create(pk=ROW, defaults={"version": 1, "changed_at": timezone.now()})
    connection = transaction.get_connection()  # the primary's, where the version was just raised
    if connection.vendor == "postgresql":
        # Delivered to every listening process when (and only if) this transaction commits.
        table = connection.ops.quote_name(DataVersion._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT pg_notify(%s, version::text), version FROM {table} WHERE id = %s", [CHANNEL, ROW])
            version = cursor.fetchone()[1]
        # This process reads its own write at once, without waiting for the notification to come back.
        transaction.on_commit(lambda: _follower.saw(version))


class _Follower:
    """This process's copy of the version, kept by a thread that LISTENs on the primary: a rise is known here within
    milliseconds of its commit, and a request (or a 304) reads the version with no query.

    The thread listens first, then reads the version, so no rise is missed; it reads it again at least every
    `REFRESH` seconds, which also proves the connection alive. A copy older than `TRUST` seconds is not used (the
    callers query), nor is any while the thread reconnects after an error. Started on first use in each process
    (gunicorn forks its workers), never in one that does not read the version.
    """

    REFRESH = 1.0
    TRUST = 3.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid = 0
        self._version: int | None = None
        self._checked = 0.0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def current(self) -> int | None:
        if self._pid != os.getpid():
            self._start()
        if self._version is None or time.monotonic() - self._checked > self.TRUST:
            return None
        return self._version

    def saw(self, version: int) -> None:
        """A version known to be committed: never go back below it."""
        with self._lock:
            if self._version is not None and version > self._version:
                self._version = version

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid, self._version = os.getpid(), None
            params = connections["default"].get_connection_params()
        kept = ("dbname", "user", "password", "host", "port", "connect_timeout", "options", "sslmode")
        conninfo = {key: value for key, value in params.items() if key in kept}
        conninfo["application_name"] = APPLICATION_NAME
        self._thread = threading.Thread(target=self._follow, args=(conninfo,), name="data-version", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """End the thread (within REFRESH seconds) and close its connection: for tests, whose database is dropped."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()

    def _follow(self, conninfo: dict) -> None:
        pause = 0.5
        while not self._stopping.is_set():
            try:
                with psycopg.connect(**conninfo, autocommit=True) as listening:
                    listening.execute(f"LISTEN {CHANNEL}")
                    while not self._stopping.is_set():
                        row = listening.execute(
                            f"SELECT version FROM {DataVersion._meta.db_table} WHERE id = 1"
                        ).fetchone()
                        self._set(row[0] if row else 0)
                        pause = 0.5
                        for notice in listening.notifies(timeout=self.REFRESH):
                            self.saw(int(notice.payload))
            except Exception as exc:  # a thread that ends would leave the process querying for good: keep trying
                logger.warning("Following the data version failed (%s); reading it per request until it works.", exc)
            with self._lock:
                self._version = None
            self._stopping.wait(pause)
            pause = min(pause * 2, 30.0)

    def _set(self, version: int) -> None:
        # What the database holds is the truth, also below the copy (a restored backup's version names its data).
        with self._lock:
            self._version = version
            self._checked = time.monotonic()


_follower = _Follower()
