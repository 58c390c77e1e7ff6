"""The retention of uploaded files: `cleanup_imports` deletes the files of old finished jobs and keeps the jobs."""

from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.factories import SuperuserFactory
from timeseries.imports.services import import_job_create, import_job_run
from timeseries.models import ImportJob, ImportRowError

CONTENT = b"psr,quantity,start,end,value\nUS-WECC-CISO,demand,2023-01-01T00:00:00Z,2023-01-01T01:00:00Z,x\n"


@pytest.fixture(autouse=True)
def imports(settings, tmp_path) -> Path:
    settings.CDSC_IMPORT_DIR = tmp_path / "imports"
    settings.CDSC_IMPORT_RETENTION_DAYS = 30
    return settings.CDSC_IMPORT_DIR


def _job(status: str, days_ago: float, *, dry_run: bool = False) -> ImportJob:
    """An uploaded job in that status, finished (or, queued or running, created) that many days ago."""
    job = import_job_create(file=SimpleUploadedFile("day.csv", CONTENT), dry_run=dry_run)
    when = timezone.now() - timedelta(days=days_ago)
    finished = when if status in ImportJob.FINISHED else None
    ImportJob.objects.filter(pk=job.pk).update(status=status, created_at=when, finished_at=finished)
    job.refresh_from_db()
    assert Path(job.file.path).is_file()
    return job


def _cleanup(*args: str) -> str:
    out = StringIO()
    call_command("cleanup_imports", *args, stdout=out)
    return out.getvalue()


def test_old_finished_jobs_lose_their_files_and_recent_queued_and_running_ones_keep_them(db):
    old = [_job(s, 40) for s in ("succeeded", "failed", "cancelled")] + [_job("succeeded", 40, dry_run=True)]
    kept = [_job("succeeded", 5), _job("failed", 29), _job("queued", 40), _job("running", 40)]
    ImportRowError.objects.create(job=old[1], line=2, column="value", value="x", reason="the value is not a number.")
    paths = {job.pk: Path(job.file.path) for job in old + kept}

    out = _cleanup()

    assert "4 file(s) of jobs finished more than 30 day(s) ago" in out
    for job in old:
        job.refresh_from_db()
        assert not paths[job.pk].exists()
        assert job.file.name == ""  # marked removed: nothing points at a missing file
        assert job.original_name == "day.csv"
    for job in kept:
        job.refresh_from_db()
        assert paths[job.pk].is_file()
        assert job.file.name
    assert old[1].errors.count() == 1  # the job keeps its row errors


def test_dry_run_deletes_nothing_and_days_overrides_the_setting(db):
    job = _job("failed", 10)
    assert _cleanup().startswith("0 file(s)")
    assert f"job {job.pk} (failed, day.csv): would delete its file" in _cleanup("--dry-run", "--days", "7")
    assert Path(job.file.path).is_file()
    assert f"job {job.pk} (failed, day.csv): deleted its file" in _cleanup("--days", "7")
    job.refresh_from_db()
    assert not job.file


def test_files_outside_the_import_folder_and_files_read_in_place_are_left_alone(db, tmp_path):
    in_place = tmp_path / "in-place.csv"
    in_place.write_bytes(CONTENT)
    job = import_job_create(source_path=str(in_place))
    ImportJob.objects.filter(pk=job.pk).update(status="succeeded", finished_at=timezone.now() - timedelta(days=99))
    assert "0 file(s)" in _cleanup()
    assert in_place.is_file()


def test_the_pages_of_a_cleaned_job_still_work(db):
    job = _job("failed", 40)
    job.message = "1 of 1 rows are invalid."
    job.save()
    _cleanup()
    client = Client()
    client.force_login(SuperuserFactory())
    page = client.get(f"/imports/{job.pk}")
    assert page.status_code == 200
    assert b"1 of 1 rows are invalid." in page.content
    assert client.get(f"/imports/{job.pk}/status").json()["status"] == "failed"
    assert client.get(f"/imports/{job.pk}/errors.csv").status_code == 200
    assert client.get("/imports/").status_code == 200


def test_a_cleaned_job_run_again_anyway_fails_saying_its_file_was_deleted(db):
    job = _job("failed", 40)
    _cleanup()
    ImportJob.objects.filter(pk=job.pk).update(status="queued")
    job = import_job_run(job_id=job.pk)
    assert job.status == "failed"
    assert "was deleted" in job.message
