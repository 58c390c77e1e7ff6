"""The import pages in a real browser: upload a file, watch its job finish live, follow the link to the data."""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.pagecheck import log_in
from tests.factories import ImportJobFactory, ImportRowErrorFactory, OperatorFactory
from timeseries.imports.liveness import job_lock
from timeseries.models import ImportJob

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    settings.CDSC_IMPORT_DIR = tmp_path / "imports"


@pytest.fixture
def operator(db):
    return OperatorFactory(username="operator")


def test_staff_uploads_a_csv_sees_the_job_succeed_and_follows_the_link_to_the_data(page, grid, operator, tmp_path):
    lines = ["psr,quantity,start,end,value"]
    for hour in range(24):
        end = f"2023-01-01T{hour + 1:02d}:00:00Z" if hour < 23 else "2023-01-02T00:00:00Z"
        lines.append(f"US-WECC-CISO,demand,2023-01-01T{hour:02d}:00:00Z,{end},{20000 + 10 * hour}")
    csv_file = tmp_path / "ciso-demand.csv"
    csv_file.write_text("\n".join(lines) + "\n")

    page.goto("/")
    page.get_by_role("link", name="Import time series from a file").click()
    log_in(page, "operator")  # the upload page sends an anonymous visitor to the login page, and back after
    page.wait_for_url("**/imports/new")
    expect(page.locator("#id_format")).to_have_value("auto")  # the file format, not the reading format
    page.get_by_label("File").set_input_files(csv_file)
    page.get_by_role("button", name="Upload and import").click()

    page.wait_for_url(re.compile(r"/imports/\d+$"))
    expect(page.locator("h1")).to_contain_text("ciso-demand.csv")
    expect(page.locator("#job-status")).to_have_text("succeeded")
    expect(page.locator("#count-read")).to_have_text("24")
    expect(page.locator("#count-inserted")).to_have_text("24")
    expect(page.locator("#count-rejected")).to_have_text("0")
    expect(page.locator("#job-progress")).to_have_js_property("value", 1)
    expect(page.locator("#job-errors-summary")).to_have_text("None.")

    page.locator("#job-written").get_by_role("link", name=re.compile("US-WECC-CISO demand")).click()
    page.wait_for_url("**/power-system-resources/US-WECC-CISO/timeseries/demand?*")
    data = json.loads(page.locator("body").inner_text())
    assert [p["value"] for p in data["demand"]] == [20000 + 10 * h for h in range(24)]
    assert data["demand"][0]["startDatetime"] == "2023-01-01T00:00:00Z"


def test_job_page_follows_a_running_job_without_reloading(page, grid, operator):
    job = ImportJobFactory(created_by=operator, original_name="big.csv", size=1000)
    page.goto(f"/imports/{job.pk}")
    log_in(page, "operator")
    page.wait_for_url(f"**/imports/{job.pk}")
    expect(page.locator("#job-status")).to_have_text("queued")
    page.evaluate("window.notReloaded = true")

    # A live worker holds the job's lock, so the page does not take the job for dead.
    with job_lock(job.pk) as held:
        assert held
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.RUNNING, stage="reading", rows_read=400, bytes_read=250
        )
        expect(page.locator("#job-status")).to_have_text("running")
        expect(page.locator("#job-stage")).to_have_text("(reading)")
        expect(page.locator("#count-read")).to_have_text("400")
        expect(page.locator("#job-progress")).to_have_js_property("value", 0.25)
        expect(page.get_by_role("button", name="Cancel this import")).to_be_visible()

        ImportRowErrorFactory(job=job, line=7, column="value", value="<b>n/a</b>", reason="not a number")
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.SUCCEEDED,
            stage="",
            rows_read=1600,
            bytes_read=1000,
            rows_inserted=1599,
            rows_rejected=1,
            message="1,600 rows read; inserted 1,599.",
            written=[
                {
                    "psr": "US-WECC-CISO",
                    "quantity": "demand",
                    "timeframe": "actual",
                    "start": "2023-01-01T00:00:00Z",
                    "end": "2023-03-08T16:00:00Z",
                }
            ],
        )
    expect(page.locator("#job-status")).to_have_text("succeeded")
    expect(page.locator("#import-job")).to_have_attribute("data-polling", "off")
    expect(page.locator("#count-inserted")).to_have_text("1599")
    expect(page.locator("#count-rejected")).to_have_text("1")
    expect(page.locator("#job-message")).to_have_text("1,600 rows read; inserted 1,599.")
    expect(page.get_by_role("button", name="Cancel this import")).to_be_hidden()
    error_row = page.locator("#job-errors tbody tr")
    expect(error_row).to_have_count(1)
    # Text from the file is shown as text, never as markup.
    expect(error_row.locator("td").nth(2)).to_have_text("<b>n/a</b>")
    expect(page.get_by_role("link", name="Download the row errors (CSV)")).to_be_visible()
    link = page.locator("#job-written a")
    expect(link).to_have_attribute(
        "href",
        "/power-system-resources/US-WECC-CISO/timeseries/demand"
        "?startDatetime=2023-01-01T00%3A00%3A00Z&endDatetime=2023-03-08T16%3A00%3A00Z",
    )
    assert page.evaluate("window.notReloaded") is True


def test_queued_job_is_cancelled_from_its_page(page, grid, operator):
    job = ImportJobFactory(created_by=operator, original_name="wrong.csv", size=10)
    page.goto(f"/imports/{job.pk}")
    log_in(page, "operator")
    page.get_by_role("button", name="Cancel this import").click()
    expect(page.locator("#job-status")).to_have_text("cancelled")
    expect(page.get_by_role("button", name="Run this import again")).to_be_visible()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED


def test_upload_page_refuses_a_file_over_the_limit_before_sending_it(page, grid, operator, settings, tmp_path):
    settings.CDSC_IMPORT_MAX_BYTES = 1000
    big = tmp_path / "big.csv"
    big.write_text("psr,quantity,start,end,value\n" + "x" * 2000)
    page.goto("/imports/new")
    log_in(page, "operator")
    page.wait_for_url("**/imports/new")
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    file_input = page.get_by_label("File")
    file_input.set_input_files(big)
    page.get_by_role("button", name="Upload and import").click()
    assert "over the upload limit of 1,000 bytes" in file_input.evaluate("input => input.validationMessage")
    expect(page.get_by_role("button", name="Upload and import")).to_be_enabled()
    assert posts == []
    assert not ImportJob.objects.exists()
