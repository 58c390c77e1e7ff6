"""Whether a running import job still has a live worker: a lock held for the whole run, released by death.

On PostgreSQL the lock is a session-level advisory lock on the job id: it is held by the worker's database
session and released by PostgreSQL when that session ends, however the worker died, on any host. On SQLite
(one machine by nature) it is an flock on a file per job, released by the kernel when the process goes.
No clocks and no heartbeats: a job is alive exactly as long as its worker's session or process is.
"""

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

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
