"""Import jobs on real `celery worker` processes through a real Redis: upload to API, killed workers, redelivery.

Transactional tests: the worker is another process and sees only committed rows (on SQLite the test database is a
file for that reason, cdsc_site/settings/test.py).
"""

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Sum
from django.test import Client

from psr.services import psr_upsert
from tests.factories import OperatorFactory
from tests.timeseries.imports.workers.workers import CeleryWorker, ThrowawayRedis, celery_broker, wait_until
from timeseries.imports.dispatch import IMPORTS_QUEUE, LARGE_IMPORTS_QUEUE
from timeseries.imports.pipelines.staging import StagingWriter
from timeseries.imports.services import (
    import_job_check_alive,
    import_job_create,
    import_job_enqueue,
    import_job_retry,
    import_job_run,
)
from timeseries.imports.tasks import run_import
from timeseries.models import ImportJob, Point, Series

pytestmark = pytest.mark.django_db(transaction=True)

Status = ImportJob.Status
QUARTER = timedelta(minutes=15)
T0 = datetime(2023, 1, 1, tzinfo=UTC)

# The large file: 15-minute demand of this many meters over this many days. Reading it takes the worker some
# seconds, and its one write transaction some more, so a test can kill the worker while it is in either.
METERS = 12
DAYS = 365
# A smaller file for the duplicate delivery: long enough that the second delivery arrives while the first runs.
DUPLICATE_METERS, DUPLICATE_DAYS = 4, 120


def _stamp(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def canonical_csv(path: Path, meters: list[str], days: int) -> tuple[int, float]:
    """A canonical CSV of 15-minute demand for each meter; returns its row count and the sum of its values."""
    stamps = [_stamp(T0 + i * QUARTER) for i in range(days * 96 + 1)]
    values = [(i % 97) / 4 for i in range(days * 96)]
    with path.open("w") as f:
        f.write("psr,quantity,start,end,value\n")
        for meter in meters:
            f.writelines(f"{meter},demand,{stamps[i]},{stamps[i + 1]},{v}\n" for i, v in enumerate(values))
    return len(meters) * len(values), len(meters) * sum(values)


def meter_ids(prefix: str, count: int) -> list[str]:
    return [f"US-WECC-CISO-{prefix}{i:03d}" for i in range(1, count + 1)]


def make_meters(ids: list[str]) -> None:
    for psr_id in ids:
        psr_upsert(id=psr_id, name=psr_id, topology_level="Meter (Generator or Load)", parent="US-WECC-CISO")


def points_of(ids: list[str]):
    return Point.objects.filter(series__psr__in=ids)


@pytest.fixture(scope="module")
def large_file(tmp_path_factory) -> tuple[Path, list[str], int, float]:
    """The large file (written once for the module), its meters, rows and sum of values."""
    ids = meter_ids("K", METERS)
    path = tmp_path_factory.mktemp("worker-imports") / "meters.csv"
    rows, total = canonical_csv(path, ids, DAYS)
    return path, ids, rows, total


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path) -> Path:
    """Uploads and the jobs' lock files in a folder of this test only (its workers are told the same)."""
    settings.CDSC_IMPORT_DIR = tmp_path / "imports"
    return settings.CDSC_IMPORT_DIR


@pytest.fixture
def broker() -> Iterator[str]:
    """A Redis of this test only, which this process sends its import jobs to."""
    server = ThrowawayRedis()
    try:
        with celery_broker(server.url):
            yield server.url
    finally:
        server.stop()


@pytest.fixture
def start_worker(broker, import_dir, tmp_path) -> Iterator[Callable[..., CeleryWorker]]:
    """Starts `celery worker` processes on the test's broker (keywords: environment variables of the worker);
    whatever is left of them is stopped at the end."""
    workers: list[CeleryWorker] = []

    def start(queues: str | None = None, **env: str) -> CeleryWorker:
        worker = CeleryWorker(broker, tmp_path, queues, **env)
        workers.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in workers:
        worker.kill()  # at the test's end: a warm shutdown would take some 2 s more


def task_results(broker: str) -> list[tuple[str, str | None]]:
    """The state of every task result in the broker's Redis, with the exception's type for a failure."""
    with redis.Redis.from_url(broker) as client:
        metas = [json.loads(client.get(key)) for key in client.scan_iter("celery-task-meta-*")]
    return [(m["status"], (m["result"] or {}).get("exc_type") if m["status"] == "FAILURE" else None) for m in metas]


def job_of(job: ImportJob) -> ImportJob:
    return ImportJob.objects.get(pk=job.pk)


def wait_for_job(job: ImportJob, condition: Callable[[ImportJob], bool], *, timeout: float, what: str) -> ImportJob:
    def check() -> ImportJob | None:
        current = job_of(job)
        return current if condition(current) else None

    return wait_until(check, timeout=timeout, what=what)


def wait_finished(job: ImportJob, worker: CeleryWorker, *, timeout: float = 180) -> ImportJob:
    def finished(j: ImportJob) -> bool:
        assert worker.process.poll() is None, f"the worker died:\n{worker.log()}"
        return j.finished

    job = wait_for_job(job, finished, timeout=timeout, what="the job to finish")
    assert job.status == Status.SUCCEEDED, f"{job.status}: {job.message}\n{worker.log()}"
    return job


def assert_every_point_once(job: ImportJob, ids: list[str], rows: int, total: float) -> None:
    assert (job.rows_read, job.rows_inserted, job.rows_updated, job.rows_rejected) == (rows, rows, 0, 0)
    points = points_of(ids)
    assert points.count() == rows
    assert points.aggregate(total=Sum("value"))["total"] == pytest.approx(total)
    # One series per meter, each with every interval: none missing, none twice.
    per_series = {s.psr_id: s.points.count() for s in Series.objects.filter(psr__in=ids)}
    assert per_series == {psr_id: rows // len(ids) for psr_id in ids}


def test_uploaded_file_is_queued_run_by_the_worker_and_served_by_the_api(grid, broker, start_worker):
    importer = OperatorFactory(username="importer")
    client = Client()
    client.force_login(importer)
    lines = ["psr,quantity,start,end,value"] + [
        f"US-WECC-CISO,demand,{_stamp(T0 + h * timedelta(hours=1))},{_stamp(T0 + (h + 1) * timedelta(hours=1))},"
        f"{1000 + h}"
        for h in range(24)
    ]
    upload = SimpleUploadedFile("demand.csv", ("\n".join(lines) + "\n").encode(), "text/csv")

    response = client.post("/imports/new", {"format": "auto", "mode": "strict", "file": upload})

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}"
    # No worker yet: the job waits in the broker's queue.
    assert job.status == Status.QUEUED
    with redis.Redis.from_url(broker) as client_of_redis:
        assert client_of_redis.llen(IMPORTS_QUEUE) == 1

    worker = start_worker()
    state = wait_until(
        lambda: (s := client.get(f"/imports/{job.pk}/status").json())["finished"] and s,
        timeout=60,
        what="the job page to say the job finished",
    )
    assert (state["status"], state["counts"]["inserted"]) == ("succeeded", 24), state["message"]
    # It ran in the worker's pool process, not here.
    assert job_of(job).worker.endswith(f" pid {worker.pool_pids()[0]}")

    response = client.get(
        "/power-system-resources/US-WECC-CISO/timeseries/demand",
        {"startDatetime": "2023-01-01T00:00:00Z", "endDatetime": "2023-01-02T00:00:00Z"},
    )
    assert response.status_code == 200, response.content
    items = response.json()["demand"]
    assert [i["value"] for i in items] == [1000 + h for h in range(24)]
    assert (items[0]["startDatetime"], items[-1]["endDatetime"]) == ("2023-01-01T00:00:00Z", "2023-01-02T00:00:00Z")


def test_worker_killed_in_the_write_transaction_leaves_no_points_and_the_job_failed_and_a_retry_imports_all_once(
    grid, start_worker, large_file
):
    path, ids, rows, total = large_file
    make_meters(ids)
    job = import_job_create(source_path=str(path))
    import_job_enqueue(job=job)
    worker = start_worker()

    # "checking" is set just before the job's one write transaction begins; it lasts until the commit.
    running = wait_for_job(
        job,
        lambda j: j.status == Status.RUNNING and j.rows_read == rows and j.stage == "checking",
        timeout=120,
        what="the job to be in its write transaction",
    )
    worker.kill()

    assert points_of(ids).count() == 0
    assert not Series.objects.filter(psr__in=ids).exists()
    # Nobody is left to report the death: the job page's check finds the worker's lock free (PostgreSQL frees it
    # when it notices the dead session, which may take a moment).
    failed = wait_until(
        lambda: (j := import_job_check_alive(job=job_of(job))).status == Status.FAILED and j,
        timeout=30,
        what="the job to be found dead",
    )
    assert running.worker in failed.message and "Nothing from this file was written" in failed.message

    worker = start_worker()
    import_job_retry(job=failed)
    done = wait_finished(job, worker)
    assert done.attempts == 2
    assert_every_point_once(done, ids, rows, total)


def test_pool_process_killed_while_reading_fails_the_job_at_once_and_the_worker_runs_the_retry(
    grid, broker, start_worker, large_file
):
    path, ids, rows, total = large_file
    make_meters(ids)
    job = import_job_create(source_path=str(path))
    import_job_enqueue(job=job)
    worker = start_worker()

    wait_for_job(job, lambda j: j.status == Status.RUNNING and 0 < j.rows_read < rows, timeout=60, what="reading")
    # As the out-of-memory killer would: the worker's main process lives on and reports the lost job itself.
    killed = worker.kill_pool()

    failed = wait_for_job(job, lambda j: j.status != Status.RUNNING, timeout=30, what="the worker to fail the job")
    assert failed.status == Status.FAILED, failed.message
    assert f"pid {killed[0]}" in failed.message
    assert points_of(ids).count() == 0
    # The task is recorded failed, not put back in the queue to kill the next worker process too.
    assert worker.process.poll() is None
    assert task_results(broker) == [("FAILURE", "WorkerLostError")]

    import_job_retry(job=failed)
    done = wait_finished(job, worker)
    assert done.attempts == 2
    assert_every_point_once(done, ids, rows, total)


def test_job_delivered_twice_at_once_runs_once(grid, start_worker, tmp_path):
    ids = meter_ids("D", DUPLICATE_METERS)
    make_meters(ids)
    rows, total = canonical_csv(tmp_path / "meters.csv", ids, DUPLICATE_DAYS)
    job = import_job_create(source_path=str(tmp_path / "meters.csv"))
    first, second = start_worker(), start_worker()

    # As Redis does when a message outlives its visibility timeout: the same job, a second time, to another worker.
    results = [run_import.apply_async(args=[job.pk], ignore_result=False) for _ in range(2)]
    statuses = sorted(r.get(timeout=120) for r in results)

    # One delivery ran the job; the other found it claimed and returned at once, before it ended.
    assert statuses.count("succeeded") == 1, (statuses, first.log(), second.log())
    done = job_of(job)
    assert (done.status, done.attempts) == (Status.SUCCEEDED, 1)
    assert_every_point_once(done, ids, rows, total)


def test_job_past_its_soft_time_limit_fails_with_a_message_and_writes_nothing(grid, start_worker, large_file):
    path, ids, _, _ = large_file
    make_meters(ids)
    worker = start_worker()
    job = import_job_create(source_path=str(path))
    # The limits travel in the message, from the sender's settings (CDSC_IMPORT_TIME_LIMIT): here a soft limit of
    # 2 s, well before the worker could read the whole file. The hard limit leaves the soft one's clean-up (rolling
    # back what the job had written) room to finish on a machine the two suites load.
    run_import.apply_async(args=[job.pk], soft_time_limit=2, time_limit=120)

    try:
        failed = wait_for_job(job, lambda j: j.finished, timeout=180, what="the job to end")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{worker.log()}") from None
    assert failed.status == Status.FAILED
    assert re.search(r"time ?limit", failed.message, re.IGNORECASE), failed.message
    assert points_of(ids).count() == 0
    # A clean failure inside the job: the pool process was not killed for the hard limit.
    assert "Hard time limit" not in worker.log() and "exited with" not in worker.log(), worker.log()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite takes one writer at a time: a short import waits for a long one's commit there by design",
)
def test_a_long_import_on_the_large_queue_does_not_hold_up_a_short_one_on_the_other(
    grid, start_worker, large_file, tmp_path, settings
):
    path, ids, rows, total = large_file
    make_meters(ids)
    small_ids = meter_ids("S", 2)
    make_meters(small_ids)
    small_rows, small_total = canonical_csv(tmp_path / "small.csv", small_ids, 2)
    settings.CDSC_IMPORT_LARGE_BYTES = 1024**2  # the large file is some 30 MB, the small one 40 kB
    large_worker = start_worker(queues=LARGE_IMPORTS_QUEUE)
    small_worker = start_worker(queues=IMPORTS_QUEUE)

    long_job = import_job_create(source_path=str(path))
    import_job_enqueue(job=long_job)
    # "checking": the long job is in its one write transaction, its series locked, until it commits.
    wait_for_job(long_job, lambda j: j.stage == "checking", timeout=120, what="the long job to start writing")
    short_job = import_job_create(source_path=str(tmp_path / "small.csv"))
    import_job_enqueue(job=short_job)

    short_done = wait_finished(short_job, small_worker, timeout=120)
    long_done = wait_finished(long_job, large_worker, timeout=300)
    assert short_done.finished_at < long_done.finished_at, (short_done.finished_at, long_done.finished_at)
    assert short_done.worker.endswith(f" pid {small_worker.pool_pids()[0]}")
    assert long_done.worker.endswith(f" pid {large_worker.pool_pids()[0]}")
    assert_every_point_once(short_done, small_ids, small_rows, small_total)
    assert_every_point_once(long_done, ids, rows, total)


def test_a_time_limit_that_cuts_a_command_short_still_ends_the_job_failed_with_nothing_written(
    grid, tmp_path, monkeypatch
):
    # Celery's soft limit is a signal: on PostgreSQL it can land inside psycopg while a COPY is being sent, leaving
    # the connection in the middle of a command ("another command is already in progress"). The job must still be
    # recorded failed for its time limit (a worker in CI once left it running for ever), on a connection reset for
    # it, with the job's lock taken again and no point written.
    def cut_short(self, batch) -> None:
        if connection.vendor == "postgresql":
            connection.ensure_connection()
            connection.connection.pgconn.send_query(b"SELECT pg_sleep(0.2)")  # sent, its answer never read
        raise SoftTimeLimitExceeded

    monkeypatch.setattr(StagingWriter, "stage", cut_short)
    path = tmp_path / "demand.csv"
    path.write_text(
        "psr,quantity,start,end,value\n"
        + "".join(f"US-WECC-CISO,demand,2023-06-01T{h:02}:00:00Z,2023-06-01T{h + 1:02}:00:00Z,{h}\n" for h in range(23))
    )
    before = Point.objects.count()
    job = import_job_run(job_id=import_job_create(source_path=str(path)).pk)
    assert (job.status, job.finished_at is not None) == ("failed", True)
    assert "ran past its time limit" in job.message
    stored = ImportJob.objects.get(pk=job.pk)
    assert stored.status == "failed" and "ran past its time limit" in stored.message
    assert Point.objects.count() == before
