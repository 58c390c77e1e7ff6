"""API keys: stored as hashes, shown once, sent as Bearer or X-API-Key, refused with a 401 problem when they
cannot be used, and required for every API read when CDSC_API_KEYS_REQUIRED is on."""

import logging
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from cdsc_site.clients import services
from cdsc_site.clients.models import ApiClient, ApiKey

from .conftest import bearer, issue

LIST = "/power-system-resources"
PROBLEM = "application/problem+json"


def _refused(response, status: int = 401) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_a_key_is_stored_only_as_a_hash_with_its_prefix_visible(issued):
    row = ApiKey.objects.get(pk=issued.key.pk)
    prefix, _, secret = issued.raw.partition(".")
    assert row.prefix == prefix and len(secret) >= 32
    stored = " ".join(str(getattr(row, f.attname)) for f in ApiKey._meta.concrete_fields)
    assert secret not in stored and issued.raw not in stored
    assert row.hashed_key.startswith("sha512$$")


def test_two_keys_differ_and_each_authenticates_as_its_client(client, demo):
    first, second = issue("First Org"), issue("Second Org")
    assert first.raw != second.raw and first.key.prefix != second.key.prefix
    for issued in (first, second):
        response = client.get(LIST, **bearer(issued.raw))
        assert response.status_code == 200


def test_the_key_is_accepted_in_the_x_api_key_header(client, demo, issued):
    assert client.get(LIST, HTTP_X_API_KEY=issued.raw).status_code == 200


def test_without_a_key_reads_stay_anonymous_by_default(client, demo):
    assert client.get(LIST).status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        {"HTTP_AUTHORIZATION": "Bearer not-a-key"},
        {"HTTP_AUTHORIZATION": "Bearer abcdefgh.0123456789abcdef0123456789abcdef"},
        {"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"},
        {"HTTP_AUTHORIZATION": "Bearer"},
        {"HTTP_X_API_KEY": ""},
        {"HTTP_X_API_KEY": "x" * 5000},
    ],
    ids=["malformed", "unknown", "basic-scheme", "empty-bearer", "empty-header", "huge"],
)
def test_a_bad_key_is_a_401_problem_never_an_anonymous_answer(client, demo, header):
    body = _refused(client.get(LIST, **header))
    assert "key" in body["detail"].lower()


def test_a_valid_prefix_with_a_wrong_secret_is_refused(client, demo, issued):
    prefix = issued.key.prefix
    _refused(client.get(LIST, **bearer(f"{prefix}.{'0' * 32}")))


def test_a_revoked_key_is_refused_at_once(client, demo, issued):
    assert client.get(LIST, **bearer(issued.raw)).status_code == 200
    services.api_key_revoke(key=issued.key)
    response = client.get(LIST, **bearer(issued.raw))
    assert "revoked" in _refused(response)["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_key_cannot_be_restored(issued):
    services.api_key_revoke(key=issued.key)
    key = ApiKey.objects.get(pk=issued.key.pk)
    key.revoked = False
    with pytest.raises(Exception, match="revoked"):
        key.save()


def test_an_expired_key_is_refused_and_one_not_yet_expired_works(client, demo):
    soon = issue("Soon", expires=timezone.now() + timedelta(hours=1))
    assert client.get(LIST, **bearer(soon.raw)).status_code == 200
    past = issue("Past", expires=timezone.now() - timedelta(seconds=1))
    assert "expired" in _refused(client.get(LIST, **bearer(past.raw)))["detail"]


def test_the_keys_of_an_inactive_client_are_refused(client, demo, issued):
    ApiClient.objects.filter(pk=issued.client.pk).update(is_active=False)
    issued.client.refresh_from_db()
    issued.client.save()  # through the model, as the admin does: the kept records are dropped
    assert "not active" in _refused(client.get(LIST, **bearer(issued.raw)))["detail"]


def test_a_bad_key_is_refused_on_every_api_path_even_unknown_ones(client, demo):
    for path in ("/metadata/topology-levels", "/power-system-resources/US-WECC-CISO/timeseries/generation", "/nope"):
        _refused(client.get(path, **bearer("abcdefgh.wrongwrongwrongwrongwrongwrong1234")))


def test_pages_for_people_need_no_key_and_ignore_a_bad_one(client, demo):
    for path in ("/", "/docs/", "/openapi.json", "/admin/login/"):
        assert client.get(path, **bearer("bad")).status_code == 200, path


@pytest.mark.parametrize("name", ["api_key", "apikey", "token", "access_token", "securityToken", "key"])
def test_a_key_in_the_query_string_is_refused_and_never_logged(client, demo, issued, caplog, name):
    caplog.set_level(logging.DEBUG)
    response = client.get(f"{LIST}?{name}={issued.raw}")
    body = _refused(response, 400)
    assert "header" in body["detail"]
    assert issued.raw not in response.content.decode()
    assert all(issued.raw not in record.getMessage() for record in caplog.records)


class TestRequired:
    @pytest.fixture(autouse=True)
    def _required(self, settings):
        settings.CDSC_API_KEYS_REQUIRED = True

    def test_an_api_read_without_a_key_is_a_401_with_a_bearer_challenge(self, client, demo):
        for path in (LIST, "/metadata/fuel-source/types", "/power-system-resources/US-WECC-CISO/describe"):
            response = client.get(path)
            assert "API key" in _refused(response)["detail"]
            assert response["WWW-Authenticate"] == 'Bearer realm="cdsc"'

    def test_a_valid_key_reads(self, client, demo, issued):
        response = client.get("/power-system-resources/US-WECC-CISO/describe", **bearer(issued.raw))
        assert response.status_code == 200
        assert response.json()["id"] == "US-WECC-CISO"

    def test_an_unknown_resource_without_a_key_does_not_say_whether_it_exists(self, client, demo):
        assert client.get("/power-system-resources/NO-SUCH").status_code == 401

    def test_docs_schema_and_landing_stay_open(self, client, demo):
        for path in ("/", "/docs/", "/openapi.json"):
            assert client.get(path).status_code == 200, path


def test_create_api_key_command_prints_a_working_key_once(client, demo, capsys):
    call_command("create_api_key", "--client", "Grid Research", "--label", "nightly", "--expires", "2099-01-01")
    out, err = capsys.readouterr()
    raw = out.strip().splitlines()[-1]
    key = ApiKey.objects.get(prefix=raw.partition(".")[0])
    assert key.client.organisation == "Grid Research" and key.name == "nightly"
    assert key.expiry_date.year == 2099
    assert "shown once" in err and raw not in err
    assert client.get(LIST, **bearer(raw)).status_code == 200


def test_create_api_key_command_sets_the_clients_own_limits(db, capsys):
    call_command("create_api_key", "--client", "Big Platform", "--requests-per-minute", "5000")
    assert ApiClient.objects.get(organisation="Big Platform").requests_per_minute == 5000


def test_create_api_key_command_refuses_a_bad_expiry(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="expires"):
        call_command("create_api_key", "--client", "X", "--expires", "next tuesday")
    assert not ApiKey.objects.exists()
