"""Site-wide behaviour: landing page, error shapes, conditional requests, compression (settings: test_settings.py)."""

import pytest
from django.test import override_settings

from psr import selectors

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


def test_api_responses_are_gzipped_for_clients_that_accept_it(api, demo):
    import gzip
    import json

    url = "/metadata/fuel-source/types?pageSize=1000"
    plain = api.get(url)
    zipped = api.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in plain
    assert "Accept-Encoding" in plain["Vary"] and "Accept-Encoding" in zipped["Vary"]  # for caches between
    assert zipped["Content-Encoding"] == "gzip"
    assert int(zipped["Content-Length"]) == len(zipped.content)
    assert zipped["ETag"] == f"W/{plain['ETag']}"
    assert json.loads(gzip.decompress(zipped.content)) == plain.json()
    assert len(zipped.content) < len(plain.content) / 4
    # Revalidation still works on the (now weak) ETag of the compressed response.
    again = api.get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=zipped["ETag"])
    assert again.status_code == 304


def test_html_pages_are_not_gzipped(client, demo):
    response = client.get("/", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert "Content-Encoding" not in response
