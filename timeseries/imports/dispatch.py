"""Where a queued import job runs: on a Celery worker, in a background thread of this process, or now.

The Celery task is sent by name, so this module needs nothing from the task module (which imports from here).
"""

import logging
import queue
import threading
from collections.abc import Callable

from celery import current_app
from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

# The name of the Celery task that runs one import job (tasks.run_import).
RUN_IMPORT_TASK = "timeseries.run_import"
# The Celery queues of import jobs: files of CDSC_IMPORT_LARGE_BYTES or more go to their own, so that workers
# consuming only IMPORTS_QUEUE take the small jobs while a large one runs (docs/deployment.md, "Two queues").
IMPORTS_QUEUE = "imports"
LARGE_IMPORTS_QUEUE = "imports-large"


def import_queue(size: int) -> str:
    """The queue of a job whose file has `size` bytes."""
    return LARGE_IMPORTS_QUEUE if size >= settings.CDSC_IMPORT_LARGE_BYTES else IMPORTS_QUEUE


# Runs one job to its end, given the job's id (the import service's import_job_run).
JobRunner = Callable[[int], object]


def dispatch_import(job_id: int, *, run: JobRunner, size: int = 0) -> None:
    """Start a queued job as settings.CDSC_IMPORT_RUNNER says: on a Celery worker (in the queue for its file's
    `size`), in a background thread, or now.

    Call it once the job is committed (transaction.on_commit): a worker must find the row.
    """
    runner = settings.CDSC_IMPORT_RUNNER
    if runner == "celery":
        # ignore_result: the job's row is its result, and following the result would first subscribe to it in
        # Redis, retrying for some twenty seconds when Redis is down. Sending itself is bounded by the broker's
        # socket timeouts and publish retry policy (settings: CDSC_REDIS_TIMEOUT); a refusal raises here.
        current_app.send_task(RUN_IMPORT_TASK, args=[job_id], ignore_result=True, queue=import_queue(size))
    elif runner == "thread":
        _background_submit(job_id, run)
    else:
        run(job_id)


# "thread": one daemon thread runs the jobs of this process in turn. Not a ThreadPoolExecutor, whose threads the
# interpreter waits for at exit: stopping or reloading `runserver` would hang until a long import ends. A job cut
# short with the process wrote nothing (one transaction); the job page then finds its runner gone and fails it.
_pending: "queue.SimpleQueue[tuple[int, JobRunner]]" = queue.SimpleQueue()
_thread: threading.Thread | None = None
_thread_lock = threading.Lock()


def _background_submit(job_id: int, run: JobRunner) -> None:
    global _thread
    _pending.put((job_id, run))
    with _thread_lock:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_background_loop, name="cdsc-imports", daemon=True)
            _thread.start()


def _background_loop() -> None:
    while True:
        job_id, run = _pending.get()
        try:
            run(job_id)
        except Exception:
            logger.exception("Import job %s failed in the background thread", job_id)
        finally:
            # This thread's own connections: nothing else would ever close them.
            connections.close_all()
