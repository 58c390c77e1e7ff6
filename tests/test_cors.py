"""CORS for the public API: any web site's scripts (or only the listed origins) may read it with GET, never write,
never with cookies; the human pages are never shared."""

import pytest
from django.conf import settings as django_settings

from tests.test_settings import _python

pytestmark = pytest.mark.django_db

ORIGIN = "https://dashboard.example.org"
EXPOSED = {"etag", "link", "retry-after", "ratelimit", "ratelimit-policy", "content-disposition"}


def preflight(client, path: str, method: str = "GET", origin: str = ORIGIN, headers: str = "authorization,x-api-key"):
    return client.options(
        path,
        headers={"Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers},
    )


def listed(header: str | None) -> set[str]:
    return {item.strip().lower() for item in (header or "").split(",") if item.strip()}


@pytest.fixture
def only_listed_origins(settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://allowed.example.org", "http://localhost:3000"]
    settings.CORS_ALLOW_ALL_ORIGINS = False


def test_a_preflight_from_any_origin_allows_get_with_a_key_and_no_credentials(client, demo):
    response = preflight(client, "/power-system-resources/US-WECC-CISO/timeseries/demand")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert listed(response["Access-Control-Allow-Methods"]) == {"get", "head", "options"}
    assert {"authorization", "x-api-key"} <= listed(response["Access-Control-Allow-Headers"])
    assert "Access-Control-Allow-Credentials" not in response
    assert int(response["Access-Control-Max-Age"]) > 0


def test_a_get_from_another_origin_may_read_the_paging_caching_and_rate_limit_headers(client, demo):
    response = client.get("/power-system-resources", headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert listed(response["Access-Control-Expose-Headers"]) == EXPOSED
    assert "origin" in listed(response["Vary"])


def test_errors_carry_the_cors_headers_too_so_a_browser_script_can_read_them(client, demo):
    response = client.get("/power-system-resources", {"level": "x"}, headers={"Origin": ORIGIN})
    assert response.status_code == 400
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_preflight_for_a_write_method_does_not_allow_it(client, demo, method):
    response = preflight(client, "/power-system-resources", method=method, headers="content-type")
    # The browser compares the method and headers it asked for with the lists and refuses the request. POST is
    # "CORS-safelisted" (never refused for its method alone): a POST with a JSON body is refused for its Content-Type.
    assert method.lower() not in listed(response.get("Access-Control-Allow-Methods"))
    assert "content-type" not in listed(response.get("Access-Control-Allow-Headers"))


def test_listed_origins_are_allowed_and_echoed(client, demo, only_listed_origins):
    response = preflight(client, "/metadata/topology-levels", origin="https://allowed.example.org")
    assert response["Access-Control-Allow-Origin"] == "https://allowed.example.org"
    get = client.get("/metadata/topology-levels", headers={"Origin": "http://localhost:3000"})
    assert get["Access-Control-Allow-Origin"] == "http://localhost:3000"


@pytest.mark.parametrize("origin", [ORIGIN, "https://allowed.example.org.evil.test", "http://allowed.example.org"])
def test_an_origin_not_listed_gets_no_cors_header(client, demo, only_listed_origins, origin):
    for response in (
        preflight(client, "/metadata/topology-levels", origin=origin),
        client.get("/metadata/topology-levels", headers={"Origin": origin}),
    ):
        assert not [name for name in response.headers if name.lower().startswith("access-control-")]


@pytest.mark.parametrize("path", ["/admin/login/", "/imports/", "/imports/new", "/docs/", "/redoc/"])
def test_the_human_pages_are_never_shared_with_other_origins(client, demo, path):
    for response in (preflight(client, path), client.get(path, headers={"Origin": ORIGIN})):
        assert not [name for name in response.headers if name.lower().startswith("access-control-")]


def test_cors_answers_before_every_middleware_of_ours_but_the_host_and_size_checks():
    # A preflight carries no key: the API-key middleware (and anything else of ours) must sit after CORS.
    order = django_settings.MIDDLEWARE
    cors = order.index("corsheaders.middleware.CorsMiddleware")
    before = {
        "django.middleware.security.SecurityMiddleware",
        "cdsc_site.api.middleware.AllowedHostMiddleware",
        "cdsc_site.api.middleware.RequestLimitsMiddleware",
    }
    assert set(order[:cors]) == before
    assert order.index("django.middleware.common.CommonMiddleware") > cors


def test_the_allowed_origins_come_from_the_environment(tmp_path):
    code = "from django.conf import settings as s; print(s.CORS_ALLOW_ALL_ORIGINS, s.CORS_ALLOWED_ORIGINS)"
    default = _python(tmp_path, code, DJANGO_SETTINGS_MODULE="cdsc_site.settings.test")
    assert default.stdout.split(None, 1) == ["True", "[]\n"]
    listed_origins = _python(
        tmp_path,
        code,
        DJANGO_SETTINGS_MODULE="cdsc_site.settings.test",
        CDSC_CORS_ALLOWED_ORIGINS="https://a.example.org,http://localhost:3000",
    )
    assert listed_origins.stdout.strip() == "False ['https://a.example.org', 'http://localhost:3000']"
