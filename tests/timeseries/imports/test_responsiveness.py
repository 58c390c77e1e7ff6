"""An import stays responsive whatever the file holds: a gzip of a gigabyte of blank lines is cancelled or stopped
by its time limit within seconds, an empty file fails saying how much it read, and a huge header is reported in a
bounded message."""

import gzip
import io
import time
from pathlib import Path

import pytest
from celery.exceptions import SoftTimeLimitExceeded

from tests.timeseries.imports.helpers import import_path, import_text
from timeseries.imports.adapters.common import csv_rows
from timeseries.imports.outcome import MAX_MESSAGE_LENGTH, MAX_REASON_LENGTH, job_finish
from timeseries.imports.records import RowError
from timeseries.imports.services import import_job_create, import_job_run
from timeseries.models import ImportJob

HEADER = b"psr,quantity,start,end,value\n"
MB = 1024 * 1024


def _blank_lines_gzip(path: Path, megabytes: int) -> Path:
    """The header then `megabytes` MB of newlines, gzipped: one compressed member of 64 MB (or less) repeated, so a
    gigabyte builds in well under a second."""
    block = min(megabytes, 64)
    member = gzip.compress(b"\n" * (block * MB), compresslevel=9)
    path.write_bytes(gzip.compress(HEADER) + member * (megabytes // block))
    return path


def _run(path: Path, progress) -> ImportJob:
    return import_job_run(job_id=import_job_create(source_path=str(path)).pk, progress=progress)


@pytest.fixture
def gigabyte_of_blank_lines(tmp_path) -> Path:
    return _blank_lines_gzip(tmp_path / "blank.csv.gz", 1024)


def test_a_cancel_stops_a_job_reading_a_gigabyte_of_blank_lines_within_seconds(demo, gigabyte_of_blank_lines):
    def cancel_on_first_report(rows: int, bytes_read: int, total: int) -> None:
        # As the job page's Cancel button does, from the job's first progress report on: part-way through reading.
        ImportJob.objects.filter(status="running").update(cancel_requested=True)

    began = time.monotonic()
    job = _run(gigabyte_of_blank_lines, progress=cancel_on_first_report)
    elapsed = time.monotonic() - began
    assert job.status == "cancelled", job.message
    assert elapsed < 10
    assert 0 < job.bytes_read < job.size // 2


def test_the_time_limit_stops_a_job_reading_a_gigabyte_of_blank_lines_within_seconds(demo, gigabyte_of_blank_lines):
    def time_limit(rows: int, bytes_read: int, total: int) -> None:
        # Celery raises it from a signal handler, wherever the job is; here from the first progress report.
        raise SoftTimeLimitExceeded

    began = time.monotonic()
    job = _run(gigabyte_of_blank_lines, progress=time_limit)
    elapsed = time.monotonic() - began
    assert job.status == "failed"
    assert "ran past its time limit" in job.message
    assert elapsed < 10
    assert job.bytes_read < job.size // 2


def test_a_file_of_blank_lines_fails_saying_it_read_megabytes_and_found_no_data_rows(demo, tmp_path):
    job = import_path(_blank_lines_gzip(tmp_path / "blank.csv.gz", 50))
    assert job.status == "failed"
    assert job.message.startswith("Read 52 MB and found no data rows")
    assert job.rows_read == 0


def test_a_small_empty_file_says_it_holds_no_data_rows(demo, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(HEADER + b"\n\n")
    job = import_path(path)
    assert (job.status, job.message) == ("failed", "The file holds no data rows.")


def test_a_header_of_a_hundred_thousand_unknown_columns_fails_with_a_bounded_message(demo, tmp_path):
    path = tmp_path / "wide.csv"
    unknown = ",".join(f"column{i}" for i in range(100_000))
    path.write_text(f"psr,quantity,start,end,value,{unknown}\nUS-WECC-CISO,demand\n")
    job = import_path(path)
    assert job.status == "failed"
    assert len(job.message) <= MAX_MESSAGE_LENGTH
    assert job.message.startswith("Unknown column(s) 'column0', 'column1', ")
    assert "… and 99,970 more in the header row" in job.message


def test_a_stored_message_and_row_error_reason_are_cut_saying_how_much_was_left_out(demo, tmp_path):
    job = import_job_create(source_path=str(_blank_lines_gzip(tmp_path / "blank.csv.gz", 1)))
    job_finish(job, ImportJob.Status.FAILED, "m" * 100_000, [RowError(2, "value", "x", "r" * 100_000)])
    job.refresh_from_db()
    assert len(job.message) <= MAX_MESSAGE_LENGTH
    assert job.message.endswith(f"… ({100_000 - MAX_MESSAGE_LENGTH + 40:,} more characters)")
    assert len(job.errors.get().reason) <= MAX_REASON_LENGTH


def test_rows_after_a_long_run_of_blank_lines_keep_their_file_line_numbers(demo, tmp_path):
    row = "US-WECC-CISO,demand,2023-01-01T{h}:00:00Z,2023-01-01T{h}:30:00Z,{v}\n"
    content = (
        HEADER.decode()
        + row.format(h="00", v="1")
        + "\r\n" * 5000
        + row.format(h="01", v="x")
        + "\n" * 3_000_000
        + row.format(h="02", v="y")
    )
    job = import_text(tmp_path, content, mode="lenient")
    assert (job.status, job.rows_read, job.rows_inserted) == ("succeeded", 3, 1), job.message
    assert [(e.line, e.value) for e in job.errors.all()] == [(5003, "x"), (3_005_004, "y")]


def test_the_shared_csv_reader_numbers_lines_after_long_blank_runs_as_the_file_does():
    text = io.StringIO("a\n" + "\n" * 2500 + "b,c\n" + "\r\n" * 1500 + '"d\n\ne",f\n' + "\r" * 4000 + "g\n", newline="")
    assert list(csv_rows(text, header_line=0)) == [
        (1, ["a"]),
        (2502, ["b", "c"]),
        (4003, ["d\n\ne", "f"]),
        (8006, ["g"]),
    ]
