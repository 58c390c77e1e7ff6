"""The data-quality pages in the admin: staff only (an outsider gets nothing of the data), a range asked badly is a
400 page that says why, and the PSR page and the import job page link to them."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, ImportJobFactory, SuperuserFactory, UserFactory
from tests.timeseries.helpers import HOUR, run, write
from timeseries.models import ImportJob

pytestmark = pytest.mark.django_db

T0 = datetime(2024, 3, 1, 8, tzinfo=UTC)  # midnight in Los Angeles
CISO = "US-WECC-CISO"


def quality(psr_id: str = CISO) -> str:
    return reverse("admin:psr_powersystemresource_quality", args=[psr_id])


@pytest.fixture
def series(demo):
    """Two days of CISO's demand with hours 30 to 32 missing."""
    values = [float(i) for i in range(48)]
    return write(CISO, "demand", [p for i, p in enumerate(run(T0, values)) if i not in (30, 31, 32)])


@pytest.fixture
def staff(client):
    client.force_login(SuperuserFactory())
    return client


@pytest.mark.parametrize("url", [quality(), reverse("admin:psr_powersystemresource_quality_picker")])
def test_anonymous_and_non_staff_users_are_sent_to_the_login_and_see_no_data(client, series, url):
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("admin:login"))
    outsider = UserFactory(is_staff=False)
    assert client.login(username=outsider.username, password=PASSWORD)
    page = client.get(url)
    assert page.status_code == 302 and page.url.startswith(reverse("admin:login"))
    assert b"demand" not in page.content and b"gap" not in page.content


def test_staff_without_the_psr_view_permission_is_refused(client, series):
    client.force_login(UserFactory(is_staff=True))
    page = client.get(quality())
    assert page.status_code == 403 and b"gap" not in page.content


def test_staff_see_each_series_summary_its_days_and_its_gaps(staff, series):
    page = staff.get(quality(), {"start": "2024-03-01", "end": "2024-03-02"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "45 of 48 hours, 1 gap" in text
    assert text.count('<td class="day day-complete"') == 1 and text.count('<td class="day day-partial"') == 1
    # The gap's bounds in UTC and in the PSR's local time (hour 30 from local midnight is 06:00 the next day).
    gap_start = T0 + 30 * HOUR
    assert gap_start.strftime("%Y-%m-%d %H:%M") in text
    assert "2024-03-02T06:00:00-08:00" in text and "2024-03-02T09:00:00-08:00" in text


def test_the_last_job_that_wrote_a_series_links_to_its_page(staff, series):
    written = [{"psr": CISO, "quantity": "demand", "timeframe": "actual", "start": "x", "end": "y"}]
    job = ImportJobFactory(status=ImportJob.Status.SUCCEEDED, written=written, finished_at=timezone.now())
    text = staff.get(quality()).content.decode()
    assert f'href="{reverse("imports:detail", args=[job.pk])}">import #{job.pk}</a>' in text


@pytest.mark.parametrize(
    "query, says",
    [
        ({"month": "2024-13"}, "month: not a month"),
        ({"start": "yesterday"}, "start: not a date"),
        ({"start": "2024-03-05", "end": "2024-03-01"}, "ends before it starts"),
        ({"start": "2020-01-01", "end": "2024-01-01"}, "longer than 366 days"),
        ({"start": "0001-01-01"}, "outside"),
        ({"quantity": "weather"}, "Select a valid choice"),
    ],
)
def test_a_range_asked_badly_is_a_400_page_that_says_why(staff, series, query, says):
    page = staff.get(quality(), query)
    assert page.status_code == 400
    assert says in page.content.decode()


def test_a_month_asked_shows_its_days(staff, series):
    text = staff.get(quality(), {"month": "2024-02"}).content.decode()
    assert "2024-02-01 to 2024-02-29 (29 days)" in text


def test_an_unknown_psr_is_404(staff, demo):
    assert staff.get(quality("NO-SUCH-PSR")).status_code == 404


def test_the_picker_finds_psrs_holding_series(staff, series):
    text = staff.get(reverse("admin:psr_powersystemresource_quality_picker"), {"q": "ciso"}).content.decode()
    assert f'href="{quality()}"' in text
    assert "US-WECC-NEVP" not in staff.get(reverse("admin:psr_powersystemresource_quality_picker")).content.decode()


def test_the_psr_admin_page_links_the_quality_of_the_psr_and_of_each_series(staff, series):
    text = staff.get(reverse("admin:psr_powersystemresource_change", args=[CISO])).content.decode()
    assert f"href='{quality()}'" in text
    assert f'href="{quality()}?quantity=demand#series-{series.pk}"' in text


def test_the_import_job_page_links_the_quality_of_what_it_wrote_for_staff_who_may_see_it(client, series):
    end = T0 + 48 * HOUR
    written = [{"psr": CISO, "quantity": "demand", "timeframe": "actual", "start": "x", "end": end.isoformat()}]
    job = ImportJobFactory(
        status=ImportJob.Status.SUCCEEDED, written=written, finished_at=timezone.now(), created_by=SuperuserFactory()
    )
    client.force_login(job.created_by)
    text = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert 'class="job-quality"' in text and quality() in text
    followed = client.get(quality(), {"quantity": "demand", "end": end.isoformat()})
    assert followed.status_code == 200
    # The last local day the job wrote is the calendar's last (its end is local midnight of 3 March).
    assert "to 2024-03-02 (31 days)" in followed.content.decode()

    # An operator who may import but not view PSRs in the admin is not offered a page that would refuse them.
    operator = ImportJobFactory(status=ImportJob.Status.SUCCEEDED, written=written, finished_at=timezone.now())
    client.force_login(operator.created_by)
    assert 'class="job-quality"' not in client.get(reverse("imports:detail", args=[operator.pk])).content.decode()
