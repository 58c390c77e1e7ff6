"""How an import job ends: its counts, summary, stored row errors, and the exceptions that fail or cancel it.

Shared by the job services and every pipeline: a pipeline concludes its job inside its own transaction, so the
job's success commits with the data it wrote, or neither does.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ..models import ImportJob, ImportRowError
from .records import RowError

MAX_STORED_ERRORS = 1000
# A job's message and a row error's reason are cut to this many characters when stored: the job page shows them
# and is polled while the job runs, so no file may make them megabytes long.
MAX_MESSAGE_LENGTH = 4000
MAX_REASON_LENGTH = 1000


@dataclass
class Counts:
    """What a job wrote (or, in a dry run, would write)."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


class JobCancelled(Exception):
    """The job was asked to stop; nothing it read is written."""


class JobFailed(Exception):
    """The job fails with this message and these row errors."""

    def __init__(self, message: str, errors: list[RowError] = ()) -> None:
        super().__init__(message)
        self.errors = list(errors)


def job_finish(job: ImportJob, status: str, message: str, errors: list[RowError] = ()) -> None:
    """Record how the job ended, with its first row errors; a failed job keeps the progress it had reported."""
    with transaction.atomic():
        if status == ImportJob.Status.SUCCEEDED:
            job.bytes_read = job.size
        else:  # keep the progress reported so far: how far the job got is part of why it failed
            reported = ImportJob.objects.filter(pk=job.pk).values("rows_read", "bytes_read").first() or {}
            job.rows_read = max(job.rows_read, reported.get("rows_read", 0))
            job.bytes_read = max(job.bytes_read, reported.get("bytes_read", 0))
        job.status = status
        job.message = bounded(message, MAX_MESSAGE_LENGTH)
        job.stage = ""
        job.finished_at = timezone.now()
        job.save()
        ImportRowError.objects.filter(job=job).delete()
        ImportRowError.objects.bulk_create(
            ImportRowError(
                job=job,
                line=e.line,
                column=e.column[:100],
                value=str(e.value)[:200],
                reason=bounded(e.reason, MAX_REASON_LENGTH),
            )
            for e in errors[:MAX_STORED_ERRORS]
        )


def bounded(text: str, limit: int) -> str:
    """The text, or its start and how much was left out, within `limit` characters."""
    if len(text) <= limit:
        return text
    keep = limit - 40  # room for the note, whatever the count
    return f"{text[:keep]}… ({len(text) - keep:,} more characters)"


def job_conclude(job: ImportJob, counts: Counts, summary: str, errors: list[RowError]) -> None:
    """Inside the job's transaction: a real run records its success there (it commits with the data or not at
    all); a dry run rolls the transaction back and records its outcome once out of it (job_finish_dry_run)."""
    job.rows_inserted, job.rows_updated, job.rows_unchanged = counts.inserted, counts.updated, counts.unchanged
    if job.dry_run:
        transaction.set_rollback(True)
    else:
        job_finish(job, ImportJob.Status.SUCCEEDED, summary, errors)


def job_finish_dry_run(job: ImportJob, summary: str, errors: list[RowError]) -> None:
    """After the rolled-back transaction of a dry run: the job succeeded, having written nothing."""
    if job.dry_run:
        job_finish(job, ImportJob.Status.SUCCEEDED, summary, errors)


def strict_failure(rejected: int, read: int, errors: list[RowError]) -> JobFailed:
    return JobFailed(
        f"{rejected:,} of {read:,} rows are invalid; in strict mode nothing was written. Fix the rows listed, "
        "or import in lenient mode to write the valid rows.",
        errors,
    )


def no_rows_failure(text_bytes: int) -> JobFailed:
    """An empty file's failure; one that read a lot (a file of blank lines) says how much it read for nothing."""
    if text_bytes < 1_000_000:
        return JobFailed("The file holds no data rows.")
    return JobFailed(
        f"Read {text_bytes / 1_000_000:,.0f} MB and found no data rows: the file holds nothing but its header and "
        "blank lines (or lines the format skips)."
    )


def summary_text(job: ImportJob, counts: Counts, rejected: int) -> str:
    verb = "would insert" if job.dry_run else "inserted"
    return (
        f"{'Dry run: ' if job.dry_run else ''}{job.rows_read:,} rows read; {verb} {counts.inserted:,}, "
        f"{'would update' if job.dry_run else 'updated'} {counts.updated:,}, unchanged {counts.unchanged:,}, "
        f"rejected {rejected:,}."
    )


def merge_errors(first: list[RowError], second: list[RowError]) -> list[RowError]:
    """Two lists of row errors as one, by line (errors of no line last), the first MAX_STORED_ERRORS."""
    return sorted(first + second, key=lambda e: (e.line is None, e.line or 0))[:MAX_STORED_ERRORS]
