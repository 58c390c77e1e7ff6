"""Services of import jobs: create, enqueue, run, cancel, retry, and check that a running job's worker is alive."""

import logging
import os
import socket
import time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from psr.choices import ReadingFormat, ReadingValidity
from psr.models import Meter, PowerSystemResource

from ..models import ImportJob
from .adapters import adapter_for
from .dispatch import dispatch_import
from .files import ImportSource
from .liveness import job_lock, lock_again_if_lost
from .outcome import JobCancelled, JobFailed, job_finish
from .pipelines import PIPELINES, Progress
from .pipelines.timeseries import PROGRESS_SECONDS
from .records import ImportFileError, ImportOptions

logger = logging.getLogger(__name__)

FILE_REMOVED = (
    "The uploaded file of this job was deleted once the job was older than the retention period "
    "(CDSC_IMPORT_RETENTION_DAYS); upload the file again to import it."
)


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
    meter: Meter | None = None,
    reading_format: str = "",
    validity: str = "",
) -> ImportJob:
    """A queued job for an uploaded file (stored under a generated name) or for a file read in place."""
    if (file is None) == (not source_path):
        raise ValidationError("An import job needs either an uploaded file or the path of a file, not both.")
    if mode not in ImportJob.Mode.values:
        raise ValidationError(f"Unknown mode '{mode}'.")
    if timezone:
        _zone(timezone)
    if reading_format and reading_format not in ReadingFormat.values:
        raise ValidationError(
            f"Unknown reading format '{reading_format}'; use one of {', '.join(ReadingFormat.values)}."
        )
    if validity and validity not in ReadingValidity.values:
        raise ValidationError(f"Unknown reading validity '{validity}'; use one of {', '.join(ReadingValidity.values)}.")
    job = ImportJob(
        created_by=created_by,
        requested_format=requested_format or "auto",
        mode=mode,
        dry_run=dry_run,
        timezone=timezone,
        psr=psr,
        meter=meter,
        reading_format=reading_format,
        validity=validity,
    )
    if file is not None:
        job.original_name = Path(file.name or "upload").name[:255]
        job.size = file.size or 0
        job.file.save("upload", file, save=False)
    else:
        path = Path(source_path).resolve()
        if not path.is_file():
            raise ValidationError(f"No file at {path}.")
        job.source_path = str(path)
        job.original_name = path.name[:255]
        job.size = path.stat().st_size
    job.save()
    return job


# The message of a job the task queue would not take. Such a job is failed, not left queued (nothing would ever run
# it); its file is kept, so "Run again" starts it once the queue is back.
QUEUE_UNAVAILABLE = (
    "Could not reach the task queue (Redis) to start this import: imports are unavailable right now. Nothing was "
    "imported; the file is kept. Run the job again once the queue is back."
)


def import_job_enqueue(*, job: ImportJob) -> None:
    """Run the job on a worker once the current transaction commits (in-process without a broker). If the broker
    does not take it (within the broker's timeouts), the job is failed with QUEUE_UNAVAILABLE: see
    import_job_not_sent."""
    job_id, size = job.pk, job.size

    def dispatch() -> None:
        try:
            dispatch_import(job_id, run=_run_by_id, size=size)
        except Exception as exc:  # the broker is down: say so on the job instead of leaving it queued for ever
            logger.error(
                "Could not send import job %s to the task queue (%s: %s); the job is failed, its file kept.",
                job_id,
                exc.__class__.__name__,
                (str(exc).strip().splitlines() or [""])[0][:300],
            )
            _fail_queued(job_id, QUEUE_UNAVAILABLE)

    transaction.on_commit(dispatch)


def import_job_not_sent(*, job: ImportJob) -> bool:
    """Whether the job, just enqueued, could not be sent to the task queue (the pages then say imports are
    unavailable). Reads the job again: the sending happens after the caller's transaction commits."""
    job.refresh_from_db()
    return job.status == ImportJob.Status.FAILED and job.started_at is None and job.message == QUEUE_UNAVAILABLE


def _run_by_id(job_id: int) -> ImportJob:
    return import_job_run(job_id=job_id)


def _fail_queued(job_id: int, message: str) -> None:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id, status=ImportJob.Status.QUEUED).first()
        if job is not None:
            job_finish(job, ImportJob.Status.FAILED, message)


def import_job_run(*, job_id: int, progress: Progress | None = None) -> ImportJob:
    """Claim a queued job and run it to the end: succeeded, failed or cancelled.

    A job is claimed under its liveness lock and a row lock: a second delivery of the same task finds it claimed
    (or finished) and leaves it alone. A job left "running" by a worker that died is taken over and run again.
    """
    with job_lock(job_id) as held:
        if not held:
            return ImportJob.objects.get(pk=job_id)
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().get(pk=job_id)
            if job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
                return job
            _reset(job)
            job.status = ImportJob.Status.RUNNING
            job.started_at = timezone.now()
            job.attempts += 1
            job.worker = f"{socket.gethostname()} pid {os.getpid()}"[:200]
            job.stage = "reading"
            job.save()
            job.errors.all().delete()
        try:
            _run(job, progress)
        except JobCancelled:
            _finish(job, ImportJob.Status.CANCELLED, "Cancelled on request; nothing was written.")
        except JobFailed as exc:
            _finish(job, ImportJob.Status.FAILED, str(exc), exc.errors)
        except SoftTimeLimitExceeded:
            _finish(
                job,
                ImportJob.Status.FAILED,
                f"The import ran past its time limit (CDSC_IMPORT_TIME_LIMIT = {settings.CDSC_IMPORT_TIME_LIMIT:,} s) "
                "and was stopped; nothing was written. Split the file or raise the limit.",
            )
        except Exception as exc:
            # Whatever happened (a bug, the database gone, a time limit), the job ends failed, not running.
            logger.exception("import job %s failed", job_id)
            _finish(
                job,
                ImportJob.Status.FAILED,
                f"The import stopped on an internal error ({exc.__class__.__name__}: {exc}); nothing was written.",
            )
            raise
        return job


def _finish(job: ImportJob, status: str, message: str, errors: list | tuple = ()) -> None:
    """Record the job's end, on a usable connection still holding its lock: the error that ended it may have left
    the connection in the middle of a command (a soft time limit raised inside a COPY)."""
    if not lock_again_if_lost(job.pk):
        logger.warning("import job %s was taken over by another worker before its end could be recorded", job.pk)
        return
    job_finish(job, status, message, errors)


def import_job_cancel(*, job: ImportJob) -> ImportJob:
    """Cancel a queued job now, or ask a running one to stop (it stops at its next progress step, writing nothing)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status == ImportJob.Status.QUEUED:
            job.status = ImportJob.Status.CANCELLED
            job.finished_at = timezone.now()
            job.message = "Cancelled before it started."
            job.save()
        elif job.status == ImportJob.Status.RUNNING:
            job.cancel_requested = True
            job.save(update_fields=["cancel_requested"])
    return job


def import_job_retry(*, job: ImportJob) -> ImportJob:
    """Queue a failed or cancelled job again, with its counts and errors cleared. Safe: imports are idempotent."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status not in (ImportJob.Status.FAILED, ImportJob.Status.CANCELLED):
            raise ValidationError(f"Only a failed or cancelled job can be run again; this one is {job.status}.")
        _reset(job)
        job.status = ImportJob.Status.QUEUED
        job.message = ""
        job.save()
        job.errors.all().delete()
        import_job_enqueue(job=job)
    return job


def import_job_check_alive(*, job: ImportJob) -> ImportJob:
    """A running job whose worker is gone (killed, crashed) is marked failed; returns the job as it now is."""
    if job.status != ImportJob.Status.RUNNING:
        return job
    with job_lock(job.pk) as free:
        if not free:
            return job  # its worker holds the lock: alive
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().get(pk=job.pk)
            if job.status == ImportJob.Status.RUNNING:
                job.status = ImportJob.Status.FAILED
                job.finished_at = timezone.now()
                job.message = (
                    f"The worker running this job ({job.worker}) stopped while {job.stage or 'running'}: it was "
                    "killed or crashed. Nothing from this file was written; run the job again."
                )
                job.save()
    return job


def import_files_clean_up(*, days: int, dry_run: bool = False) -> list[ImportJob]:
    """Delete the uploaded files of the jobs finished more than `days` days ago (succeeded, failed, cancelled, dry
    runs alike); returns those jobs. The jobs stay, with their counts and row errors, their file marked removed.

    Never a queued or running job's file (each job is locked and checked again before its file goes), nor a file
    read in place by the command (`source_path`), nor anything outside the import folder.
    """
    cutoff = timezone.now() - timedelta(days=days)
    finished_before = Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff)
    candidates = ImportJob.objects.filter(finished_before, status__in=ImportJob.FINISHED).exclude(file="")
    folder = Path(settings.CDSC_IMPORT_DIR).resolve()
    cleaned = []
    for pk in candidates.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().filter(finished_before, pk=pk).first()
            if job is None or not job.finished or not job.file:
                continue  # run again meanwhile
            if not Path(job.file.path).resolve().is_relative_to(folder):
                logger.warning("import job %s: its file %s is outside the import folder; left alone", pk, job.file)
                continue
            if not dry_run:
                job.file.storage.delete(job.file.name)  # a file already gone is no error
                job.file = ""
                job.save(update_fields=["file"])
            cleaned.append(job)
    return cleaned


# -- running a job -----------------------------------------------------------------------------------------------


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError) as exc:
        raise ValidationError(f"'{name}' is not an IANA timezone (e.g. Europe/Paris, America/Los_Angeles).") from exc


def _reset(job: ImportJob) -> None:
    job.rows_read = job.bytes_read = 0
    job.rows_inserted = job.rows_updated = job.rows_unchanged = job.rows_rejected = 0
    job.cancel_requested = False
    job.finished_at = None
    job.written = []
    job.detected_format = ""


def _run(job: ImportJob, progress: Progress | None) -> None:
    """Open the job's file, pick its adapter (named or detected) and run the adapter's pipeline on it."""
    if not job.file and not job.source_path:
        raise JobFailed(FILE_REMOVED)
    path = job.file.path if job.file else job.source_path
    options = ImportOptions(
        timezone=_zone(job.timezone) if job.timezone else None,
        psr=job.psr_id,
        meter=job.meter.meter_number if job.meter_id else None,
        reading_format=job.reading_format or None,
        validity=job.validity or None,
    )
    try:
        if job.size > settings.CDSC_IMPORT_MAX_BYTES:
            raise ImportFileError(
                f"The file is {job.size:,} bytes, over the limit of {settings.CDSC_IMPORT_MAX_BYTES:,} bytes of one "
                "import (CDSC_IMPORT_MAX_BYTES); split it or raise the limit."
            )
        with ImportSource(Path(path), max_decompressed=settings.CDSC_IMPORT_MAX_DECOMPRESSED_BYTES) as source:
            # Until a pipeline sets its own: a cancel is noticed, and the bytes read reported, at any point of reading.
            source.on_read = _ReadWatch(job, source)
            adapter = adapter_for(job.requested_format, source.head)
            ImportJob.objects.filter(pk=job.pk).update(detected_format=adapter.name)
            job.detected_format = adapter.name
            PIPELINES[adapter.kind](job=job, adapter=adapter, source=source, options=options, progress=progress)
    except ImportFileError as exc:
        raise JobFailed(str(exc)) from exc
    except FileNotFoundError as exc:
        raise JobFailed(f"The file of this job is gone ({exc.filename}).") from exc


class _ReadWatch:
    """Called by the job's file at each buffer read: every PROGRESS_SECONDS, records the bytes read and stops the
    job if it was asked to (the time-series pipeline replaces it by its own, which also counts rows)."""

    def __init__(self, job: ImportJob, source: ImportSource) -> None:
        self.job = job
        self.source = source
        self._last = time.monotonic()

    def __call__(self) -> None:
        now = time.monotonic()
        if now - self._last < PROGRESS_SECONDS:
            return
        self._last = now
        ImportJob.objects.filter(pk=self.job.pk).update(bytes_read=self.source.bytes_read)
        if ImportJob.objects.filter(pk=self.job.pk, cancel_requested=True).exists():
            raise JobCancelled
