"""The version of the published data: one counter that every transaction changing what the time-series answers
read raises, inside that transaction.

Raised in the writing transaction, it becomes visible exactly when the change does (a reader never sees the new
version with the old data, nor the reverse), on SQLite and PostgreSQL alike, across every process and machine. The
row stays locked until the transaction ends, so a long transaction (an import) raises it at its end, just before
it commits (`raised_at_end`): a long import does not make a short one wait. Everything derived from the data is
keyed on it: the cached responses and their ETags (timeseries.api.views), and each process's metadata cache
(timeseries.cache).
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections, router, transaction
from django.db.models import F
from django.utils import timezone

from .models import DataVersion

ROW = 1
_state = threading.local()


def data_version() -> int:
    """The version the database this request reads sees (one query on a one-row table). Read through the router, from
    the same database as the data it keys (a read replica for an API read): a version read from the primary could
    key a lagging replica's older answer under a newer version."""
    connection = connections[router.db_for_read(DataVersion)]
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
