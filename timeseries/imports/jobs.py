"""Services of import jobs: create, enqueue, run, cancel, retry; and the selectors the pages read them with."""

import logging
import os
import socket
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from metadata.models import FuelSourceTechnology, FuelSourceType
from psr.choices import PowerUnit
from psr.models import InstalledCapacity, PowerSystemResource
from psr.services import GeneratingUnitIn, generating_units_apply, installed_capacity_set

from .. import cache
from ..adapters import adapter_for
from ..models import ImportJob, ImportRowError, Series
from ..services import series_get_or_create
from .files import ImportSource
from .liveness import job_lock
from .records import ImportFileError, ImportOptions, RowError
from .validate import CapacityRow, Dimensions, Row, RowValidator
from .writer import Counts, Rejection, StagingWriter

logger = logging.getLogger(__name__)

# progress(rows_read, bytes_read, bytes_total): called as a job reads its file (the command draws a bar with it).
Progress = Callable[[int, int, int], None]

MAX_STORED_ERRORS = 1000
STAGE_BATCH = 50_000
PROGRESS_SECONDS = 0.5


class _Cancelled(Exception):
    pass


class _Failed(Exception):
    """The job fails with this message and these row errors."""

    def __init__(self, message: str, errors: list[RowError] = ()) -> None:
        super().__init__(message)
        self.errors = list(errors)


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
    if (file is None) == (not source_path):
        raise ValidationError("An import job needs either an uploaded file or the path of a file, not both.")
    if mode not in ImportJob.Mode.values:
        raise ValidationError(f"Unknown mode '{mode}'.")
    if timezone:
        _zone(timezone)
    job = ImportJob(
        created_by=created_by,
        requested_format=requested_format or "auto",
        mode=mode,
        dry_run=dry_run,
        timezone=timezone,
        psr=psr,
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


def import_job_enqueue(*, job: ImportJob) -> None:
    """Run the job on a worker once the current transaction commits (in-process without a broker)."""
    from ..tasks import dispatch_import

    job_id = job.pk

    def dispatch() -> None:
        try:
            dispatch_import(job_id)
        except Exception as exc:  # the broker is down: say so on the job instead of leaving it queued for ever
            logger.exception("could not dispatch import job %s", job_id)
            _fail_queued(
                job_id, f"Could not reach the task queue ({exc.__class__.__name__}); run the job again once it is back."
            )

    transaction.on_commit(dispatch)


def _fail_queued(job_id: int, message: str) -> None:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id, status=ImportJob.Status.QUEUED).first()
        if job is not None:
            _finish(job, ImportJob.Status.FAILED, message)


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
        except _Cancelled:
            _finish(job, ImportJob.Status.CANCELLED, "Cancelled on request; nothing was written.")
        except _Failed as exc:
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


def import_jobs_visible_to(user) -> QuerySet[ImportJob]:
    """The jobs a user may see: all of them with the view permission, otherwise their own."""
    if user.has_perm("timeseries.view_importjob"):
        return ImportJob.objects.all()
    return ImportJob.objects.filter(created_by=user)


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


def _finish(job: ImportJob, status: str, message: str, errors: list[RowError] = ()) -> None:
    with transaction.atomic():
        if status == ImportJob.Status.SUCCEEDED:
            job.bytes_read = job.size
        else:  # keep the progress reported so far: how far the job got is part of why it failed
            reported = ImportJob.objects.filter(pk=job.pk).values("rows_read", "bytes_read").first() or {}
            job.rows_read = max(job.rows_read, reported.get("rows_read", 0))
            job.bytes_read = max(job.bytes_read, reported.get("bytes_read", 0))
        job.status = status
        job.message = message
        job.stage = ""
        job.finished_at = timezone.now()
        job.save()
        _store_errors(job, errors)


def _store_errors(job: ImportJob, errors: list[RowError]) -> None:
    ImportRowError.objects.filter(job=job).delete()
    ImportRowError.objects.bulk_create(
        ImportRowError(job=job, line=e.line, column=e.column[:100], value=str(e.value)[:200], reason=e.reason)
        for e in errors[:MAX_STORED_ERRORS]
    )


class _Reader:
    """Reads the file through its adapter, checks each row, and reports progress as it goes."""

    def __init__(self, job: ImportJob, source: ImportSource, progress: Progress | None) -> None:
        self.job = job
        self.source = source
        self.progress = progress
        self.validator = RowValidator()
        self.errors: list[RowError] = []
        self.rejected = 0
        self.read = 0
        self._last_report = 0.0

    def rows(self, records) -> Iterator[Row]:
        """The rows that pass their checks; the others are counted, and the first ones kept.

        No progress is reported from here: the rows are consumed inside a COPY, which holds the connection.
        """
        check = self.validator.check
        for n, record in enumerate(records, self.read + 1):
            result = check(record) if record.__class__ is not RowError else record
            if result.__class__ is Row:
                yield result
            else:
                self.rejected += 1
                if len(self.errors) < MAX_STORED_ERRORS:
                    self.errors.append(result)
            self.read = n

    def report(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_report < PROGRESS_SECONDS:
            return
        self._last_report = now
        bytes_read = self.source.bytes_read
        updated = ImportJob.objects.filter(pk=self.job.pk).update(
            rows_read=self.read, bytes_read=bytes_read, rows_rejected=self.rejected
        )
        if updated and ImportJob.objects.filter(pk=self.job.pk, cancel_requested=True).exists():
            raise _Cancelled
        if self.progress is not None:
            self.progress(self.read, bytes_read, self.source.size)


def _run(job: ImportJob, progress: Progress | None) -> None:
    path = job.file.path if job.file else job.source_path
    options = ImportOptions(timezone=_zone(job.timezone) if job.timezone else None, psr=job.psr_id)
    writer = reader = None
    began = time.monotonic()
    try:
        if job.size > settings.CDSC_IMPORT_MAX_BYTES:
            raise ImportFileError(
                f"The file is {job.size:,} bytes, over the limit of {settings.CDSC_IMPORT_MAX_BYTES:,} bytes of one "
                "import (CDSC_IMPORT_MAX_BYTES); split it or raise the limit."
            )
        with ImportSource(Path(path), max_decompressed=settings.CDSC_IMPORT_MAX_DECOMPRESSED_BYTES) as source:
            adapter = adapter_for(job.requested_format, source.head)
            ImportJob.objects.filter(pk=job.pk).update(detected_format=adapter.name)
            job.detected_format = adapter.name
            kind = getattr(adapter, "kind", "timeseries")
            if kind in ("capacity", "inventory"):
                try:
                    if kind == "capacity":
                        _run_capacity(job, adapter.records(source.text, options))
                    else:
                        _run_inventory(job, adapter.records(source.text, options), asset_info_name=adapter.asset_info)
                except UnicodeDecodeError as exc:
                    raise ImportFileError("The file is not UTF-8 text; save it as UTF-8 and upload it again.") from exc
                return
            reader = _Reader(job, source, progress)
            writer = StagingWriter()
            try:
                rows = reader.rows(adapter.records(source.text, options))
                while writer.stage(rows, limit=STAGE_BATCH):
                    reader.report()
            except UnicodeDecodeError as exc:
                raise ImportFileError(
                    f"The file is not UTF-8 text near line {reader.read + 2} (byte 0x{exc.object[exc.start]:02x}); "
                    "save it as UTF-8 and upload it again."
                ) from exc
            reader.report(force=True)
        logger.info("import job %s: %s rows read and staged in %.1f s", job.pk, reader.read, time.monotonic() - began)
        job.rows_read = reader.read
        if reader.read == 0:
            raise _Failed("The file holds no data rows.")
        _write(job, reader, writer)
        logger.info("import job %s: checked and written in %.1f s in all", job.pk, time.monotonic() - began)
    except ImportFileError as exc:
        if reader is not None:
            job.rows_read = reader.read
        raise _Failed(str(exc), reader.errors if reader is not None else []) from exc
    except FileNotFoundError as exc:
        raise _Failed(f"The file of this job is gone ({exc.filename}).") from exc
    finally:
        if writer is not None:
            writer.close()


def _write(job: ImportJob, reader: _Reader, writer: StagingWriter) -> None:
    """Check the staged rows as a set and write them, all in one transaction with the job's outcome."""
    ImportJob.objects.filter(pk=job.pk).update(stage="checking")
    strict = job.mode == ImportJob.Mode.STRICT
    with transaction.atomic():
        ranges = writer.ranges()
        dims = {d.dim: d for d in reader.validator.dimensions if d.dim in ranges}
        series, series_errors = _series_for(dims, ranges)
        # Two jobs writing the same series take turns from here: each checks against what the other committed.
        ids = sorted(s.pk for s in series.values())
        list(Series.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
        writer.bind_series(series, ranges)
        for dim in series_errors:
            writer.reject_dimension(dim)
        t0 = time.monotonic()
        writer.check(unordered=reader.validator.unordered)
        rejected = writer.rejected_count()
        logger.info("import job %s: set-based checks in %.1f s", job.pk, time.monotonic() - t0)
        errors = _merge_errors(
            reader.errors, _rejection_errors(writer.rejections(MAX_STORED_ERRORS), dims, series_errors)
        )
        total_rejected = reader.rejected + rejected
        job.rows_rejected = total_rejected
        if total_rejected and strict:
            transaction.set_rollback(True)
            raise _strict_failure(total_rejected, reader.read, errors)
        if rejected:
            writer.drop_rejected()
            ranges = writer.ranges()
        ImportJob.objects.filter(pk=job.pk).update(stage="writing")
        t0 = time.monotonic()
        counts = writer.count() if job.dry_run else writer.upsert()
        logger.info(
            "import job %s: %s in %.1f s", job.pk, "counted" if job.dry_run else "upserted", time.monotonic() - t0
        )
        job.written = [] if job.dry_run else _written(dims, ranges)
        summary = _conclude(job, counts, _summary(job, counts, total_rejected), errors)
    if job.dry_run:
        _finish(job, ImportJob.Status.SUCCEEDED, summary, errors)


def _strict_failure(rejected: int, read: int, errors: list[RowError]) -> _Failed:
    return _Failed(
        f"{rejected:,} of {read:,} rows are invalid; in strict mode nothing was written. Fix the rows listed, "
        "or import in lenient mode to write the valid rows.",
        errors,
    )


def _conclude(job: ImportJob, counts: Counts, summary: str, errors: list[RowError]) -> str:
    """Inside the job's transaction: a dry run rolls back (the caller then records it); a real run records its
    success in the same transaction, so the job's outcome commits with the data it wrote, or neither does."""
    job.rows_inserted, job.rows_updated, job.rows_unchanged = counts.inserted, counts.updated, counts.unchanged
    if job.dry_run:
        transaction.set_rollback(True)
    else:
        _finish(job, ImportJob.Status.SUCCEEDED, summary, errors)
    return summary


def _held_whole(
    job: ImportJob, records: Iterator, check: Callable, kind: type, *, key: Callable, duplicate: Callable
) -> tuple[list, list[RowError], int, int]:
    """The checked rows of a file read whole (capacities, inventories: small files), each key once; a second row
    with the same key is a row error. Fails the job for an empty file, or (strict) for any bad row."""
    rows: list = []
    errors: list[RowError] = []
    seen: dict = {}
    read = rejected = 0
    for record in records:
        read += 1
        row = record if record.__class__ is RowError else check(record)
        if row.__class__ is kind:
            k = key(row)
            if k not in seen:
                seen[k] = row.line
                rows.append(row)
                continue
            row = duplicate(row, record, seen[k])
        rejected += 1
        if len(errors) < MAX_STORED_ERRORS:
            errors.append(row)
    job.rows_read, job.rows_rejected = read, rejected
    if read == 0:
        raise _Failed("The file holds no data rows.")
    if rejected and job.mode == ImportJob.Mode.STRICT:
        raise _strict_failure(rejected, read, errors)
    return rows, errors, read, rejected


def _run_capacity(job: ImportJob, records: Iterator) -> None:
    """Installed capacities (a capacity file: a row per production type and year, so held whole), all or nothing."""
    validator = RowValidator()
    rows, errors, _read, rejected = _held_whole(
        job,
        records,
        validator.check_capacity,
        CapacityRow,
        key=lambda row: (row.psr_id, row.fuel_type_id, row.technology_id, row.start),
        duplicate=lambda row, record, first: RowError(
            row.line, "fuel_type", record.fuel_type, f"the same fuel and year as line {first}."
        ),
    )
    counts = Counts()
    with transaction.atomic():
        for row in rows:
            stored = InstalledCapacity.objects.filter(
                psr_id=row.psr_id,
                fuel_type_id=row.fuel_type_id,
                technology_id=row.technology_id,
                start_datetime=row.start,
            ).first()
            if stored is None:
                counts.inserted += 1
            elif (stored.value, stored.unit, stored.end_datetime) == (row.value, PowerUnit.MW, row.end):
                counts.unchanged += 1
                continue
            else:
                counts.updated += 1
            installed_capacity_set(
                psr=PowerSystemResource.objects.get(pk=row.psr_id),
                fuel_type=FuelSourceType.objects.get(pk=row.fuel_type_id),
                technology=FuelSourceTechnology.objects.get(pk=row.technology_id) if row.technology_id else None,
                value=row.value,
                start_datetime=row.start,
                end_datetime=row.end,
            )
        summary = _conclude(job, counts, _summary(job, counts, rejected) + " (installed capacities)", errors)
    if job.dry_run:
        _finish(job, ImportJob.Status.SUCCEEDED, summary, errors)


def _run_inventory(job: ImportJob, records: Iterator, *, asset_info_name: str) -> None:
    """A generator inventory: plants and units under their balancing areas, with the units' installed capacity.

    Held whole (a few thousand generators for a large balancing area) and written in bulk by the PSR service, in
    the job's one transaction; counts are per generator.
    """
    validator = RowValidator()
    units, errors, read, rejected = _held_whole(
        job,
        records,
        validator.check_generating_unit,
        GeneratingUnitIn,
        key=lambda unit: unit.unit_key,
        duplicate=lambda unit, record, first: RowError(
            unit.line, "generatorid", unit.unit_key.partition(":")[2], f"the same generator as line {first}."
        ),
    )
    with transaction.atomic():
        try:
            result = generating_units_apply(units=units, asset_info_name=asset_info_name, user=job.created_by)
        except ValidationError as exc:
            raise _Failed(" ".join(exc.messages), errors) from exc
        refused = [RowError(*r) for r in result.refused]
        rejected += len(refused)
        errors = _merge_errors(errors, refused)
        job.rows_rejected = rejected
        if refused and job.mode == ImportJob.Mode.STRICT:
            transaction.set_rollback(True)
            raise _strict_failure(rejected, read, errors)
        counts = Counts(inserted=result.inserted, updated=result.updated, unchanged=result.unchanged)
        if not job.dry_run and (counts.inserted or counts.updated):
            cache.bump()  # the bulk writes send no save signals
        summary = _conclude(job, counts, _summary(job, counts, rejected) + " (generating units)", errors)
    if job.dry_run:
        _finish(job, ImportJob.Status.SUCCEEDED, summary, errors)


def _series_for(dims: dict[int, Dimensions], ranges: dict) -> tuple[dict[int, Series], dict[int, str]]:
    """The series of each dimension, created on first use; a dimension its series refuses gets an error instead."""
    series, errors = {}, {}
    for dim, d in dims.items():
        try:
            series[dim] = series_get_or_create(
                psr=PowerSystemResource(pk=d.psr_id),
                quantity=d.quantity,
                unit=d.unit,
                timeframe=d.timeframe,
                fuel_type=_ref("metadata.FuelSourceType", d.fuel_type_id),
                technology=_ref("metadata.FuelSourceTechnology", d.technology_id),
                connected_psr=PowerSystemResource(pk=d.connected_psr_id) if d.connected_psr_id else None,
            )
        except ValidationError as exc:
            errors[dim] = " ".join(exc.messages)
    return series, errors


def _ref(model: str, pk: int | None):
    from django.apps import apps

    return apps.get_model(model)(pk=pk) if pk is not None else None


def _rejection_errors(
    rejections: list[Rejection], dims: dict[int, Dimensions], series_errors: dict[int, str]
) -> list[RowError]:
    out, names = [], {}
    for r in rejections:
        d = dims[r.dim]
        name = names.get(r.dim) or names.setdefault(r.dim, _series_label(d))
        interval = f"{_iso(r.start)} - {_iso(r.end)}"
        if r.kind == "duplicate":
            reason = f"the same interval start of the same series ({name}) as line {r.other_line}: a duplicate row."
        elif r.kind == "overlap":
            reason = (
                f"the interval {interval} overlaps an earlier interval of the same series ({name}) in this file, "
                f"which ends at {_iso(r.other_end)}."
            )
        elif r.kind == "clash":
            reason = (
                f"the interval {interval} overlaps a stored interval of another length (ending at "
                f"{_iso(r.other_end)}) in the series {name}; a series never holds overlapping intervals, so "
                "delete the stored points first or import intervals of the stored length."
            )
        else:
            reason = series_errors.get(r.dim, "the series refuses this row.")
        out.append(RowError(r.line, "start", _iso(r.start), reason))
    return out


def _series_label(d: Dimensions) -> str:
    """How an error names a series: PSR and quantity, then what tells it from the PSR's other series."""
    extra = [d.timeframe]
    if d.fuel_type_id is not None:
        extra.append(FuelSourceType.objects.filter(pk=d.fuel_type_id).values_list("name", flat=True).first() or "")
    if d.technology_id is not None:
        extra.append(
            FuelSourceTechnology.objects.filter(pk=d.technology_id).values_list("name", flat=True).first() or ""
        )
    if d.connected_psr_id:
        extra.append(f"with {d.connected_psr_id}")
    return f"{d.psr_id} {d.quantity} ({', '.join(extra)})"


def _iso(value: datetime | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)  # SQLite hands back UTC without its zone
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _merge_errors(first: list[RowError], second: list[RowError]) -> list[RowError]:
    return sorted(first + second, key=lambda e: (e.line is None, e.line or 0))[:MAX_STORED_ERRORS]


def _written(dims: dict[int, Dimensions], ranges: dict) -> list[dict]:
    """What was written, per PSR, quantity and timeframe: the span of its intervals (for links to the API)."""
    spans: dict[tuple[str, str, str], list] = {}
    for dim, (first, last, _) in ranges.items():
        d = dims[dim]
        key = (d.psr_id, d.quantity, d.timeframe)
        span = spans.setdefault(key, [first, last])
        span[0], span[1] = min(span[0], first), max(span[1], last)
    return [
        {"psr": psr, "quantity": q, "timeframe": tf, "start": _iso(a), "end": _iso(b)}
        for (psr, q, tf), (a, b) in sorted(spans.items())
    ]


def _summary(job: ImportJob, counts: Counts, rejected: int) -> str:
    verb = "would insert" if job.dry_run else "inserted"
    text = (
        f"{'Dry run: ' if job.dry_run else ''}{job.rows_read:,} rows read; {verb} {counts.inserted:,}, "
        f"{'would update' if job.dry_run else 'updated'} {counts.updated:,}, unchanged {counts.unchanged:,}, "
        f"rejected {rejected:,}."
    )
    return text
