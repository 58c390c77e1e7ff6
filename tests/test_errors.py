"""One error path: whatever goes wrong, on any URL and with DEBUG on or off, the answer is a problem document with the
right status (bad integers, too many query parameters, Django's SuspiciousOperation family, odd paths)."""

import pytest

pytestmark = pytest.mark.django_db

CISO = "/power-system-resources/US-WECC-CISO"
HUGE = "9" * 20_000  # longer than int() converts (sys.get_int_max_str_digits(), 4300 by default)


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
def test_an_integer_parameter_with_20000_digits_is_a_400_naming_it(api, demo, path, parameter):
    body = assert_problem(api.get(path, {parameter: HUGE}), 400)
    assert [e["parameter"] for e in body["errors"]] == [parameter]
    assert len(body["detail"]) + len(body["errors"][0]["detail"]) < 1000, "the value is not echoed whole"


@pytest.mark.parametrize("level", ["²", "-" + HUGE, " 1 1", "1" * 30])
def test_level_that_looks_like_a_number_but_is_none_of_ours_is_a_400(api, demo, level):
    body = assert_problem(api.get("/power-system-resources", {"level": level}), 400)
    assert body["errors"][0]["parameter"] == "level"
