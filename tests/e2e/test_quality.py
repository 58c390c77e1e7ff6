"""The data-quality view in a real browser: the calendar shows the readings a series lacks, its days are reachable
by keyboard with their text, the last import job is a link to its page, and the page is clean and accessible; on
the way, the PSR page of a PSR with many capacities lists them as linked rows."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from metadata.models import FuelSourceType
from psr.admin import INLINE_ROWS_EDITABLE
from psr.models import InstalledCapacity, PowerSystemResource
from tests.e2e.pagecheck import PageWatch, assert_accessible, log_in, screenshots
from tests.factories import ImportJobFactory, SuperuserFactory
from tests.timeseries.helpers import COAL, HOUR, WIND, run, write
from timeseries.models import ImportJob

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2024, 3, 1, 8, tzinfo=UTC)  # midnight of 1 March in Los Angeles, CISO's timezone
LOST = range(4 * 24 + 10, 4 * 24 + 14)  # 10:00 to 14:00 local on 5 March: four hours no reading covers
MISSING_DAY = range(8 * 24, 9 * 24)  # all of 9 March


def test_the_calendar_shows_a_series_missing_readings_and_links_its_last_import(page, grid):
    # To the end of 14 March local time (07:00 UTC on the 15th: clocks went forward on the 10th).
    full = run(T0, [1.0] * int((datetime(2024, 3, 15, 7, tzinfo=UTC) - T0) / HOUR))
    write("US-WECC-CISO", "generation", full, fuel=COAL)
    gappy = write(
        "US-WECC-CISO",
        "generation",
        [p for i, p in enumerate(full) if i not in LOST and i not in MISSING_DAY],
        fuel=WIND,
    )
    end = full[-1].end.strftime("%Y-%m-%dT%H:%M:%SZ")
    written = [{"psr": "US-WECC-CISO", "quantity": "generation", "timeframe": "actual", "start": "", "end": end}]
    job = ImportJobFactory(status=ImportJob.Status.SUCCEEDED, written=written, finished_at=timezone.now())
    SuperuserFactory(username="staff")
    # Enough installed capacities on CISO that its page lists them as linked rows (no widgets): checked on the way.
    ciso = PowerSystemResource.objects.get(pk="US-WECC-CISO")
    for fuel in FuelSourceType.objects.order_by("pk")[: INLINE_ROWS_EDITABLE + 1]:
        InstalledCapacity.objects.create(psr=ciso, fuel_type=fuel, value=10, start_datetime=T0)

    watch = PageWatch(page)
    page.goto("/admin/")
    log_in(page)
    page.goto("/admin/psr/powersystemresource/US-WECC-CISO/change/")
    capacities = page.locator("#capacities-group")
    assert capacities.get_by_role("link", name="Change").count() == INLINE_ROWS_EDITABLE + 1 + 2  # the demo's 2
    assert capacities.locator("input[type=text], select").count() == 0
    page.get_by_role("link", name="Data quality of these series").click()
    page.wait_for_url("**/US-WECC-CISO/quality/")

    row = page.locator(f"#series-{gappy.pk}")
    expected = len(full)
    assert f"{expected - len(LOST) - len(MISSING_DAY)} of {expected} hours, 2 gaps" in row.inner_text()
    partial = row.locator("td.day-partial")
    assert partial.count() == 1 and "Tue 05 Mar 2024" in partial.get_attribute("title")
    assert "4 of 24 h missing" in partial.get_attribute("title")
    missing = row.locator("td.day-missing")
    assert missing.count() == 1 and "Sat 09 Mar 2024" in missing.get_attribute("title")
    assert missing.inner_text().strip().startswith("M")  # a letter, not colour alone
    # The 23-hour day of the spring change is complete; every day of the other fuel is.
    assert "(23 h): complete" in row.locator("td.day-complete").nth(7).get_attribute("title")
    assert page.locator("tr.series-complete td.day-partial, tr.series-complete td.day-missing").count() == 0

    # Day cells are reached by keyboard and carry their text.
    partial.focus()
    assert page.evaluate("document.activeElement.title") == partial.get_attribute("title")
    page.keyboard.press("Tab")
    assert "Wed 06 Mar 2024" in page.evaluate("document.activeElement.title")

    gaps = page.locator(f"#gaps-{gappy.pk}")
    gaps.locator("summary").click()
    assert "2024-03-05T10:00:00-08:00" in gaps.inner_text() and "2024-03-05T14:00:00-08:00" in gaps.inner_text()

    watch.assert_clean()
    assert_accessible(page)
    screenshots(page, "quality-ciso")

    row.get_by_role("link", name=f"import #{job.pk}").click()
    page.wait_for_url(f"**/imports/{job.pk}")
    assert page.locator("h1").inner_text().startswith(f"Import #{job.pk}")
    # and the job page leads back to the quality of what it wrote, up to the end of it
    page.get_by_role("link", name="data quality").click()
    page.wait_for_url("**/US-WECC-CISO/quality/?quantity=generation*")
    assert "2024-02-13 to 2024-03-14 (31 days)" in page.locator("#content-main").inner_text()
    assert page.locator(f"#series-{gappy.pk} td.day-missing").count() == 1
    watch.assert_clean()
