"""The time-series pipeline: records are checked row by row as they stream, staged in bulk, checked as a set
(duplicates, overlaps, clashes with the store) and upserted, all in one transaction with the job's outcome."""

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from metadata.models import FuelSourceTechnology, FuelSourceType
from psr.models import PowerSystemResource

from ...models import ImportJob, Series
from ...partitions import partitions_ahead, span_years
from ...services import series_get_or_create
from ...versions import raised_at_end
from ..adapters import Adapter, BlocksAdapter
from ..files import ImportSource
from ..outcome import (
    MAX_STORED_ERRORS,
    JobCancelled,
    JobFailed,
    job_conclude,
    job_finish_dry_run,
    merge_errors,
    no_rows_failure,
    strict_failure,
    summary_text,
)
from ..records import ImportFileError, ImportOptions, Record, RecordColumns, RowError
from ..validate import Dimensions, Row, RowColumns, RowValidator
from .base import Progress
from .staging import Rejection, StagingWriter

logger = logging.getLogger(__name__)

STAGE_BATCH = 50_000
PROGRESS_SECONDS = 0.5


class _Reader:
    """Reads the file through its adapter, checks each row, and reports progress as it goes."""

    def __init__(self, job: ImportJob, source: ImportSource, progress: Progress | None, validator: "Validator") -> None:
        self.job = job
        self.source = source
        self.progress = progress
        self.validator = validator
        self.errors: list[RowError] = []
        self.rejected = 0
        self.read = 0
        self._last_report = 0.0

    def batches(self, items: Iterable[Record | RowError | RecordColumns]) -> Iterator[list[Row] | RowColumns]:
        """The rows that pass their checks, in file order and in batches to stage; the others are counted, and the
        first ones kept. A block of columns (the bulk path) is checked whole, or else record by record.

        Progress is reported (and a cancel noticed) from the file's reads (`ImportSource.on_read`), not per row:
        the staging writer takes each batch before its COPY starts, so the connection is free then.
        """
        check = self.validator.check
        check_columns = getattr(self.validator, "check_columns", None)
        batch: list[Row] = []
        for item in items:
            if item.__class__ is RecordColumns:
                checked = check_columns(item) if check_columns is not None else None
                if checked is not None:
                    if batch:
                        yield batch
                        batch = []
                    self.read += len(item)
                    yield checked
                    continue
                records = item.records()
            else:
                records = (item,)
            # The per-row loop: exact class tests, not isinstance, are cheaper here.
            for record in records:
                result = check(record) if record.__class__ is not RowError else record
                if result.__class__ is Row:
                    batch.append(result)
                else:
                    self.rejected += 1
                    if len(self.errors) < MAX_STORED_ERRORS:
                        self.errors.append(result)
                self.read += 1
            if len(batch) >= STAGE_BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    def report(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_report < PROGRESS_SECONDS:
            return
        self._last_report = now
        bytes_read = self.source.bytes_read
        if not force:  # the last buffer's rows are still to be read once the whole file has been: not done yet
            bytes_read = min(bytes_read, max(self.source.size - 1, 0))
        updated = ImportJob.objects.filter(pk=self.job.pk).update(
            rows_read=self.read, bytes_read=bytes_read, rows_rejected=self.rejected
        )
        if updated and ImportJob.objects.filter(pk=self.job.pk, cancel_requested=True).exists():
            raise JobCancelled
        if self.progress is not None:
            self.progress(self.read, bytes_read, self.source.size)


class _Stopped(Exception):
    """Ends the reading thread of a _ReadAhead whose reader has stopped reading."""


_END = object()
_TICK = object()  # the file was read further: time to report progress (and to notice a cancel)


class _ReadAhead:
    """An adapter's items, made by a thread of their own while the caller checks and stages the ones before.

    Arrow parses with the GIL released, and staging waits on PostgreSQL, so each can run while the other waits.
    The thread touches no database: its file reads only signal (`_TICK`), and the caller reports progress, in its
    own thread and connection, between the items it takes. An error of the reading is raised to the caller, in
    its place among the items; `close` stops the thread wherever it is.
    """

    DEPTH = 2  # items made ahead (a block is about a megabyte of text)

    def __init__(self, items: Iterator, source: ImportSource, report: Callable[[], None]) -> None:
        self._queue: queue.Queue = queue.Queue(maxsize=self.DEPTH)
        self._stop = threading.Event()
        self._report = report
        source.on_read = self._tick
        self._thread = threading.Thread(target=self._run, args=(items,), name="import-read-ahead", daemon=True)
        self._thread.start()

    def __iter__(self) -> Iterator:
        while True:
            error, item = self._queue.get()
            if error is not None:
                raise error
            if item is _END:
                return
            if item is _TICK:
                self._report()
            else:
                yield item

    def close(self) -> None:
        self._stop.set()
        self._thread.join()

    def _tick(self) -> None:
        if self._stop.is_set():
            raise _Stopped
        with contextlib.suppress(queue.Full):  # when full, the caller has items to take first
            self._queue.put_nowait((None, _TICK))

    def _put(self, error: BaseException | None, item: object) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put((error, item), timeout=0.05)
                return
            except queue.Full:
                continue
        raise _Stopped

    def _run(self, items: Iterator) -> None:
        try:
            for item in items:
                self._put(None, item)
            self._put(None, _END)
        except _Stopped:
            pass
        except BaseException as exc:  # raised to the caller, which decides (a file error, a bad byte)
            with contextlib.suppress(_Stopped):
                self._put(exc, None)


class Validator(Protocol):
    """Checks an adapter's records one by one into rows of numbered dimensions (one dimension, one series)."""

    dimensions: list  # what each dimension number (`.dim`) names, in the validator's own dataclass
    unordered: set[int]  # dimensions whose rows did not arrive in time order without overlaps

    def check(self, record: Any) -> Row | RowError: ...


class Target(Protocol):
    """Where a stream of records goes in the store: how they are checked, and the series their dimensions name."""

    validator: Validator

    def series_for(self, dims: dict[int, Any]) -> tuple[dict[int, Series], dict[int, str]]:
        """The series of each dimension, created on first use; a dimension its series refuses gets an error."""

    def label(self, dim: Any) -> str:
        """How an error names the series of a dimension."""

    def written(self, dims: dict[int, Any], ranges: dict) -> list[dict]:
        """What was written, for the job's page: dicts with at least `label`, `url`-able keys, `start` and `end`."""


class GridTarget:
    """The grid's series: quantities of PSRs, by fuel, technology and connected PSR (Record)."""

    def __init__(self) -> None:
        self.validator = RowValidator()

    def series_for(self, dims: dict[int, Dimensions]) -> tuple[dict[int, Series], dict[int, str]]:
        return _series_for(dims)

    def label(self, dim: Dimensions) -> str:
        return _series_label(dim)

    def written(self, dims: dict[int, Dimensions], ranges: dict) -> list[dict]:
        return _written(dims, ranges)


def run(
    *, job: ImportJob, adapter: Adapter, source: ImportSource, options: ImportOptions, progress: Progress | None
) -> None:
    """The time-series pipeline for the grid's series (records of kind TIMESERIES)."""
    run_into(GridTarget(), job=job, adapter=adapter, source=source, options=options, progress=progress)


def run_into(
    target: Target,
    *,
    job: ImportJob,
    adapter: Adapter,
    source: ImportSource,
    options: ImportOptions,
    progress: Progress | None,
) -> None:
    """Stage the file's valid rows in batches (reporting progress between them), then check and write them."""
    began = time.monotonic()
    reader = _Reader(job, source, progress, target.validator)
    writer = StagingWriter()
    ahead = None
    try:
        try:
            if isinstance(adapter, BlocksAdapter):
                # The bulk path: the next blocks are parsed by a thread while this one checks and stages.
                ahead = _ReadAhead(adapter.blocks(source.text, options), source, reader.report)
                items = iter(ahead)
            else:
                # Every buffer read checks the clock: a file of blank lines, which yields no rows, still reports.
                source.on_read = reader.report
                items = adapter.records(source.text, options)
            for batch in reader.batches(items):
                writer.stage(batch)
                reader.report()
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                f"The file is not UTF-8 text near line {reader.read + 2} (byte 0x{exc.object[exc.start]:02x}); "
                "save it as UTF-8 and upload it again."
            ) from exc
        finally:
            if ahead is not None:
                ahead.close()
            source.on_read = None
        reader.report(force=True)
        logger.info("import job %s: %s rows read and staged in %.1f s", job.pk, reader.read, time.monotonic() - began)
        job.rows_read = reader.read
        if reader.read == 0:
            raise no_rows_failure(source.text_bytes_read)
        ranges = writer.ranges()
        if not job.dry_run:
            # Outside the job's transaction: making a partition inside it would hold the point table's locks until
            # the job commits, and every reader would queue behind them (timeseries/partitions.py).
            partitions_ahead(years=span_years(ranges.values()))
        _write(job, reader, writer, target, ranges)
        logger.info("import job %s: checked and written in %.1f s in all", job.pk, time.monotonic() - began)
    except ImportFileError as exc:
        job.rows_read = reader.read
        raise JobFailed(str(exc), reader.errors) from exc
    finally:
        writer.close()


def _write(job: ImportJob, reader: _Reader, writer: StagingWriter, target: Target, ranges: dict) -> None:
    """Check the staged rows as a set and write them, all in one transaction with the job's outcome. `ranges`: the
    staged rows' span per dimension (`writer.ranges()`)."""
    ImportJob.objects.filter(pk=job.pk).update(stage="checking")
    strict = job.mode == ImportJob.Mode.STRICT
    with transaction.atomic(), raised_at_end():
        dims = {d.dim: d for d in target.validator.dimensions if d.dim in ranges}
        series, series_errors = target.series_for(dims)
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
        errors = merge_errors(
            reader.errors, _rejection_errors(writer.rejections(MAX_STORED_ERRORS), dims, series_errors, target.label)
        )
        total_rejected = reader.rejected + rejected
        job.rows_rejected = total_rejected
        if total_rejected and strict:
            transaction.set_rollback(True)
            raise strict_failure(total_rejected, reader.read, errors)
        if rejected:
            writer.drop_rejected()
            ranges = writer.ranges()
        ImportJob.objects.filter(pk=job.pk).update(stage="writing")
        t0 = time.monotonic()
        counts = writer.count() if job.dry_run else writer.upsert()
        logger.info(
            "import job %s: %s in %.1f s", job.pk, "counted" if job.dry_run else "upserted", time.monotonic() - t0
        )
        job.written = [] if job.dry_run else target.written(dims, ranges)
        summary = summary_text(job, counts, total_rejected)
        job_conclude(job, counts, summary, errors)
    job_finish_dry_run(job, summary, errors)


def _series_for(dims: dict[int, Dimensions]) -> tuple[dict[int, Series], dict[int, str]]:
    """The series of each dimension, created on first use; a dimension its series refuses gets an error instead."""
    series, errors = {}, {}
    for dim, d in dims.items():
        try:
            series[dim] = series_get_or_create(
                psr=PowerSystemResource(pk=d.psr_id),
                quantity=d.quantity,
                unit=d.unit,
                timeframe=d.timeframe,
                fuel_type=FuelSourceType(pk=d.fuel_type_id) if d.fuel_type_id is not None else None,
                technology=FuelSourceTechnology(pk=d.technology_id) if d.technology_id is not None else None,
                connected_psr=PowerSystemResource(pk=d.connected_psr_id) if d.connected_psr_id else None,
            )
        except ValidationError as exc:
            errors[dim] = " ".join(exc.messages)
    return series, errors


def _rejection_errors(
    rejections: list[Rejection], dims: dict[int, Any], series_errors: dict[int, str], label: Callable[[Any], str]
) -> list[RowError]:
    out, names = [], {}
    for r in rejections:
        d = dims[r.dim]
        name = names.get(r.dim) or names.setdefault(r.dim, label(d))
        interval = f"{iso(r.start)} - {iso(r.end)}"
        if r.kind == "duplicate":
            reason = f"the same interval start of the same series ({name}) as line {r.other_line}: a duplicate row."
        elif r.kind == "overlap":
            reason = (
                f"the interval {interval} overlaps an earlier interval of the same series ({name}) in this file, "
                f"which ends at {iso(r.other_end)}."
            )
        elif r.kind == "clash":
            reason = (
                f"the interval {interval} overlaps a stored interval of another length (ending at "
                f"{iso(r.other_end)}) in the series {name}; a series never holds overlapping intervals, so "
                "delete the stored points first or import intervals of the stored length."
            )
        else:
            reason = series_errors.get(r.dim, "the series refuses this row.")
        out.append(RowError(r.line, "start", iso(r.start), reason))
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


def iso(value: datetime | str | None) -> str:
    """A datetime (or SQLite's text of one) as RFC 3339 UTC with a Z, as errors and the job's page show it."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)  # SQLite hands back UTC without its zone
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _written(dims: dict[int, Dimensions], ranges: dict) -> list[dict]:
    """What was written, per PSR, quantity and timeframe: the span of its intervals (for links to the API)."""
    spans: dict[tuple[str, str, str], list] = {}
    for dim, (first, last, _) in ranges.items():
        d = dims[dim]
        key = (d.psr_id, d.quantity, d.timeframe)
        span = spans.setdefault(key, [first, last])
        span[0], span[1] = min(span[0], first), max(span[1], last)
    return [
        {"label": f"{psr} {q} ({tf})", "psr": psr, "quantity": q, "timeframe": tf, "start": iso(a), "end": iso(b)}
        for (psr, q, tf), (a, b) in sorted(spans.items())
    ]
