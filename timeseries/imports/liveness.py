"""Whether a running import job still has a live worker: a lock held for the whole run, released by death.

On PostgreSQL the lock is a session-level advisory lock on the job id: it is held by the worker's database
session and released by PostgreSQL when that session ends, however the worker died, on any host. On SQLite
(one machine by nature) it is an flock on a file per job, released by the kernel when the process goes.
No clocks and no heartbeats: a job is alive exactly as long as its worker's session or process is.
"""

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

# How long a worker whose connection was reset waits for its old session to let the job's lock go.
RELOCK_SECONDS = 30
# First key of the advisory locks, so they cannot collide with other users of two-key advisory locks.
LOCK_CLASS = 0x43445343  # "CDSC"


def _lock_file(job_id: int) -> Path:
    folder = Path(settings.CDSC_IMPORT_DIR) / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"job-{job_id}.lock"


def _try_lock(job_id: int):
    """Take the job's lock without waiting; returns a release function, or None if someone else holds it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_CLASS, job_id])
            if not cursor.fetchone()[0]:
                return None

        def release() -> None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, job_id])

        return release
    fd = os.open(_lock_file(job_id), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None

    def release() -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    return release


@contextmanager
def job_lock(job_id: int) -> Iterator[bool]:
    """Hold the job's liveness lock for the block; yields False (and holds nothing) if another worker has it."""
    release = _try_lock(job_id)
    try:
        yield release is not None
    finally:
        if release is not None:
            release()


def lock_again_if_lost(job_id: int) -> bool:
    """After an error that may have cut a query short (a time limit's signal inside psycopg leaves the connection in
    the middle of a command): whether this worker still holds the job's lock on a usable connection. An unusable or
    lost PostgreSQL connection is closed (its session's lock and temporary tables go with it) and the lock taken
    again on a new one; False if another worker took the job meanwhile. SQLite's file lock does not depend on it."""
    if connection.vendor != "postgresql" or (connection.connection is not None and connection.is_usable()):
        return True
    connection.close()
    # The old session lets the lock go when the server sees it gone, once the command it was running ends.
    deadline = time.monotonic() + RELOCK_SECONDS
    while _try_lock(job_id) is None:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True
