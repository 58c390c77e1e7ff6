"""The Celery task a worker runs for an import job, and the worker-side clean-up of a job whose process died."""

import logging
import time

from celery import shared_task
from celery.exceptions import WorkerLostError
from celery.signals import task_failure
from django.db import connections

from ..models import ImportJob
from .dispatch import RUN_IMPORT_TASK
from .services import import_job_check_alive, import_job_run

logger = logging.getLogger(__name__)

# How long the worker waits for the database to notice that a killed pool process is gone (its locks freed).
_LOST_PROCESS_GRACE_SECONDS = 10.0


# The job's row is its result: senders do not follow the task's (so a web process never waits on the result store,
# nor hangs on it while Redis is away). Failures are still recorded (CELERY_TASK_STORE_ERRORS_EVEN_IF_IGNORED).
@shared_task(name=RUN_IMPORT_TASK, ignore_result=True)
def run_import(job_id: int) -> str:
    """Run one import job and return its status; a job another delivery already claimed is left alone."""
    return import_job_run(job_id=job_id).status


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
