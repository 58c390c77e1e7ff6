"""Site-wide behaviour: landing page, error shapes, conditional requests, compression (settings: test_settings.py)."""

import json
import re
from datetime import timedelta
from html import unescape

import pytest
from django.test import override_settings

from psr import selectors
from psr.models import PowerSystemResource
from tests.timeseries.helpers import run, utc, write

pytestmark = pytest.mark.django_db


def test_landing_page_links_the_explorer_docs_admin_and_psr_list(client, demo):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for href in ['href="/explore/"', 'href="/docs/"', 'href="/admin/"', 'href="/power-system-resources"']:
        assert href in html
    assert 'href="/openapi.json"' in html
    assert "later" not in html


def _in_lists(html: str, css_class: str, element: str) -> list[str]:
    """The contents of `element`s inside the page's <ul class="css_class"> lists."""
    lists = re.findall(rf'<ul class="{css_class}">(.*?)</ul>', html, re.S)
    return [unescape(m) for block in lists for m in re.findall(rf"<{element}[^>]*>(.*?)</{element}>", block, re.S)]


def test_landing_page_lists_every_path_of_the_schema(client, api, demo):
    schema = json.loads(api.get("/openapi.json").content)
    listed = _in_lists(client.get("/").content.decode(), "endpoints", "code")
    assert sorted(listed) == sorted(schema["paths"])
    for path in ["/power-system-resources/{id}/timeseries/generation", "/usage-segments", "/production-projects"]:
        assert path in listed


def test_landing_examples_use_the_psr_with_the_most_series(client, demo):
    end = utc(2024, 3, 2)
    write("US-WECC-NEVP", "demand", run(end - timedelta(hours=3), [1, 2, 3]))
    write("US-WECC-CISO", "demand", run(end - timedelta(hours=48), [4] * 48))
    write("US-WECC-CISO", "generation", run(end - timedelta(hours=2), [5, 6]), fuel="Solar")
    html = client.get("/").content.decode()
    assert "Live examples on US-WECC-CISO" in html
    assert 'href="/explore/psr/US-WECC-CISO"' in html
    # The last day of each quantity's data, and the emissions and intensity of generation's last day.
    day = "startDatetime=2024-03-01T00%3A00%3A00Z&amp;endDatetime=2024-03-02T00%3A00%3A00Z"
    for quantity in ["demand", "generation", "emissions", "carbon-intensity"]:
        assert f"/power-system-resources/US-WECC-CISO/timeseries/{quantity}?{day}" in html


def test_landing_example_links_answer_200(client, api, demo):
    end = utc(2024, 3, 2)
    write("US-WECC-CISO", "generation", run(end - timedelta(hours=2), [5, 6]), fuel="Solar")
    links = [
        unescape(href)
        for href in re.findall(
            r'href="([^"]+)"', "".join(_in_lists(client.get("/").content.decode(), "examples", "li"))
        )
    ]
    assert len(links) >= 7
    for link in links:
        assert api.get(link).status_code == 200, link


def test_landing_page_without_series_falls_back_to_a_psr_with_parent_and_children(client, demo):
    html = client.get("/").content.decode()
    assert "Live examples on US-WECC-CISO" in html
    assert "/power-system-resources/US-WECC-CISO/topology?numLevels=2" in html
    assert "the most time series" not in html


def test_landing_page_on_an_empty_database_has_no_examples(client):
    PowerSystemResource.objects.all().delete()
    response = client.get("/")
    assert response.status_code == 200
    assert "Live examples" not in response.content.decode()
    assert "/power-system-resources/{id}/describe" in response.content.decode()


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


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/explore/", 200),
        ("/explore/psr/US-WECC-CISO", 200),
        ("/explore/psr/A.b_c~d-1", 200),  # the spec's id characters, whether or not such a PSR exists
        ("/explore/psr/bad%20id", 404),
        ("/explore/psr/a/b", 404),
    ],
)
def test_explorer_routes_take_the_spec_psr_id_pattern(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    if status == 404:
        assert response["Content-Type"] == "application/problem+json"
