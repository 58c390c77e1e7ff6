"""Import jobs: one per uploaded or named file, with its progress, outcome and first row errors."""

import os
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone

from psr.choices import ReadingFormat, ReadingValidity
from psr.models import Meter, PowerSystemResource


class ImportStorage(FileSystemStorage):
    """The private import folder, read from settings on every use (a deployment or a test may move it)."""

    @property
    def base_location(self) -> str:
        return str(settings.CDSC_IMPORT_DIR)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)


def import_storage() -> FileSystemStorage:
    """Uploaded files live in a private folder outside the web root (settings.CDSC_IMPORT_DIR), never served."""
    return ImportStorage(base_url=None, file_permissions_mode=0o600, directory_permissions_mode=0o700)


def _import_upload_path(instance: "ImportJob", filename: str) -> str:
    # A generated name: nothing the user sends chooses a path (the original name is kept in `original_name`).
    return f"{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class ImportJob(models.Model):
    """One import of one file: who asked for it, how it went, what it wrote, and its first row errors."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"

    class Mode(models.TextChoices):
        STRICT = "strict", "strict: write nothing if any row is invalid"
        LENIENT = "lenient", "lenient: write the valid rows, report the others"

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="import_jobs"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    file = models.FileField(
        storage=import_storage, upload_to=_import_upload_path, max_length=200, blank=True, help_text="Uploaded file."
    )
    source_path = models.CharField(
        max_length=1000, blank=True, help_text="For a command-line import: the file read in place."
    )
    original_name = models.CharField(max_length=255, blank=True)
    size = models.BigIntegerField(default=0, help_text="Size of the file as stored, in bytes.")

    requested_format = models.CharField(max_length=40, default="auto")
    detected_format = models.CharField(max_length=40, blank=True)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.STRICT)
    dry_run = models.BooleanField(default=False, help_text="Validate and count, write nothing.")
    timezone = models.CharField(
        max_length=64, blank=True, help_text="IANA timezone of datetimes written without an offset."
    )
    psr = models.ForeignKey(
        PowerSystemResource,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The PSR of a file that names no area.",
    )
    meter = models.ForeignKey(
        Meter,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The meter of a meter-reading file that names none (Green Button, SCADA logs).",
    )
    reading_format = models.CharField(
        max_length=24,
        blank=True,
        choices=ReadingFormat.choices,
        help_text="For meter readings: the format of streams the file does not name (else the file kind's default).",
    )
    validity = models.CharField(
        max_length=16,
        blank=True,
        choices=ReadingValidity.choices,
        help_text="For meter readings: the validity of streams the file does not name (else the file kind's default).",
    )

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    stage = models.CharField(max_length=40, blank=True, help_text="What a running job is doing now.")
    message = models.TextField(blank=True, help_text="Why the job failed, or a summary of how it went.")
    cancel_requested = models.BooleanField(default=False)
    attempts = models.PositiveIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True, help_text="Host and process that ran the job last.")

    rows_read = models.BigIntegerField(default=0)
    bytes_read = models.BigIntegerField(default=0)
    rows_inserted = models.BigIntegerField(default=0)
    rows_updated = models.BigIntegerField(default=0)
    rows_unchanged = models.BigIntegerField(default=0)
    rows_rejected = models.BigIntegerField(default=0)
    written = models.JSONField(
        default=list,
        blank=True,
        help_text="What the job wrote: a list of {psr, quantity, timeframe, start, end} (ISO datetimes, UTC).",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("run_import", "Can upload files to import time series")]

    def __str__(self) -> str:
        return f"import #{self.pk} {self.original_name or self.source_path}"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def duration(self) -> timedelta | None:
        if self.started_at is None:
            return None
        return (self.finished_at or timezone.now()) - self.started_at

    @property
    def progress(self) -> float | None:
        """Share of the file read, 0 to 1 (bytes of the file as stored, compressed or not)."""
        if self.finished:
            return 1.0 if self.status == self.Status.SUCCEEDED else None
        return min(self.bytes_read / self.size, 1.0) if self.size else None


class ImportRowError(models.Model):
    """A row an import refused: where it is in the file and why. A job keeps its first 1000."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="errors")
    line = models.BigIntegerField(null=True, blank=True, help_text="Line in the file (record number for JSON).")
    column = models.CharField(max_length=100, blank=True)
    value = models.CharField(max_length=200, blank=True)
    reason = models.TextField()

    class Meta:
        ordering = ["job", "line", "id"]

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"
