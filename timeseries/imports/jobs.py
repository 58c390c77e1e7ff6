"""Services of import jobs: create, enqueue, run, cancel, retry; and the selectors the pages read them with."""

from collections.abc import Callable

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet

from psr.models import PowerSystemResource

from ..models import ImportJob

# progress(rows_read, bytes_read, bytes_total): called as a job reads its file (the command draws a bar with it).
Progress = Callable[[int, int, int], None]


def import_job_create(
    *,
    created_by=None,
    file: UploadedFile | None = None,
    source_path: str = "",
    requested_format: str = "auto",
    mode: str = ImportJob.Mode.STRICT,
    dry_run: bool = False,
    timezone: str = "",
    psr: PowerSystemResource | None = None,
) -> ImportJob:
    """A queued job for an uploaded file (stored under a generated name) or for a file read in place."""
    raise NotImplementedError


def import_job_enqueue(*, job: ImportJob) -> None:
    """Run the job on a worker once the current transaction commits (in-process without a broker)."""
    from ..tasks import run_import

    transaction.on_commit(lambda: run_import.delay(job.pk))


def import_job_run(*, job_id: int, progress: Progress | None = None) -> ImportJob:
    """Claim a queued job and run it to the end: succeeded, failed or cancelled. A claimed job is left alone."""
    raise NotImplementedError


def import_job_cancel(*, job: ImportJob) -> ImportJob:
    """Cancel a queued job now, or ask a running one to stop (it stops at its next progress step, writing nothing)."""
    raise NotImplementedError


def import_job_retry(*, job: ImportJob) -> ImportJob:
    """Queue a failed or cancelled job again, with its counts and errors cleared. Safe: imports are idempotent."""
    raise NotImplementedError


def import_job_check_alive(*, job: ImportJob) -> ImportJob:
    """A running job whose worker is gone (killed, crashed) is marked failed; returns the job as it now is."""
    raise NotImplementedError


def import_jobs_visible_to(user) -> QuerySet[ImportJob]:
    """The jobs a user may see: all of them with the view permission, otherwise their own."""
    if user.has_perm("timeseries.view_importjob"):
        return ImportJob.objects.all()
    return ImportJob.objects.filter(created_by=user)
