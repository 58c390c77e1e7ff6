"""The import service on canonical CSV: what it writes, what it refuses, and that a refusal leaves the store as is."""

import gzip
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from psr.models import PowerSystemResource
from tests.timeseries.helpers import HOUR, QUARTER, run, utc, write, z
from tests.timeseries.imports.helpers import import_text
from timeseries.imports.services import (
    import_job_cancel,
    import_job_check_alive,
    import_job_create,
    import_job_enqueue,
    import_job_retry,
    import_job_run,
)
from timeseries.models import ImportJob, Point, Series

HEADER = "psr,quantity,start,end,value\n"


def _rows(psr: str, quantity: str, start, count: int, step=HOUR, value=lambda i: float(i)) -> str:
    return "".join(
        f"{psr},{quantity},{z(start + i * step)},{z(start + (i + 1) * step)},{value(i)}\n" for i in range(count)
    )


def _store() -> list[tuple]:
    """Everything the store holds, to compare before and after an import."""
    return list(
        Point.objects.order_by("series_id", "start").values_list(
            "series__psr_id", "series__quantity", "start", "end", "value", "quality", "updated_at"
        )
    )


def _reasons(job: ImportJob) -> list[str]:
    return [e.reason for e in job.errors.all()]


@pytest.fixture
def stored(demo):
    """A day of hourly demand already in the store, so that refusals can be seen to leave it untouched."""
    write("US-WECC-CISO", "demand", run(utc(2023, 1, 1), [10.0] * 24))
    return _store()


# -- what an import writes ----------------------------------------------------------------------------------------


def test_canonical_csv_with_every_column_is_served_by_the_api(demo, tmp_path, api):
    content = (
        "psr,quantity,start,end,value,unit,fuel_type,technology,connected_psr,timeframe,quality\n"
        "US-WECC-CISO,generation,2023-01-01T00:00:00Z,2023-01-01T01:00:00Z,1500,kWh,F01050100,,,,measured\n"
        "US-WECC-CISO,generation,2023-01-01T00:00:00Z,2023-01-01T01:00:00Z,2.5,MWh,F02010100,T050900,,,1\n"
        "US-WECC-CISO,imports,2023-01-01T00:00:00Z,2023-01-01T01:00:00Z,7,,,,US-WECC-NEVP,,\n"
        "US-WECC-CISO,price,2023-01-01T00:00:00+00:00,2023-01-01T01:00:00+00:00,42.5,USD,,,,real-time,\n"
    )
    job = import_text(tmp_path, content)
    assert job.status == "succeeded", job.message
    assert (job.rows_read, job.rows_inserted, job.rows_rejected) == (4, 4, 0)
    assert job.detected_format == "canonical-csv"
    window = "startDatetime=2023-01-01T00:00:00Z&endDatetime=2023-01-01T01:00:00Z"
    generation = api.get(f"/power-system-resources/US-WECC-CISO/timeseries/generation?{window}").json()
    assert generation["generation"][0]["value"] == 4.0  # 1.5 MWh of wind + 2.5 MWh of coal
    flows = api.get(f"/power-system-resources/US-WECC-CISO/timeseries/imports?{window}").json()
    assert flows["imports"][0]["valueByConnectedPSR"] == [{"connectedPSR": "US-WECC-NEVP", "value": 7.0}]
    price = api.get(f"/power-system-resources/US-WECC-CISO/timeseries/price?{window}&timeframe=real-time").json()
    assert (price["unit"], price["price"][0]["value"]) == ("USD", 42.5)
    assert {(w["psr"], w["quantity"]) for w in job.written} == {
        ("US-WECC-CISO", "generation"),
        ("US-WECC-CISO", "imports"),
        ("US-WECC-CISO", "price"),
    }
    assert Series.objects.get(psr_id="US-WECC-CISO", quantity="generation", technology__aib_code="T050900")


def test_a_second_import_of_the_same_file_changes_nothing(demo, tmp_path):
    content = HEADER + _rows("US-WECC-CISO", "demand", utc(2023, 1, 1), 48)
    first = import_text(tmp_path, content)
    after_first = _store()
    second = import_text(tmp_path, content)
    assert (first.rows_inserted, first.rows_unchanged) == (48, 0)
    assert (second.status, second.rows_inserted, second.rows_updated, second.rows_unchanged) == ("succeeded", 0, 0, 48)
    assert _store() == after_first  # updated_at too: unchanged points are not rewritten


def test_changed_values_are_updated_and_counted(demo, tmp_path):
    import_text(tmp_path, HEADER + _rows("US-WECC-CISO", "demand", utc(2023, 1, 1), 4))
    job = import_text(tmp_path, HEADER + _rows("US-WECC-CISO", "demand", utc(2023, 1, 1), 6, value=lambda i: i * 10.0))
    # values 0,1,2,3 become 0,10,20,30: the first is unchanged; two more intervals are new.
    assert (job.rows_inserted, job.rows_updated, job.rows_unchanged) == (2, 3, 1)
    assert list(Point.objects.order_by("start").values_list("value", flat=True)) == [0, 10, 20, 30, 40, 50]


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        ("\ufeff" + HEADER + "US-WECC-CISO,demand,2023-01-01T00:00:00Z,2023-01-01T01:00:00Z,5\n", "utf-8"),
        ((HEADER + "US-WECC-CISO,demand,2023-01-01T00:00:00Z,2023-01-01T01:00:00Z,5\n").replace("\n", "\r\n"), "utf-8"),
        (
            "psr;quantity;start;end;value\r\nUS-WECC-CISO;demand;2023-01-01T00:00:00Z;2023-01-01T01:00:00Z;5,0\r\n",
            "utf-8",
        ),
    ],
    ids=["bom", "crlf", "semicolon-decimal-comma"],
)
def test_bom_crlf_and_semicolons_are_read(demo, tmp_path, content, encoding):
    job = import_text(tmp_path, content.encode(encoding))
    assert (job.status, job.rows_inserted) == ("succeeded", 1), job.message
    assert Point.objects.get().value == 5.0


def test_a_gzip_file_is_read_and_its_progress_counts_stored_bytes(demo, tmp_path, monkeypatch):
    monkeypatch.setattr("timeseries.imports.pipelines.timeseries.PROGRESS_SECONDS", 0)
    text = (HEADER + _rows("US-WECC-CISO", "demand", utc(2023, 1, 1), 60_000, step=QUARTER)).encode()
    content = gzip.compress(text)
    path = tmp_path / "data.csv.gz"
    path.write_bytes(content)
    reported = []
    job = import_job_create(source_path=str(path))
    job = import_job_run(job_id=job.pk, progress=lambda rows, done, total: reported.append((rows, done, total)))
    assert (job.status, job.rows_inserted) == ("succeeded", 60_000)
    # Progress is told in bytes of the file as stored (compressed), never the inflated text's: part-way through,
    # part of the stored file; at the end, all of it.
    midway = [done for rows, done, total in reported if rows < 60_000]
    assert midway and all(0 < done < len(content) for done in midway)
    assert reported[-1] == (60_000, len(content), len(content))


def test_naive_local_times_take_the_file_timezone(demo, tmp_path):
    content = HEADER + "US-WECC-CISO,demand,2023-07-01T00:00:00,2023-07-01T01:00:00,5\n"
    job = import_text(tmp_path, content, timezone="America/Los_Angeles")
    assert job.status == "succeeded", job.message
    assert Point.objects.get().start == utc(2023, 7, 1, 7)  # PDT is UTC-7


def test_a_local_time_repeated_at_the_clock_change_is_refused(demo, tmp_path):
    # 01:30 happens twice in Los Angeles on 5 November 2023: without an offset it names no single instant.
    content = HEADER + "US-WECC-CISO,demand,2023-11-05T01:30:00,2023-11-05T01:45:00,5\n"
    job = import_text(tmp_path, content, timezone="America/Los_Angeles")
    assert job.status == "failed"
    assert "ambiguous" in _reasons(job)[0]


def test_dry_run_counts_and_writes_nothing(stored, tmp_path):
    content = HEADER + _rows("US-WECC-CISO", "demand", utc(2023, 1, 1), 30, value=lambda i: 10.0)
    job = import_text(tmp_path, content, dry_run=True)
    assert (job.status, job.rows_inserted, job.rows_unchanged) == ("succeeded", 6, 24)
    assert job.message.startswith("Dry run")
    assert job.written == []
    assert _store() == stored


def test_kwh_are_stored_as_mwh(demo, tmp_path):
    content = (
        "psr,quantity,start,end,value,unit\nUS-WECC-CISO,demand,2023-01-01T00:00:00Z,2023-01-01T01:00:00Z,2500,kWh\n"
    )
    job = import_text(tmp_path, content)
    assert job.status == "succeeded", (job.message, [e.reason for e in job.errors.all()])
    assert Point.objects.get().value == 2.5


# -- what an import refuses: the job fails or reports the rows, the store stays as it was --------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\n\n", "empty"),
        (HEADER.encode(), "no data rows"),
        (bytes(range(256)) * 40, "binary"),
        (b"\x89PNG\r\n\x1a\n" + bytes(2000), "PNG image"),
        ((HEADER + "US-WECC-CISO,demand,2023-01-01T00:00:00Z,2023-01-01T01:00:00Z,5\n").encode("utf-16"), "UTF-16"),
        ((HEADER + "Zürich,demand,2023-01-01T00:00:00Z,2023-01-01T01:00:00Z,5\n").encode("latin-1"), "not UTF-8"),
        (b"psr,quantity,start,value\nUS-WECC-CISO,demand,2023-01-01T00:00:00Z,5\n", "Missing required column(s) 'end'"),
        (
            (
                HEADER.strip() + ",colour\nUS-WECC-CISO,demand,2023-01-01T00:00:00Z,2023-01-01T01:00:00Z,5,red\n"
            ).encode(),
            "Unknown column(s) 'colour'",
        ),
        (b"just some words\nand more\n", "matches none of the formats we read"),
    ],
    ids=[
        "empty",
        "blank-lines",
        "header-only",
        "binary",
        "png",
        "utf16",
        "latin1",
        "missing-column",
        "unknown-column",
        "not-our-format",
    ],
)
def test_a_bad_file_fails_with_a_clear_message_and_writes_nothing(stored, tmp_path, content, message):
    job = import_text(tmp_path, content)
    assert job.status == "failed"
    assert message in job.message
    assert job.finished_at is not None
    assert _store() == stored


def test_non_utf8_bytes_deep_in_the_file_fail_the_job_after_staging(stored, tmp_path):
    good = _rows("US-WECC-CISO", "demand", utc(2023, 2, 1), 3000)  # well past the first 64 KB
    content = (HEADER + good).encode() + "US-WECC-CISO,demand,2023-06-01T00:00:00Z,2023-06-01T01:00:00Z,5 €\n".encode(
        "cp1252"
    )
    job = import_text(tmp_path, content)
    assert job.status == "failed"
    assert "not UTF-8" in job.message
    assert job.rows_read > 2000  # how far it got (to the decoder's last chunk) is kept on the failed job
    assert _store() == stored


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ("US-WECC-CISO,demand,2023-02-01T00:00:00Z,2023-02-01T01:00:00Z,NaN", "value", "finite"),
        ("US-WECC-CISO,demand,2023-02-01T00:00:00Z,2023-02-01T01:00:00Z,Infinity", "value", "finite"),
        ("US-WECC-CISO,demand,2023-02-01T00:00:00Z,2023-02-01T01:00:00Z,1e309", "value", "finite"),
        ("US-WECC-CISO,demand,2023-02-01T00:00:00Z,2023-02-01T01:00:00Z,", "value", "empty"),
        ("US-WECC-CISO,demand,2023-02-01T00:00:00Z,2023-02-01T01:00:00Z,12abc", "value", "not a number"),
        ("US-WECC-CISO,demand,2023-02-01T00:00:00,2023-02-01T01:00:00,5", "start", "no UTC offset"),
        ("US-WECC-CISO,demand,2023-02-01T01:00:00Z,2023-02-01T00:00:00Z,5", "end", "not after the start"),
        ("US-WECC-CISO,demand,yesterday,2023-02-01T00:00:00Z,5", "start", "ISO 8601"),
        ("US-WECC-NOPE,demand,2023-02-01T00:00:00Z,2023-02-01T01:00:00Z,5", "psr", "no PSR"),
        ("US-WECC-CISO,weather,2023-02-01T00:00:00Z,2023-02-01T01:00:00Z,5", "quantity", "unknown quantity"),
        ("US-WECC-CISO,imports,2023-02-01T00:00:00Z,2023-02-01T01:00:00Z,-5", "value", "cannot be negative"),
        ("US-WECC-CISO,price,2023-02-01T00:00:00Z,2023-02-01T01:00:00Z,5", "unit", "currency"),
        ("US-WECC-CISO,demand,2023-02-01T00:00:00Z,2023-02-01T01:00:00Z", "", "expected 5 fields"),
    ],
)
def test_an_invalid_row_is_reported_with_its_line_and_nothing_is_written(stored, tmp_path, row, column, reason):
    content = HEADER + _rows("US-WECC-CISO", "demand", utc(2023, 3, 1), 2) + row + "\n"
    job = import_text(tmp_path, content)
    assert job.status == "failed"
    assert "strict mode nothing was written" in job.message
    error = job.errors.get()
    assert (error.line, error.column) == (4, column)
    assert reason in error.reason
    assert job.rows_rejected == 1
    assert _store() == stored


def test_duplicate_rows_and_overlapping_intervals_in_a_file_are_reported(stored, tmp_path):
    content = (
        HEADER
        + "US-WECC-CISO,demand,2023-02-01T00:00:00Z,2023-02-01T01:00:00Z,5\n"
        + "US-WECC-CISO,demand,2023-02-01T00:00:00Z,2023-02-01T01:00:00Z,5\n"
        + "US-WECC-CISO,demand,2023-02-01T00:30:00Z,2023-02-01T01:30:00Z,5\n"
        + "US-WECC-CISO,generation,2023-02-01T00:00:00Z,2023-02-01T01:00:00Z,5\n"
    )
    job = import_text(tmp_path, content)
    assert job.status == "failed"
    errors = {e.line: e.reason for e in job.errors.all()}
    assert set(errors) == {3, 4}
    assert "duplicate" in errors[3] and "line 2" in errors[3]
    assert "overlaps an earlier interval" in errors[4]
    assert _store() == stored


def test_intervals_of_another_length_than_the_stored_ones_are_refused_naming_the_series(stored, tmp_path):
    content = HEADER + _rows("US-WECC-CISO", "demand", utc(2023, 1, 1, 6), 4, step=QUARTER)
    job = import_text(tmp_path, content)
    assert job.status == "failed"
    reasons = _reasons(job)
    assert len(reasons) == 4
    assert "US-WECC-CISO demand" in reasons[0] and "another length" in reasons[0]
    assert _store() == stored


def test_an_interval_covering_several_stored_ones_is_refused(stored, tmp_path):
    content = HEADER + "US-WECC-CISO,demand,2023-01-01T00:00:00Z,2023-01-02T00:00:00Z,240\n"
    job = import_text(tmp_path, content)
    assert job.status == "failed"
    assert "another length" in _reasons(job)[0]


def test_lenient_mode_writes_the_valid_rows_and_reports_the_others(stored, tmp_path):
    content = (
        HEADER
        + _rows("US-WECC-CISO", "demand", utc(2023, 2, 1), 3)
        + "US-WECC-CISO,demand,2023-02-02T00:00:00Z,2023-02-02T01:00:00Z,NaN\n"
        + "US-WECC-CISO,demand,2023-01-01T00:00:00Z,2023-01-01T00:15:00Z,1\n"  # clashes with a stored hour
    )
    job = import_text(tmp_path, content, mode="lenient")
    assert (job.status, job.rows_read, job.rows_inserted, job.rows_rejected) == ("succeeded", 5, 3, 2)
    assert [e.line for e in job.errors.all()] == [5, 6]
    assert len(_store()) == len(stored) + 3


def test_one_bad_row_among_a_million(demo, tmp_path):
    """Strict: nothing of a million rows is written; lenient: all but the bad one, which is reported by line."""
    psrs = ["US-WECC-CISO", "US-WECC-NEVP", "US-WECC-LADWP", "US-WECC-BANC"]
    per_psr = 250_000
    path = tmp_path / "million.csv"
    start = utc(2020, 1, 1)
    stamps = [z(start + i * QUARTER) for i in range(per_psr + 1)]
    with path.open("w") as f:
        f.write(HEADER)
        for n, psr in enumerate(psrs):
            for i in range(per_psr):
                value = "oops" if (n == 2 and i == 0) else "1.5"
                f.write(f"{psr},demand,{stamps[i]},{stamps[i + 1]},{value}\n")
    bad_line = 2 + 2 * per_psr
    strict = import_job_run(job_id=import_job_create(source_path=str(path)).pk)
    assert (strict.status, strict.rows_read, strict.rows_rejected) == ("failed", 1_000_000, 1)
    assert strict.errors.get().line == bad_line
    assert Point.objects.count() == 0
    lenient = import_job_run(job_id=import_job_create(source_path=str(path), mode="lenient").pk)
    assert (lenient.status, lenient.rows_inserted, lenient.rows_rejected) == ("succeeded", 999_999, 1)
    assert lenient.errors.get().line == bad_line
    assert Point.objects.count() == 999_999


def test_at_most_the_first_thousand_row_errors_are_kept_in_line_order(demo, tmp_path):
    content = HEADER + _rows("US-WECC-CISO", "demand", utc(2023, 1, 1), 1500, value=lambda i: "x")
    job = import_text(tmp_path, content)
    assert job.rows_rejected == 1500
    lines = list(job.errors.values_list("line", flat=True))
    assert lines == list(range(2, 1002))


def test_a_file_over_the_size_limit_is_refused(stored, tmp_path, settings):
    settings.CDSC_IMPORT_MAX_BYTES = 100
    job = import_text(tmp_path, HEADER + _rows("US-WECC-CISO", "demand", utc(2023, 2, 1), 10))
    assert job.status == "failed"
    assert "over the limit" in job.message
    assert _store() == stored


def test_a_gzip_bomb_stops_at_the_decompressed_limit(stored, tmp_path, settings):
    settings.CDSC_IMPORT_MAX_DECOMPRESSED_BYTES = 5_000_000
    bomb = io.BytesIO()
    with gzip.GzipFile(fileobj=bomb, mode="wb") as f:
        f.write(HEADER.encode())
        row = b"US-WECC-CISO,demand,2023-02-01T00:00:00Z,2023-02-01T01:00:00Z,5\n"
        for _ in range(200):
            f.write(row * 1000)  # 13 MB of text in about 60 KB
    job = import_text(tmp_path, bomb.getvalue(), name="bomb.csv.gz")
    assert len(bomb.getvalue()) < 100_000
    assert job.status == "failed"
    assert "inflates to more than 5,000,000 bytes" in job.message
    assert _store() == stored


def test_a_truncated_gzip_file_fails_cleanly(stored, tmp_path):
    content = gzip.compress((HEADER + _rows("US-WECC-CISO", "demand", utc(2023, 2, 1), 5000)).encode())
    job = import_text(tmp_path, content[: len(content) // 2], name="cut.csv.gz")
    assert job.status == "failed"
    assert "damaged or truncated" in job.message
    assert _store() == stored


# -- round trip: what the API serves can be imported again ---------------------------------------------------------


def test_an_api_response_imported_again_rebuilds_the_same_points(demo, tmp_path, api):
    write("US-WECC-CISO", "demand", run(utc(2023, 1, 1), [1.25, 2.5, 3.75]))
    url = "/power-system-resources/US-WECC-CISO/timeseries/demand?startDatetime=2023-01-01&endDatetime=2023-01-02"
    body = api.get(url).content
    before = [(p[0], p[1], p[2], p[3], p[4]) for p in _store()]
    Point.objects.all().delete()
    job = import_text(tmp_path, body, name="demand.json")
    assert (job.status, job.detected_format, job.rows_inserted) == ("succeeded", "api-json", 3)
    assert [(p[0], p[1], p[2], p[3], p[4]) for p in _store()] == before
    assert api.get(url).content == body


# -- the command -----------------------------------------------------------------------------------------------


def test_the_command_prints_the_counts(demo, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(HEADER + _rows("US-WECC-CISO", "demand", utc(2023, 1, 1), 24))
    out = io.StringIO()
    call_command("import_timeseries", str(path), stdout=out, stderr=io.StringIO())
    assert "succeeded" in out.getvalue()
    assert "inserted 24" in out.getvalue()
    dry = io.StringIO()
    call_command("import_timeseries", str(path), "--dry-run", stdout=dry, stderr=io.StringIO())
    assert "unchanged 24" in dry.getvalue()


def test_the_command_fails_with_the_first_errors(demo, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(HEADER + "US-WECC-CISO,demand,2023-01-01T00:00:00,2023-01-01T01:00:00,5\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="strict mode nothing was written"):
        call_command("import_timeseries", str(path), stdout=io.StringIO(), stderr=err)
    assert "line 2 [start=" in err.getvalue()
    call_command("import_timeseries", str(path), "--timezone", "Europe/Paris", stdout=io.StringIO())
    assert Point.objects.get().start == utc(2022, 12, 31, 23)


def test_the_command_refuses_a_missing_file_and_an_unknown_timezone(demo, tmp_path):
    with pytest.raises(CommandError, match="No file"):
        call_command("import_timeseries", str(tmp_path / "nope.csv"))
    (tmp_path / "a.csv").write_text(HEADER)
    with pytest.raises(CommandError, match="not an IANA timezone"):
        call_command("import_timeseries", str(tmp_path / "a.csv"), "--timezone", "Mars/Olympus")


# -- the life of a job -------------------------------------------------------------------------------------------


def _queued(tmp_path) -> ImportJob:
    path = tmp_path / "q.csv"
    path.write_text(HEADER + _rows("US-WECC-CISO", "demand", utc(2023, 1, 1), 2))
    return import_job_create(source_path=str(path))


def test_a_finished_job_delivered_again_is_not_run_again(demo, tmp_path):
    job = import_job_run(job_id=_queued(tmp_path).pk)
    again = import_job_run(job_id=job.pk)
    assert (again.status, again.attempts, again.rows_inserted) == ("succeeded", 1, 2)


def test_a_running_job_with_no_live_worker_is_marked_failed_and_can_be_retried(
    demo, tmp_path, django_capture_on_commit_callbacks
):
    job = _queued(tmp_path)
    ImportJob.objects.filter(pk=job.pk).update(status="running", stage="reading", worker="gone pid 1")
    job.refresh_from_db()
    failed = import_job_check_alive(job=job)
    assert failed.status == "failed"
    assert "killed or crashed" in failed.message
    assert Point.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        import_job_retry(job=failed)
    failed.refresh_from_db()
    assert (failed.status, failed.rows_inserted, failed.attempts) == ("succeeded", 2, 1)
    assert Point.objects.count() == 2


def test_a_queued_job_can_be_cancelled_and_then_is_never_run(demo, tmp_path):
    job = import_job_cancel(job=_queued(tmp_path))
    assert job.status == "cancelled"
    assert import_job_run(job_id=job.pk).status == "cancelled"
    assert Point.objects.count() == 0


def test_a_succeeded_job_cannot_be_retried(demo, tmp_path):
    from django.core.exceptions import ValidationError

    job = import_job_run(job_id=_queued(tmp_path).pk)
    with pytest.raises(ValidationError):
        import_job_retry(job=job)


def test_a_cancel_request_stops_a_running_job_without_writing(demo, tmp_path, monkeypatch):
    content = HEADER + _rows("US-WECC-CISO", "demand", utc(2023, 1, 1), 20_000, step=timedelta(minutes=5))
    path = tmp_path / "c.csv"
    path.write_text(content)
    job = import_job_create(source_path=str(path))

    def progress(rows, done, total):
        if rows:
            ImportJob.objects.filter(pk=job.pk).update(cancel_requested=True)

    monkeypatch.setattr("timeseries.imports.pipelines.timeseries.PROGRESS_SECONDS", 0)
    job = import_job_run(job_id=job.pk, progress=progress)
    assert job.status == "cancelled"
    assert Point.objects.count() == 0


def test_a_job_that_cannot_reach_the_queue_fails_instead_of_staying_queued(
    demo, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(job_id, *, run):
        raise ConnectionRefusedError("Redis is down")

    monkeypatch.setattr("timeseries.imports.services.dispatch_import", broker_down)
    job = _queued(tmp_path)
    with django_capture_on_commit_callbacks(execute=True):
        import_job_enqueue(job=job)
    job.refresh_from_db()
    assert job.status == "failed"
    assert "Could not reach the task queue" in job.message


def test_external_identifiers_and_source_fuel_codes_resolve_through_their_mappings(demo, tmp_path):
    content = (
        "psr,quantity,start,end,value,fuel_type,connected_psr\n"
        "eia:CISO,generation,2023-01-01T00:00:00Z,2023-01-01T01:00:00Z,5,eia:NG,\n"
        "eia:CISO,generation,2023-01-01T00:00:00Z,2023-01-01T01:00:00Z,7,entsoe:Wind Offshore,\n"
        "eia:CISO,generation,2023-01-01T01:00:00Z,2023-01-01T02:00:00Z,1,eia:XYZ,\n"
        "eia:NOPE,demand,2023-01-01T00:00:00Z,2023-01-01T01:00:00Z,1,,\n"
        "US-WECC-CISO,exports,2023-01-01T00:00:00Z,2023-01-01T01:00:00Z,1,,eia:NOPE\n"
    )
    job = import_text(tmp_path, content, mode="lenient")
    assert (job.rows_inserted, job.rows_rejected) == (2, 3)
    gas = Series.objects.get(fuel_type__aib_code="F02030100")
    wind = Series.objects.get(fuel_type__aib_code="F01050100")
    assert gas.psr_id == wind.psr_id == "US-WECC-CISO"
    assert (gas.technology.aib_code, wind.technology.aib_code) == ("T050000", "T020002")
    errors = {e.line: (e.column, e.reason) for e in job.errors.all()}
    assert errors[4][0] == "fuel_type" and "no eia fuel mapping for 'XYZ'" in errors[4][1]
    assert errors[5][0] == "psr" and "external identifier 'eia:NOPE'" in errors[5][1]
    assert errors[6][0] == "connected_psr" and "external identifier 'eia:NOPE'" in errors[6][1]


ENTSOE_CAPACITY = '"Production Type","2022 [MW]"\n"Fossil Gas","1200"\n"Nuclear","0"\n"Total Grand capacity","1200"\n'


def test_a_capacity_file_writes_installed_capacities_of_the_chosen_psr(demo, tmp_path):
    ciso = PowerSystemResource.objects.get(pk="US-WECC-CISO")
    before = ciso.capacities.count()
    job = import_text(tmp_path, ENTSOE_CAPACITY, psr=ciso)
    assert (job.status, job.detected_format, job.rows_inserted) == ("succeeded", "entsoe-capacity", 2)
    gas = ciso.capacities.get(fuel_type__aib_code="F02030100", start_datetime=utc(2022, 1, 1))
    assert (gas.value, gas.end_datetime) == (1200.0, utc(2023, 1, 1))
    assert ciso.capacities.count() == before + 2
    changed = import_text(tmp_path, ENTSOE_CAPACITY.replace('"1200"', '"1300"', 1), psr=ciso)
    assert (changed.rows_updated, changed.rows_unchanged) == (1, 1)


def test_a_capacity_file_is_refused_without_a_psr_or_with_bad_rows(demo, tmp_path):
    ciso = PowerSystemResource.objects.get(pk="US-WECC-CISO")
    before = ciso.capacities.count()
    no_psr = import_text(tmp_path, ENTSOE_CAPACITY)
    assert no_psr.status == "failed" and "choose the PSR" in no_psr.message
    bad = '"Production Type","2022 [MW]"\n"Fossil Gas","-5"\n"Unobtainium","3"\n'
    job = import_text(tmp_path, bad, psr=ciso)
    assert job.status == "failed"
    reasons = {e.line: e.reason for e in job.errors.all()}
    assert "MW" in reasons[2]
    assert "no entsoe fuel mapping for 'Unobtainium'" in reasons[3]
    assert ciso.capacities.count() == before


def test_a_capacity_file_naming_a_type_twice_for_one_year_is_refused_and_lenient_keeps_the_first(demo, tmp_path):
    ciso = PowerSystemResource.objects.get(pk="US-WECC-CISO")
    before = ciso.capacities.count()
    twice = ENTSOE_CAPACITY + '"Fossil Gas","900"\n'
    job = import_text(tmp_path, twice, psr=ciso)
    assert (job.status, job.rows_rejected) == ("failed", 1)
    assert [(e.line, e.reason) for e in job.errors.all()] == [(5, "the same fuel and year as line 2.")]
    assert ciso.capacities.count() == before
    lenient = import_text(tmp_path, twice, psr=ciso, mode="lenient")
    assert (lenient.status, lenient.rows_inserted, lenient.rows_rejected) == ("succeeded", 2, 1)
    assert ciso.capacities.get(fuel_type__aib_code="F02030100", start_datetime=utc(2022, 1, 1)).value == 1200.0


def test_a_negative_or_infinite_capacity_is_a_row_error(demo):
    from timeseries.imports.records import CapacityRecord, RowError
    from timeseries.imports.validate import RowValidator

    validator = RowValidator()
    for value in (-5.0, float("inf")):
        result = validator.check_capacity(CapacityRecord(7, "eia:CISO", "eia:NG", utc(2022, 1, 1), None, value))
        assert result.__class__ is RowError and result.line == 7 and "non-negative" in result.reason
    ok = validator.check_capacity(CapacityRecord(8, "eia:CISO", "eia:NG", utc(2022, 1, 1), None, 5))
    assert (ok.psr_id, ok.value) == ("US-WECC-CISO", 5.0)
