"""Site-wide behaviour: landing page, configuration from the environment, error shapes, conditional requests."""

import os
import subprocess
import sys

import pytest
from django.test import override_settings

from psr import selectors
from tests.conftest import REPO

pytestmark = pytest.mark.django_db


def test_landing_page_links_docs_admin_and_psr_list(client, demo):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for href in ['href="/docs/"', 'href="/admin/"', 'href="/power-system-resources"', 'href="/openapi.json"']:
        assert href in html
    assert "/power-system-resources/US-WECC-CISO/topology?numLevels=2" in html


def test_landing_page_refuses_writes_with_a_json_405(client):
    response = client.post("/")
    assert response.status_code == 405
    assert response.json()["status"] == 405


def test_unhandled_error_is_a_json_500_without_a_trace(api, demo, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(selectors, "psr_capacity", explode)
    api.raise_request_exception = False
    response = api.get("/power-system-resources/US-WECC-CISO/capacity")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert "secret internal detail" not in response.content.decode()


@override_settings(DEBUG=True)
def test_unknown_url_is_json_even_in_debug_mode(api):
    response = api.get("/no/such/thing")
    assert response.status_code == 404
    assert response.json()["detail"].startswith("There is no resource at '/no/such/thing'")


def test_unchanged_response_answers_304_to_if_none_match(api, demo):
    first = api.get("/power-system-resources/US-WECC-CISO/describe")
    etag = first["ETag"]
    again = api.get("/power-system-resources/US-WECC-CISO/describe", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304


def _settings_load(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG, settings.TIME_ZONE)"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**clean, "DJANGO_SETTINGS_MODULE": "cdsc_site.settings.base", **env},
        capture_output=True,
        text=True,
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _settings_load({"DJANGO_DEBUG": "0", "CDSC_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_debug_mode_generates_and_keeps_a_dev_key(tmp_path):
    first = _settings_load({"DJANGO_DEBUG": "1", "CDSC_VAR_DIR": str(tmp_path)})
    assert first.returncode == 0, first.stderr
    assert first.stdout.split() == ["True", "UTC"]
    key = (tmp_path / "dev-secret-key").read_text()
    assert len(key) >= 50
    assert _settings_load({"DJANGO_DEBUG": "1", "CDSC_VAR_DIR": str(tmp_path)}).returncode == 0
    assert (tmp_path / "dev-secret-key").read_text() == key


def test_production_starts_with_a_secret_key(tmp_path):
    result = _settings_load({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "x" * 50, "CDSC_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "UTC"]


def test_api_responses_are_gzipped_for_clients_that_accept_it(api, demo):
    import gzip
    import json

    url = "/metadata/fuel-source/types?pageSize=1000"
    plain = api.get(url)
    zipped = api.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in plain
    assert zipped["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(zipped.content)) == plain.json()
    assert len(zipped.content) < len(plain.content) / 4
    # Revalidation still works on the (now weak) ETag of the compressed response.
    again = api.get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=zipped["ETag"])
    assert again.status_code == 304


def test_html_pages_are_not_gzipped(client, demo):
    response = client.get("/", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert "Content-Encoding" not in response
