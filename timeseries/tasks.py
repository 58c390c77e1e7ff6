"""Where import jobs run: the Celery task a worker runs, and the dispatch that picks a worker, a thread or now."""

import logging
import queue
import threading
import time

from celery import shared_task
from celery.exceptions import WorkerLostError
from celery.signals import task_failure
from django.conf import settings
from django.db import connections

from .imports.jobs import import_job_check_alive, import_job_run
from .models import ImportJob

logger = logging.getLogger(__name__)

# How long the worker waits for the database to notice that a killed pool process is gone (its locks freed).
_LOST_PROCESS_GRACE_SECONDS = 10.0


# The job's row is its result: senders do not follow the task's (so a web process never waits on the result store,
# nor hangs on it while Redis is away). Failures are still recorded (CELERY_TASK_STORE_ERRORS_EVEN_IF_IGNORED).
@shared_task(name="timeseries.run_import", ignore_result=True)
def run_import(job_id: int) -> str:
    """Run one import job and return its status; a job another delivery already claimed is left alone."""
    return import_job_run(job_id=job_id).status


def dispatch_import(job_id: int) -> None:
    """Start a queued job as settings.CDSC_IMPORT_RUNNER says: on a Celery worker, in a background thread, or now.

    Call it once the job is committed (transaction.on_commit): a worker must find the row.
    """
    runner = settings.CDSC_IMPORT_RUNNER
    if runner == "celery":
        run_import.delay(job_id)
    elif runner == "thread":
        _background_submit(job_id)
    else:
        run_import(job_id)


# "thread": one daemon thread runs the jobs of this process in turn. Not a ThreadPoolExecutor, whose threads the
# interpreter waits for at exit: stopping or reloading `runserver` would hang until a long import ends. A job cut
# short with the process wrote nothing (one transaction); the job page then finds its runner gone and fails it.
_pending: "queue.SimpleQueue[int]" = queue.SimpleQueue()
_thread: threading.Thread | None = None
_thread_lock = threading.Lock()


def _background_submit(job_id: int) -> None:
    global _thread
    _pending.put(job_id)
    with _thread_lock:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_background_loop, name="cdsc-imports", daemon=True)
            _thread.start()


def _background_loop() -> None:
    while True:
        job_id = _pending.get()
        try:
            run_import(job_id)
        except Exception:
            logger.exception("Import job %s failed in the background thread", job_id)
        finally:
            # This thread's own connections: nothing else would ever close them.
            connections.close_all()


@task_failure.connect
def _fail_job_of_lost_process(sender=None, args=None, exception=None, **_kwargs) -> None:
    """In the worker's main process: the pool process running a job died (killed, out of memory).

    The job would stay "running" until someone looks at it; mark it failed now. Its database session may outlive
    the process by a moment (the server notices the closed socket at its next read), so poll for a few seconds.
    Not on the hard time limit: this signal comes before the pool process is killed, so it would still look alive.
    """
    if getattr(sender, "name", None) != run_import.name or not isinstance(exception, WorkerLostError):
        return
    try:
        job = ImportJob.objects.filter(pk=args[0]).first() if args else None
        deadline = time.monotonic() + _LOST_PROCESS_GRACE_SECONDS
        while job is not None and job.status == ImportJob.Status.RUNNING:
            job = import_job_check_alive(job=job)
            if job.status != ImportJob.Status.RUNNING or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    except Exception:
        # The job page does the same check; a failure here must not take the worker down.
        logger.exception("Could not mark the import job of a lost worker process failed: %r", args)
    finally:
        connections.close_all()
