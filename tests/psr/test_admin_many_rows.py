"""A PSR with many rows in an inline (a balancing area's capacities): its page lists them read-only, each linked to
its own change page where it is edited and audited, with links to add one and to list them; the page still saves."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from metadata.models import FuelSourceType
from psr.admin import INLINE_ROWS_EDITABLE
from psr.models import InstalledCapacity, PowerSystemResource
from tests.psr.test_admin import form_data, psr_url

pytestmark = pytest.mark.django_db

CISO = "US-WECC-CISO"


@pytest.fixture
def many(demo) -> list[InstalledCapacity]:
    """Enough installed capacities on CISO to pass the inline's editable limit."""
    fuels = list(FuelSourceType.objects.order_by("pk")[: INLINE_ROWS_EDITABLE + 1])
    psr = PowerSystemResource.objects.get(pk=CISO)
    for i, fuel in enumerate(fuels):
        InstalledCapacity.objects.create(
            psr=psr, fuel_type=fuel, value=1000 + i, unit="MW", start_datetime=datetime(2015, 1, 1, tzinfo=UTC)
        )
    return list(InstalledCapacity.objects.filter(psr_id=CISO))


def test_many_rows_are_listed_read_only_each_with_a_link_to_its_own_page(admin_client, many):
    html = admin_client.get(psr_url(CISO)).content.decode()
    for capacity in many:
        assert f"href='{reverse('admin:psr_installedcapacity_change', args=[capacity.pk])}'" in html
        assert f"<td>{capacity.value}</td>" in html
    assert 'name="capacities-0-value"' not in html  # no form widget per row
    assert f'href="{reverse("admin:psr_installedcapacity_add")}?psr={CISO}"' in html
    # An inline with few rows on the same page stays editable in place.
    assert 'name="transmission_capacities_from-0-value"' in html


def test_few_rows_stay_editable_in_place(admin_client, demo):
    html = admin_client.get(psr_url(CISO)).content.decode()
    assert 'name="capacities-0-value"' in html and "psr-linked-rows" not in html


def test_the_page_still_saves_and_audits_the_psr_and_leaves_the_listed_rows_alone(admin_client, admin_user, many):
    url = psr_url(CISO)
    data = form_data(admin_client, url)
    assert data["capacities-TOTAL_FORMS"] == "0"
    data["name"] = "California ISO (renamed)"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    psr = PowerSystemResource.objects.get(pk=CISO)
    assert psr.name == "California ISO (renamed)"
    assert psr.history.first().history_user == admin_user
    assert sorted(InstalledCapacity.objects.filter(psr_id=CISO).values_list("pk", "value")) == sorted(
        (c.pk, c.value) for c in many
    )


def test_a_listed_row_is_changed_on_its_own_page_with_its_history(admin_client, admin_user, many):
    capacity = many[-1]
    url = reverse("admin:psr_installedcapacity_change", args=[capacity.pk])
    data = form_data(admin_client, url, form_id="installedcapacity_form")
    data["value"] = "1234.5"
    assert admin_client.post(url, data).status_code == 302
    capacity.refresh_from_db()
    assert capacity.value == 1234.5
    latest = capacity.history.first()
    assert (latest.value, latest.history_user, latest.history_type) == (1234.5, admin_user, "~")


def test_the_list_link_shows_only_this_psrs_rows(admin_client, many):
    url = reverse("admin:psr_installedcapacity_changelist") + f"?psr__id__exact={CISO}"
    response = admin_client.get(url)
    assert response.status_code == 200
    shown = {row.pk for row in response.context["cl"].result_list}
    assert shown == {c.pk for c in many}
    assert InstalledCapacity.objects.exclude(psr_id=CISO).exists()
