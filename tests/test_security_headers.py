"""Security headers: nosniff and a referrer policy on every answer, HSTS over HTTPS only, and a Content-Security-Policy
whose nonce every inline script and style of the HTML pages carries (and no style attribute or event handler, which
the policy would refuse)."""

import gzip
import re

import pytest
from django.contrib import admin

from cdsc_site.views import redoc_bundle_source

pytestmark = pytest.mark.django_db

HTML_PAGES = ["/", "/docs/", "/redoc/", "/admin/login/"]


def csp_nonce(response) -> str:
    policy = response["Content-Security-Policy"]
    script_nonce = re.search(r"script-src [^;]*'nonce-([^']+)'", policy)[1]
    style_nonce = re.search(r"style-src [^;]*'nonce-([^']+)'", policy)[1]
    assert script_nonce == style_nonce
    return script_nonce


def assert_page_follows_the_policy(response) -> None:
    """Every inline <script> and <style> carries the response's nonce, and nothing inline is left that a nonce
    cannot cover (style="..." attributes, on...="..." event handlers, javascript: links)."""
    html = response.content.decode()
    nonce = csp_nonce(response) if "'nonce-" in response["Content-Security-Policy"] else None
    for tag, attributes in re.findall(r"<(script|style)\b([^>]*)>", html):
        if tag == "script" and "src=" in attributes:
            assert "//" not in attributes.split("src=")[1].split()[0], f"a script from elsewhere: {attributes}"
            continue
        assert f'nonce="{nonce}"' in attributes, f"inline <{tag}{attributes}> without the nonce"
    assert not re.findall(r"<[^>]+\sstyle=", html), "a style attribute"
    assert not re.findall(r"<[^>]+\son[a-z]+=", html), "an inline event handler"
    assert "javascript:" not in html


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/power-system-resources",
        "/metadata/topology-levels?pageSize=x",
        "/no-such-thing",
        "/admin/login/",
        "/docs/",
        "/docs/?script",
        "/redoc/redoc.standalone.js",
        "/openapi.json",
        "/static/imports/job.js",
        "/power-system-resources?note=" + "a" * 5000,
    ],
)
def test_every_answer_has_nosniff_and_a_same_origin_referrer_policy(client, demo, path):
    response = client.get(path)
    assert response.status_code < 500
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_hsts_only_over_https(client, demo, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    secure = client.get("/power-system-resources", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/power-system-resources", secure=False)


@pytest.mark.parametrize("path", HTML_PAGES)
def test_html_pages_allow_only_this_servers_files_and_their_own_nonce(client, demo, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    for directive in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in policy[directive] and "'unsafe-eval'" not in policy[directive]
    for sources in policy.values():
        assert not [s for s in sources.split() if s.startswith(("http:", "https:", "*")) or "." in s]
    assert_page_follows_the_policy(response)


def test_each_answer_has_a_new_nonce(client, demo):
    assert csp_nonce(client.get("/")) != csp_nonce(client.get("/"))


def test_every_admin_and_import_page_follows_the_policy(client, demo, admin_user):
    client.force_login(admin_user)
    paths = ["/admin/", "/imports/", "/imports/new", "/admin/psr/powersystemresource/US-WECC-CISO/change/"]
    for model, model_admin in admin.site._registry.items():
        prefix = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        paths.append(prefix)
        if model_admin.has_add_permission(type("R", (), {"user": admin_user})()):
            paths.append(prefix + "add/")
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_page_follows_the_policy(response)


def test_swagger_uis_start_script_is_a_file_and_redocs_bundle_loads_nothing_from_elsewhere(client):
    script = client.get("/docs/?script")
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()
    bundle = client.get("/redoc/redoc.standalone.js")
    assert bundle.status_code == 200
    assert bundle["Content-Type"].startswith("text/javascript")
    assert bundle.content.decode() == redoc_bundle_source()
    compressed = client.get("/redoc/redoc.standalone.js", headers={"Accept-Encoding": "gzip, br"})
    assert compressed["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed.content).decode() == redoc_bundle_source()
    assert len(compressed.content) < len(bundle.content) / 2
    assert "cdn.redoc.ly" not in redoc_bundle_source()
    assert "document.currentScript.nonce" in redoc_bundle_source()
