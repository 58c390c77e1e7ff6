"""The import pages through the test client: who may upload, the size limit, CSRF, whose jobs one sees, the admin."""

import csv
import io
import re
from pathlib import Path
from types import SimpleNamespace
from typing import ClassVar

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.test import Client

from tests.factories import ImportJobFactory, ImportRowErrorFactory, MeterFactory, SuperuserFactory, UserFactory
from tests.timeseries.helpers import run, utc, write
from timeseries.models import ImportJob, ImportRowError

pytestmark = pytest.mark.django_db

UPLOAD_URL = "/imports/new"


def day_of_demand_csv(psr: str = "US-WECC-CISO", first_value: float = 1000.0) -> bytes:
    """A day of hourly demand in the canonical CSV format."""
    lines = ["psr,quantity,start,end,value"]
    for hour in range(24):
        lines.append(
            f"{psr},demand,2023-01-01T{hour:02d}:00:00Z,"
            f"{'2023-01-02T00' if hour == 23 else f'2023-01-01T{hour + 1:02d}'}:00:00Z,{first_value + hour}"
        )
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(autouse=True)
def folders(settings, tmp_path) -> SimpleNamespace:
    """Uploads are stored in, and spooled through, folders of this test only."""
    imports, spool = tmp_path / "imports", tmp_path / "spool"
    spool.mkdir()
    settings.CDSC_IMPORT_DIR = imports
    settings.FILE_UPLOAD_TEMP_DIR = str(spool)
    return SimpleNamespace(imports=imports, spool=spool)


def logged_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


@pytest.fixture
def importer(db):
    return UserFactory(username="importer", is_staff=True, perms=("run_import",))


@pytest.fixture
def other(db):
    return UserFactory(username="other", is_staff=True, perms=("run_import",))


def upload(client: Client, content: bytes | None = None, name: str = "demand.csv", **fields):
    # The file goes last, as the page's form sends it.
    data = {"format": "auto", "mode": "strict", "timezone": "", "psr": "", **fields}
    data["file"] = SimpleUploadedFile(name, day_of_demand_csv() if content is None else content, "text/csv")
    return client.post(UPLOAD_URL, data)


def make_job(user, **fields) -> ImportJob:
    return ImportJobFactory(created_by=user, **{"status": ImportJob.Status.SUCCEEDED, **fields})


def files_in(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


# Who may upload


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_user_is_sent_to_login_and_no_job_is_made(client, method):
    response = upload(client) if method == "post" else client.get(UPLOAD_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=/imports/new")
    assert not ImportJob.objects.exists()


def test_staff_without_the_import_permission_gets_403_and_no_job(db, folders):
    client = logged_in(UserFactory(username="viewer", is_staff=True, perms=("view_importjob",)))
    assert client.get(UPLOAD_URL).status_code == 403
    assert upload(client).status_code == 403
    assert not ImportJob.objects.exists()
    assert files_in(folders.imports) == []


def test_non_staff_with_the_import_permission_gets_403(db):
    client = logged_in(UserFactory(username="outsider", perms=("run_import",)))
    assert client.get(UPLOAD_URL).status_code == 403
    assert upload(client).status_code == 403
    assert not ImportJob.objects.exists()


def test_superuser_may_upload(db, demo):
    client = logged_in(SuperuserFactory(username="root"))
    assert client.get(UPLOAD_URL).status_code == 200
    assert upload(client).status_code == 302
    assert ImportJob.objects.count() == 1


def test_upload_page_offers_auto_detection_every_format_and_both_modes(importer):
    html = logged_in(importer).get(UPLOAD_URL).content.decode()
    assert '<option value="auto" selected>' in html
    assert '<option value="canonical-csv">' in html
    assert 'value="strict"' in html and 'value="lenient"' in html
    assert 'name="dry_run"' in html
    # The file field is the last one, so a stopped upload still delivers the others.
    assert html.rindex('name="file"') > html.rindex('name="psr"')


# Uploading


def test_staff_importer_upload_makes_a_job_and_redirects_to_its_page(importer, demo):
    response = upload(logged_in(importer), mode="lenient", dry_run="on", timezone="America/Los_Angeles", psr="US-WECC")
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/imports/{job.pk}"
    assert (job.created_by, job.original_name, job.requested_format) == (importer, "demand.csv", "auto")
    assert (job.mode, job.dry_run, job.timezone, job.psr_id) == ("lenient", True, "America/Los_Angeles", "US-WECC")


def test_uploaded_file_is_stored_in_the_import_folder_under_a_generated_name(importer, demo, folders):
    content = day_of_demand_csv()
    upload(logged_in(importer), content, name="my demand.csv")
    job = ImportJob.objects.get()
    stored = Path(job.file.path)
    assert stored.is_relative_to(folders.imports)
    assert "demand" not in str(stored.relative_to(folders.imports))
    assert stored.read_bytes() == content
    assert job.size == len(content)
    assert files_in(folders.spool) == []  # Django's temporary copy is gone


def test_upload_runs_the_job_and_its_page_shows_counts_and_links_to_the_data(
    importer, demo, api, django_capture_on_commit_callbacks
):
    client = logged_in(importer)
    # The job is enqueued at commit (test settings run it in-process then); inside the test's transaction,
    # run what the commit would run.
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.SUCCEEDED, job.message
    page = client.get(response["Location"]).content.decode()
    assert 'id="job-status">succeeded<' in page
    assert 'id="count-read">24<' in page and 'id="count-inserted">24<' in page
    link = re.search(r'<a href="(/power-system-resources/US-WECC-CISO/timeseries/demand\?[^"]+)"', page).group(1)
    data = api.get(link.replace("&amp;", "&")).json()
    assert [p["value"] for p in data["demand"]] == [1000.0 + h for h in range(24)]


def test_invalid_timezone_and_unknown_psr_are_form_errors_and_make_no_job(importer, demo, folders):
    response = upload(logged_in(importer), timezone="Mars/Olympus", psr="NO-SUCH-PSR")
    assert response.status_code == 200
    html = response.content.decode()
    assert "&#x27;Mars/Olympus&#x27; is not an IANA timezone name" in html
    assert "There is no power system resource &#x27;NO-SUCH-PSR&#x27;" in html
    assert not ImportJob.objects.exists()
    assert files_in(folders.imports) == []


def test_a_meters_readings_upload_takes_the_meter_format_and_validity_from_the_form(
    importer, django_capture_on_commit_callbacks
):
    meter = MeterFactory(meter_number="FORM-1")
    readings = b"direction,start,end,value,unit\ndelivered,2024-03-01T00:00:00Z,2024-03-01T00:15:00Z,2.5,kWh\n"
    client = logged_in(importer)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(
            client, readings, "readings.csv", meter="FORM-1", reading_format="scada", validity="total_gross"
        )
    job = ImportJob.objects.get()
    assert (job.status, job.detected_format, job.meter, job.rows_inserted) == ("succeeded", "meter-csv", meter, 1)
    page = client.get(response["Location"]).content.decode()
    link = (
        f'href="/production-projects/{meter.project_id}/usage-segments?meter_numbers=FORM-1&amp;reading_formats=scada'
    )
    assert link in page and "meter FORM-1 scada (total_gross, delivered)" in page


def test_an_unknown_meter_is_a_form_error_and_makes_no_job(importer, folders):
    response = upload(logged_in(importer), b"direction,start,end,value,unit\n", "readings.csv", meter="NO-SUCH")
    assert "There is no meter &#x27;NO-SUCH&#x27;" in response.content.decode()
    assert not ImportJob.objects.exists() and files_in(folders.imports) == []


# CSRF


def test_upload_without_csrf_token_is_refused_and_makes_no_job(importer):
    response = upload(logged_in(importer, enforce_csrf_checks=True))
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_upload_with_the_forms_csrf_token_is_accepted(importer, demo):
    client = logged_in(importer, enforce_csrf_checks=True)
    html = client.get(UPLOAD_URL).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = upload(client, csrfmiddlewaretoken=token)
    assert response.status_code == 302
    assert ImportJob.objects.count() == 1


# The size limit


class ChunkRecorder(FileUploadHandler):
    """Placed after the limit handler, before Django's own: records the bytes passed on towards storage."""

    received: ClassVar[list[int]] = []

    def receive_data_chunk(self, raw_data, start):
        ChunkRecorder.received.append(len(raw_data))
        return raw_data

    def file_complete(self, file_size):
        return None


@pytest.fixture
def recorded(settings) -> list[int]:
    settings.FILE_UPLOAD_HANDLERS = [f"{__name__}.ChunkRecorder", *settings.FILE_UPLOAD_HANDLERS]
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000  # spool to a temporary file, as a large upload would
    ChunkRecorder.received = []
    return ChunkRecorder.received


def test_file_over_the_limit_is_stopped_while_streaming_with_a_form_error(importer, settings, folders, recorded):
    settings.CDSC_IMPORT_MAX_BYTES = 100_000
    content = day_of_demand_csv() * 200  # about 300 kB, more than four 64 kB chunks
    assert len(content) > 3 * settings.CDSC_IMPORT_MAX_BYTES
    response = upload(logged_in(importer), content, mode="lenient")
    assert response.status_code == 200
    html = response.content.decode().replace("\xa0", " ")
    assert "larger than the upload limit of 97.7 KB (100,000 bytes); nothing was stored" in html
    assert not ImportJob.objects.exists()
    # Stopped at the limit: what went on towards storage is within it, and none of it is kept.
    assert 0 < sum(recorded) <= settings.CDSC_IMPORT_MAX_BYTES
    assert files_in(folders.spool) == []
    assert files_in(folders.imports) == []
    # The fields sent before the file arrived: the form comes back as it was filled in.
    assert re.search(r'value="lenient"[^>]*checked', response.content.decode())


def test_body_far_over_the_limit_is_refused_before_any_byte_is_stored(importer, settings, folders, recorded):
    settings.CDSC_IMPORT_MAX_BYTES = 1000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = upload(logged_in(importer), b"x" * 2_000_000)
    assert response.status_code == 200
    assert "larger than the upload limit" in response.content.decode()
    assert recorded == []
    assert not ImportJob.objects.exists()
    assert files_in(folders.spool) == []


def test_file_at_the_limit_is_accepted(importer, settings, demo):
    content = day_of_demand_csv()
    settings.CDSC_IMPORT_MAX_BYTES = len(content)
    assert upload(logged_in(importer), content).status_code == 302


# Whose jobs one sees


def test_other_users_jobs_are_404_on_every_page(importer, other):
    client = logged_in(importer)
    job = make_job(other, status=ImportJob.Status.FAILED)
    for suffix in ("", "/status", "/errors.csv"):
        assert client.get(f"/imports/{job.pk}{suffix}").status_code == 404, suffix
    for action in ("cancel", "retry"):
        assert client.post(f"/imports/{job.pk}/{action}").status_code == 404, action
    assert client.get(f"/imports/{job.pk + 1000}").status_code == 404
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED


def test_job_list_shows_only_ones_own_jobs(importer, other):
    mine, theirs = make_job(importer), make_job(other)
    html = logged_in(importer).get("/imports/").content.decode()
    assert f'href="/imports/{mine.pk}"' in html and mine.original_name in html
    assert f'href="/imports/{theirs.pk}"' not in html and theirs.original_name not in html


def test_user_with_view_permission_sees_everyones_jobs_but_cannot_cancel_them(db, other):
    auditor = UserFactory(username="auditor", is_staff=True, perms=("view_importjob",))
    job = make_job(other, status=ImportJob.Status.QUEUED)
    client = logged_in(auditor)
    assert job.original_name in client.get("/imports/").content.decode()
    assert client.get(f"/imports/{job.pk}").status_code == 200
    assert client.get(f"/imports/{job.pk}/status").json()["can_cancel"] is False
    assert client.post(f"/imports/{job.pk}/cancel").status_code == 403
    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED


def test_job_list_is_paginated_newest_first(importer):
    jobs = [make_job(importer, original_name=f"file-{i:02d}.csv") for i in range(30)]
    client = logged_in(importer)
    first, second = client.get("/imports/").content.decode(), client.get("/imports/?page=2").content.decode()
    assert len(re.findall(r'href="/imports/\d+"', first)) == 25
    assert len(re.findall(r'href="/imports/\d+"', second)) == 5
    assert first.index("file-29.csv") < first.index("file-05.csv")
    assert f'href="/imports/{jobs[0].pk}"' in second


@pytest.mark.parametrize("path", ["/imports/", "/imports/1", "/imports/1/status", "/imports/1/errors.csv"])
def test_job_pages_send_anonymous_users_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_job_pages_refuse_non_staff(db):
    user = UserFactory(username="outsider", perms=("run_import",))
    job = make_job(user)
    client = logged_in(user)
    assert client.get("/imports/").status_code == 403
    assert client.get(f"/imports/{job.pk}").status_code == 403


# The job page, its status and its errors


def test_status_reports_counts_first_errors_and_links_to_the_written_data(importer, demo, api):
    write("US-WECC-CISO", "demand", run(utc(2023, 1, 1), [10.0, 11.0]))
    write("US-WECC-CISO", "price", run(utc(2023, 1, 1), [50.0]), unit="USD", timeframe="actual")
    job = make_job(
        importer,
        rows_read=63,
        rows_inserted=3,
        rows_rejected=60,
        size=1000,
        bytes_read=1000,
        written=[
            {"psr": "US-WECC-CISO", "quantity": "demand", "timeframe": "actual", "start": "2023-01-01T00:00:00+00:00",
             "end": "2023-01-01T02:00:00+00:00"},
            {"psr": "US-WECC-CISO", "quantity": "price", "timeframe": "actual", "start": "2023-01-01T00:00:00+00:00",
             "end": "2023-01-01T01:00:00+00:00"},
        ],
    )  # fmt: skip
    ImportRowError.objects.bulk_create(
        ImportRowError(job=job, line=i + 2, column="value", value=f"x{i}", reason="not a number") for i in range(60)
    )
    state = logged_in(importer).get(f"/imports/{job.pk}/status").json()
    assert state["status"] == "succeeded" and state["finished"] is True
    assert state["counts"] == {"read": 63, "inserted": 3, "updated": 0, "unchanged": 0, "rejected": 60}
    assert state["progress"] == 1.0
    assert len(state["errors"]) == 50 and state["errors_total"] == 60
    assert state["errors"][0] == {"line": 2, "column": "value", "value": "x0", "reason": "not a number"}
    demand, price = (item["url"] for item in state["written"])
    assert demand == (
        "/power-system-resources/US-WECC-CISO/timeseries/demand"
        "?startDatetime=2023-01-01T00%3A00%3A00%2B00%3A00&endDatetime=2023-01-01T02%3A00%3A00%2B00%3A00"
    )
    assert price.endswith("&timeframe=actual")  # prices default to day-ahead
    assert [p["value"] for p in api.get(demand).json()["demand"]] == [10.0, 11.0]
    assert [p["value"] for p in api.get(price).json()["price"]] == [50.0]


def test_job_page_shows_state_and_polls_only_while_unfinished(importer):
    queued, done = make_job(importer, status=ImportJob.Status.QUEUED), make_job(importer, rows_read=7)
    client = logged_in(importer)
    queued_page = client.get(f"/imports/{queued.pk}").content.decode()
    assert 'data-polling="on"' in queued_page and 'id="job-status">queued<' in queued_page
    assert re.search(r'<form[^>]*id="job-cancel">', queued_page)  # shown, not hidden
    done_page = client.get(f"/imports/{done.pk}").content.decode()
    assert 'data-polling="off"' in done_page and 'id="count-read">7<' in done_page
    assert re.search(r'<form[^>]*id="job-cancel" hidden>', done_page)
    assert "/static/imports/job.js" in done_page


def test_running_job_whose_worker_is_gone_shows_as_failed(importer):
    # Nobody holds this job's worker lock: its worker is dead.
    job = make_job(importer, status=ImportJob.Status.RUNNING, worker="gone-host:1")
    state = logged_in(importer).get(f"/imports/{job.pk}/status").json()
    assert state["status"] == "failed"
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED


def test_errors_csv_lists_every_kept_error_with_formulas_escaped(importer):
    job = make_job(importer, status=ImportJob.Status.FAILED)
    ImportRowError.objects.bulk_create(
        [
            ImportRowError(job=job, line=2, column="value", value='=HYPERLINK("http://evil")', reason="not a number"),
            ImportRowError(job=job, line=3, column="psr", value="@SUM(A1)", reason="unknown PSR, see, commas"),
            ImportRowError(job=job, line=None, column="", value="", reason="-file ends early"),
        ]
    )
    response = logged_in(importer).get(f"/imports/{job.pk}/errors.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="import-{job.pk}-errors.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["line", "column", "value", "reason"],
        ["2", "value", '\'=HYPERLINK("http://evil")', "not a number"],
        ["3", "psr", "'@SUM(A1)", "unknown PSR, see, commas"],
        ["", "", "", "'-file ends early"],
    ]


# Cancel and retry


def test_cancel_button_cancels_a_queued_job(importer):
    job = make_job(importer, status=ImportJob.Status.QUEUED)
    client = logged_in(importer)
    assert client.get(f"/imports/{job.pk}/cancel").status_code == 405
    response = client.post(f"/imports/{job.pk}/cancel")
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}"
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED
    page = client.get(response["Location"]).content.decode()
    assert "<li>Cancelled.</li>" in page and 'id="job-status">cancelled<' in page


def test_cancelling_a_finished_job_changes_nothing_and_says_so(importer):
    job = make_job(importer, status=ImportJob.Status.SUCCEEDED)
    response = logged_in(importer).post(f"/imports/{job.pk}/cancel", follow=True)
    assert "Nothing to cancel: the job has succeeded." in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED


def test_retry_button_queues_a_failed_job_again(importer, demo, folders):
    client = logged_in(importer)
    upload(client, day_of_demand_csv("NO-SUCH-PSR"))
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, rows_read=24)
    response = client.post(f"/imports/{job.pk}/retry")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED and job.rows_read == 0


# Admin


@pytest.fixture
def admin_client_(db) -> Client:
    return logged_in(SuperuserFactory(username="root"))


def test_admin_lists_filters_and_searches_jobs(admin_client_, importer, other):
    make_job(importer, original_name="alpha.csv", status=ImportJob.Status.FAILED, detected_format="canonical-csv")
    make_job(other, original_name="beta.json.gz")
    listing = admin_client_.get("/admin/timeseries/importjob/")
    assert listing.status_code == 200
    assert "alpha.csv" in listing.content.decode() and "beta.json.gz" in listing.content.decode()
    failed = admin_client_.get("/admin/timeseries/importjob/?status__exact=failed").content.decode()
    assert "alpha.csv" in failed and "beta.json.gz" not in failed
    found = admin_client_.get("/admin/timeseries/importjob/?q=other").content.decode()
    assert "beta.json.gz" in found and "alpha.csv" not in found


def test_admin_job_page_is_read_only_with_errors_and_links(admin_client_, importer):
    job = make_job(importer, status=ImportJob.Status.FAILED)
    ImportRowErrorFactory(job=job, line=5, column="end", value="yesterday", reason="not a datetime")
    response = admin_client_.get(f"/admin/timeseries/importjob/{job.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="/imports/{job.pk}"' in html and f'href="/imports/{job.pk}/errors.csv"' in html
    assert "not a datetime" in html and "yesterday" in html
    assert 'name="_save"' not in html  # nothing to edit
    assert admin_client_.get("/admin/timeseries/importjob/add/").status_code == 403


def test_admin_actions_cancel_and_retry_through_the_services(admin_client_, importer):
    queued = make_job(importer, status=ImportJob.Status.QUEUED)
    failed = make_job(importer, status=ImportJob.Status.FAILED, rows_read=9)
    url = "/admin/timeseries/importjob/"
    admin_client_.post(url, {"action": "cancel_jobs", "_selected_action": [queued.pk]})
    admin_client_.post(url, {"action": "retry_jobs", "_selected_action": [failed.pk]})
    queued.refresh_from_db()
    failed.refresh_from_db()
    assert queued.status == ImportJob.Status.CANCELLED
    assert failed.status == ImportJob.Status.QUEUED and failed.rows_read == 0


def test_landing_page_links_the_upload_page_and_the_job_list(client):
    html = client.get("/").content.decode()
    assert 'href="/imports/new"' in html and 'href="/imports/"' in html
