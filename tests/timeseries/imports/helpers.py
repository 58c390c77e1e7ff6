"""Builders shared by the import tests: run an adapter over text, import a file through the service, sort results."""

import io
from pathlib import Path

from timeseries.imports.adapters import Adapter
from timeseries.imports.records import ImportOptions, RowError
from timeseries.imports.services import import_job_create, import_job_run
from timeseries.models import ImportJob


def read(adapter: Adapter, text: str, **options) -> list:
    """Every record and row error the adapter reads from the text, with the given import options."""
    return list(adapter.records(io.StringIO(text), ImportOptions(**options)))


def lines(*rows: str) -> str:
    """A file's text from its lines (a header and rows), each ended by a newline."""
    return "\n".join(rows) + "\n"


def records(items: list) -> list:
    """The items, which must hold no row error (the assertion shows them if they do)."""
    assert not [i for i in items if isinstance(i, RowError)], [i for i in items if isinstance(i, RowError)]
    return items


def errors(items: list) -> list[RowError]:
    return [i for i in items if isinstance(i, RowError)]


def import_path(path: Path | str, **options) -> ImportJob:
    """Create a job for a file read in place and run it to its end, as the command does."""
    return import_job_run(job_id=import_job_create(source_path=str(path), **options).pk)


def import_text(tmp_path: Path, content: str | bytes, name: str = "data.csv", **options) -> ImportJob:
    """Write the content to a file of that name and import it."""
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return import_path(path, **options)


def job_errors(job: ImportJob) -> dict[int | None, tuple[str, str, str]]:
    """A job's stored row errors by line: (column, value, reason)."""
    return {e.line: (e.column, e.value, e.reason) for e in job.errors.all()}
