"""Redis going away under the import side, with a real Redis and a real `celery worker`: an upload while Redis is
down (or hung) answers in words within seconds and keeps the job, which runs once Redis is back; a job queued in a
Redis that restarts survives with Redis's persistence (appendonly) and is left queued without it.

Transactional tests: the worker is another process and sees only committed rows.
"""

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.factories import OperatorFactory
from tests.timeseries.imports.workers.workers import CeleryWorker, ThrowawayRedis, celery_broker, wait_until
from timeseries.imports.dispatch import IMPORTS_QUEUE
from timeseries.models import ImportJob

pytestmark = pytest.mark.django_db(transaction=True)

# The longest an upload may take when Redis does not answer: connect and socket timeouts (CDSC_REDIS_TIMEOUT, 2 s)
# times the publish attempts, and the upload's own work.
UPLOAD_BOUND_SECONDS = 15
T0 = datetime(2023, 1, 1, tzinfo=UTC)


def day_of_demand() -> bytes:
    stamp = lambda h: (T0 + timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    lines = ["psr,quantity,start,end,value"] + [
        f"US-WECC-CISO,demand,{stamp(h)},{stamp(h + 1)},{1000 + h}" for h in range(24)
    ]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path) -> Path:
    settings.CDSC_IMPORT_DIR = tmp_path / "imports"
    return settings.CDSC_IMPORT_DIR


@pytest.fixture
def operator(grid) -> Client:
    client = Client()
    client.force_login(OperatorFactory(username="importer"))
    return client


@pytest.fixture
def workers(tmp_path) -> Iterator[list[CeleryWorker]]:
    started: list[CeleryWorker] = []
    yield started
    for worker in started:
        worker.kill()  # at the test's end: a warm shutdown would take some 2 s more


def start_worker(workers: list[CeleryWorker], server: ThrowawayRedis, tmp_path: Path) -> CeleryWorker:
    worker = CeleryWorker(server.url, tmp_path)
    workers.append(worker)
    worker.wait_ready()
    return worker


def upload(client: Client):
    started = time.monotonic()
    file = SimpleUploadedFile("demand.csv", day_of_demand(), "text/csv")
    response = client.post("/imports/new", {"format": "auto", "mode": "strict", "file": file})
    return response, time.monotonic() - started


def wait_succeeded(job: ImportJob, worker: CeleryWorker) -> ImportJob:
    def finished() -> ImportJob | None:
        assert worker.process.poll() is None, f"the worker died:\n{worker.log()}"
        current = ImportJob.objects.get(pk=job.pk)
        return current if current.finished else None

    job = wait_until(finished, timeout=60, what="the job to finish")
    assert job.status == ImportJob.Status.SUCCEEDED, f"{job.status}: {job.message}\n{worker.log()}"
    return job


def demand_values(client: Client) -> list[float]:
    response = client.get(
        "/power-system-resources/US-WECC-CISO/timeseries/demand",
        {"startDatetime": "2023-01-01T00:00:00Z", "endDatetime": "2023-01-02T00:00:00Z"},
    )
    assert response.status_code == 200, response.content
    return [item["value"] for item in response.json()["demand"]]


def assert_unavailable_in_words(response, took: float) -> ImportJob:
    assert response.status_code == 503, response.content[:500]
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Imports are unavailable right now" in page
    assert took < UPLOAD_BOUND_SECONDS, f"the upload took {took:.1f} s"
    job = ImportJob.objects.get()
    assert f'href="/imports/{job.pk}"' in page
    assert job.status == ImportJob.Status.FAILED and job.started_at is None
    assert "Could not reach the task queue" in job.message
    assert Path(job.file.path).is_file(), "the uploaded file is kept for the retry"
    return job


def test_upload_with_redis_stopped_answers_503_in_words_and_the_job_runs_once_redis_is_back(
    operator, workers, tmp_path
):
    server = ThrowawayRedis()
    try:
        with celery_broker(server.url):
            server.stop_server()
            job = assert_unavailable_in_words(*upload(operator))
            page = operator.get(f"/imports/{job.pk}").content.decode()
            assert "Could not reach the task queue" in page

            # A retry while Redis is still down says so too, and keeps the job.
            response = operator.post(f"/imports/{job.pk}/retry", follow=True)
            assert "imports are unavailable right now" in response.content.decode()
            assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.FAILED

            server.start_server()
            worker = start_worker(workers, server, tmp_path)
            response = operator.post(f"/imports/{job.pk}/retry")
            assert response.status_code == 302
            job = wait_succeeded(job, worker)
            assert job.rows_inserted == 24
            assert demand_values(operator) == [1000 + h for h in range(24)]
    finally:
        server.stop()


def test_upload_with_redis_hung_answers_503_within_the_bound(operator):
    server = ThrowawayRedis()
    try:
        with celery_broker(server.url):
            server.freeze()  # the port accepts connections, nothing answers
            try:
                assert_unavailable_in_words(*upload(operator))
            finally:
                server.thaw()
    finally:
        server.stop()


@pytest.mark.parametrize("appendonly", [True, False], ids=["appendonly", "no-persistence"])
def test_a_job_queued_in_redis_when_it_restarts(operator, workers, tmp_path, appendonly):
    server = ThrowawayRedis(appendonly=appendonly)
    try:
        with celery_broker(server.url):
            response, _ = upload(operator)
            job = ImportJob.objects.get()
            assert response.status_code == 302 and job.status == ImportJob.Status.QUEUED
            with redis.Redis.from_url(server.url) as client:
                assert client.llen(IMPORTS_QUEUE) == 1

            server.stop_server()
            server.start_server()
            with redis.Redis.from_url(server.url) as client:
                assert client.llen(IMPORTS_QUEUE) == (1 if appendonly else 0)

            worker = start_worker(workers, server, tmp_path)
            if appendonly:
                job = wait_succeeded(job, worker)
                assert demand_values(operator) == [1000 + h for h in range(24)]
            else:
                # The message is gone with Redis's memory: the job stays queued (the page says so) until someone
                # cancels it and runs it again, which the worker then does.
                time.sleep(2)
                assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.QUEUED
                assert operator.post(f"/imports/{job.pk}/cancel").status_code == 302
                assert operator.post(f"/imports/{job.pk}/retry").status_code == 302
                job = wait_succeeded(job, worker)
                assert job.rows_inserted == 24
    finally:
        server.stop()
