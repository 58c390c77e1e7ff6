"""One error path: whatever goes wrong, on any URL and with DEBUG on or off, the answer is a problem document with the
right status (bad integers, too many query parameters, Django's SuspiciousOperation family, odd paths)."""

import pytest
from django.core.exceptions import (
    DisallowedHost,
    RequestDataTooBig,
    SuspiciousFileOperation,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)

from psr import selectors

pytestmark = pytest.mark.django_db

CISO = "/power-system-resources/US-WECC-CISO"
HUGE = "9" * 20_000  # longer than int() converts (sys.get_int_max_str_digits(), 4300 by default)


@pytest.fixture
def long_query_strings(settings):
    """Query strings past the default limit reach the views: these tests are about the layers behind that limit
    (Django's parameter count, integer parsing), which a deployment that raises CDSC_MAX_QUERY_STRING_BYTES relies
    on. tests/test_security_edges.py tests the limit itself."""
    settings.CDSC_MAX_QUERY_STRING_BYTES = 1_000_000


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    return body


# Integers longer than Python converts.


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/power-system-resources", "level"),
        ("/power-system-resources", "pageSize"),
        ("/metadata/fuel-source/types", "pageSize"),
        (f"{CISO}/topology", "numLevels"),
        (f"{CISO}/timeseries/demand", "pageSize"),
    ],
)
@pytest.mark.usefixtures("long_query_strings")
def test_an_integer_parameter_with_20000_digits_is_a_400_naming_it(api, demo, path, parameter):
    body = assert_problem(api.get(path, {parameter: HUGE}), 400)
    assert [e["parameter"] for e in body["errors"]] == [parameter]
    assert len(body["detail"]) + len(body["errors"][0]["detail"]) < 1000, "the value is not echoed whole"


@pytest.mark.parametrize("level", ["²", "-" + HUGE, " 1 1", "1" * 30])
@pytest.mark.usefixtures("long_query_strings")
def test_level_that_looks_like_a_number_but_is_none_of_ours_is_a_400(api, demo, level):
    body = assert_problem(api.get("/power-system-resources", {"level": level}), 400)
    assert body["errors"][0]["parameter"] == "level"


# Too many query parameters (Django's TooManyFieldsSent, raised when the query string is first read).

MANY_NAMES = "&".join(f"p{i}=1" for i in range(1001))
MANY_REPEATS = "&".join(["level=1"] * 2000)


@pytest.mark.parametrize("query", [MANY_NAMES, MANY_REPEATS], ids=["1001-names", "2000-repeats"])
@pytest.mark.parametrize(
    "path",
    [
        "/power-system-resources",
        "/metadata/topology-levels",
        "/metadata/fuel-source/types",
        f"{CISO}/describe",
        f"{CISO}/topology",
        f"{CISO}/timeseries/demand",
        f"{CISO}/demand",
        "/openapi.json",
        "/admin/login/",
    ],
)
@pytest.mark.usefixtures("long_query_strings")
def test_too_many_query_parameters_is_a_400_problem(api, demo, debug, path, query):
    body = assert_problem(api.get(f"{path}?{query}"), 400)
    assert "parameters" in body["detail"]


@pytest.mark.usefixtures("long_query_strings")
def test_an_unknown_path_with_too_many_query_parameters_is_still_the_json_404(api, debug):
    assert_problem(api.get(f"/no/such/thing?{MANY_NAMES}"), 404)


# Django's SuspiciousOperation family raised anywhere in a view: 400, or 413 for a body too big.


@pytest.mark.parametrize(
    ("exception", "status"),
    [
        (SuspiciousOperation("x"), 400),
        (DisallowedHost("x"), 400),
        (TooManyFieldsSent("x"), 400),
        (TooManyFilesSent("x"), 400),
        (SuspiciousFileOperation("x"), 400),
        (RequestDataTooBig("x"), 413),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
@pytest.mark.parametrize("path", [f"{CISO}/capacity", "/"], ids=["drf-view", "django-view"])
def test_suspicious_operations_in_a_view_map_to_their_status(api, demo, debug, monkeypatch, exception, status, path):
    def explode(*args, **kwargs):
        raise exception

    monkeypatch.setattr(selectors, "psr_capacity", explode)
    monkeypatch.setattr("cdsc_site.views.PowerSystemResource.objects.count", explode)
    api.raise_request_exception = False
    body = assert_problem(api.get(path), status)
    assert body["detail"] != "x", "the exception's text is not shown"


@pytest.mark.parametrize("path", ["/power-system-resources", "/", "/admin/", "/no/such/thing"])
def test_a_host_not_served_here_is_a_400_problem(api, demo, debug, path):
    assert_problem(api.get(path, HTTP_HOST="evil.example.org"), 400)


def test_unhandled_error_is_a_500_problem_with_debug_off(api, demo, settings, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(selectors, "psr_capacity", explode)
    api.raise_request_exception = False
    body = assert_problem(api.get(f"{CISO}/capacity"), 500)
    assert "secret internal detail" not in body["detail"]


# Paths the URL patterns do not expect: always the JSON 404, never Django's HTML page.


@pytest.mark.parametrize(
    "path",
    [
        "/power-system-resources/X%0a/describe",
        "/power-system-resources/X%0d/describe",
        "/power-system-resources/X%00/describe",
        "/power-system-resources/US-WECC-CISO%0a/describe",
        "/power-system-resources/US-WECC-CISO/describe%0a",
        "/power-system-resources/US-WECC-CISO/timeseries/demand%0a",
        "/power-system-resources/US-WECC-CISO%0a/timeseries/demand",
        "/power-system-resources/US-WECC-CISO%0a/demand",
        "/power-system-resources%0a",
        "/metadata/topology-levels%0a",
        "/%0a",
        "/%0d%0a",
        "/" + "a" * 20_000,
        "/power-system-resources/" + "X" * 20_000 + "/describe",
        "/power-system-resources/%E2%9A%A1/describe",
        "/%E2%9A%A1",
        "/%ff%fe",
    ],
    ids=lambda p: p[:60],
)
def test_unexpected_paths_are_a_json_404(api, demo, debug, path):
    body = assert_problem(api.get(path), 404)
    assert body["detail"].startswith(("There is no", "Not found"))


@pytest.mark.parametrize("psr_id", ["X\n", "US-WECC-CISO\n", "X\r", "X\x00"])
def test_a_psr_id_with_a_control_character_is_refused_by_the_validator(psr_id):
    from django.core.exceptions import ValidationError

    from psr.validators import validate_psr_id

    with pytest.raises(ValidationError):
        validate_psr_id(psr_id)
