"""Files read whole before anything is written (capacity files, generator inventories: small files)."""

from collections.abc import Callable, Iterable
from typing import Any

from ...models import ImportJob
from ..outcome import MAX_STORED_ERRORS, JobFailed, strict_failure
from ..records import RowError


def read_whole(
    job: ImportJob,
    records: Iterable[Any],
    *,
    check: Callable[[Any], Any],
    kind: type,
    key: Callable[[Any], Any],
    duplicate: Callable[[Any, Any, int], RowError],
) -> tuple[list, list[RowError], int, int]:
    """The checked rows of the file, each key once (a second row with the same key is a row error), its first
    row errors, and how many rows were read and rejected. Fails the job for an empty file, or (strict) for any
    bad row; a file that is not UTF-8 fails it too."""
    rows: list = []
    errors: list[RowError] = []
    seen: dict = {}
    read = rejected = 0
    try:
        for record in records:
            read += 1
            row = record if isinstance(record, RowError) else check(record)
            if isinstance(row, kind):
                k = key(row)
                if k not in seen:
                    seen[k] = row.line
                    rows.append(row)
                    continue
                row = duplicate(row, record, seen[k])
            rejected += 1
            if len(errors) < MAX_STORED_ERRORS:
                errors.append(row)
    except UnicodeDecodeError as exc:
        raise JobFailed("The file is not UTF-8 text; save it as UTF-8 and upload it again.") from exc
    job.rows_read, job.rows_rejected = read, rejected
    if read == 0:
        raise JobFailed("The file holds no data rows.")
    if rejected and job.mode == ImportJob.Mode.STRICT:
        raise strict_failure(rejected, read, errors)
    return rows, errors, read, rejected
