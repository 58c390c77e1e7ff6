"""The admin of API clients and keys: a new key is shown once, then only its prefix; usage listed; revocation."""

import re

import pytest
from django.urls import reverse

from cdsc_site.clients.models import ApiClient, ApiKey
from tests.factories import SuperuserFactory

from .conftest import bearer, issue


@pytest.fixture
def staff(client, db):
    client.force_login(SuperuserFactory())
    return client


def test_adding_a_key_in_the_admin_shows_it_once_and_it_works(staff, demo):
    organisation = ApiClient.objects.create(organisation="Watt Analytics")
    response = staff.post(
        reverse("admin:clients_apikey_add"),
        {"client": organisation.pk, "name": "dashboard", "expiry_date_0": "", "expiry_date_1": ""},
        follow=True,
    )
    assert response.status_code == 200
    shown = re.findall(r"[A-Za-z0-9]{8}\.[A-Za-z0-9]{32}", response.content.decode())
    assert len(set(shown)) == 1
    raw = shown[0]
    key = ApiKey.objects.get(client=organisation)
    assert raw.startswith(key.prefix + ".") and raw not in key.hashed_key
    # Not on any later page.
    for url in (reverse("admin:clients_apikey_changelist"), reverse("admin:clients_apikey_change", args=[key.pk])):
        assert raw not in staff.get(url).content.decode()
    anonymous = staff.__class__()
    assert anonymous.get("/power-system-resources", **bearer(raw)).status_code == 200


def test_the_key_list_shows_each_keys_use(staff, demo):
    issued = issue("Listed Org")
    for _ in range(2):
        staff.get("/metadata/topology-levels", **bearer(issued.raw))
    page = staff.get(reverse("admin:clients_apikey_changelist")).content.decode()
    assert issued.key.prefix in page and "Listed Org" in page
    assert ApiKey.objects.get(pk=issued.key.pk).request_count == 2
    client_page = staff.get(reverse("admin:clients_apiclient_change", args=[issued.client.pk])).content.decode()
    assert issued.key.prefix in client_page


def test_the_revoke_action_revokes_for_good(staff, demo):
    issued = issue("Revoked Org")
    response = staff.post(
        reverse("admin:clients_apikey_changelist"),
        {"action": "revoke", "_selected_action": [issued.key.pk]},
        follow=True,
    )
    assert "1 key(s) revoked" in response.content.decode()
    assert ApiKey.objects.get(pk=issued.key.pk).revoked
    assert staff.__class__().get("/power-system-resources", **bearer(issued.raw)).status_code == 401


def test_client_changes_are_kept_in_history(staff, db):
    organisation = ApiClient.objects.create(organisation="Historic")
    staff.post(
        reverse("admin:clients_apiclient_change", args=[organisation.pk]),
        {"organisation": "Historic", "is_active": "", "notes": "contract ended",
         "keys-TOTAL_FORMS": "0", "keys-INITIAL_FORMS": "0"},
    )  # fmt: skip
    organisation.refresh_from_db()
    assert organisation.is_active is False
    assert organisation.history.count() == 2
