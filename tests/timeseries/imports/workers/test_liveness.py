"""Liveness of import jobs across database sessions: a job whose worker holds its lock is left running.

Its own module: it commits (transaction=True), which the module-scoped demo grid of the other modules forbids.
"""

from contextlib import contextmanager

import pytest
from django.db import connection, connections

from timeseries.imports.liveness import LOCK_CLASS, job_lock
from timeseries.imports.services import import_job_check_alive, import_job_create, import_job_run
from timeseries.models import ImportJob


def _queued(tmp_path) -> ImportJob:
    path = tmp_path / "q.csv"
    path.write_text("psr,quantity,start,end,value\nUS-WECC-CISO,demand,2023-01-01T00:00:00Z,2023-01-01T01:00:00Z,5\n")
    return import_job_create(source_path=str(path))


@contextmanager
def _worker_holding(job_id: int):
    """Another worker holding the job's liveness lock: another database session on PostgreSQL (advisory locks
    are re-entrant within one session), another open file on SQLite."""
    if connection.vendor != "postgresql":
        with job_lock(job_id) as held:
            assert held
            yield
        return
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_CLASS, job_id])
        yield
        # Released by the worker before it goes: closing the session alone frees the lock only once the server
        # has ended that backend, a moment later.
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, job_id])
    finally:
        other.close()


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_worker_holds_its_lock_is_left_running(grid, tmp_path):
    job = _queued(tmp_path)
    ImportJob.objects.filter(pk=job.pk).update(status="running")
    job.refresh_from_db()
    with _worker_holding(job.pk):
        assert import_job_check_alive(job=job).status == "running"
        assert import_job_run(job_id=job.pk).status == "running"  # a second delivery leaves it to its worker
    assert import_job_check_alive(job=job).status == "failed"
