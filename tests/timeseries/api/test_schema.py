"""The OpenAPI schema describes the real time-series responses: data, CSV, rolled up, resampled, errors."""

import json

import pytest
from openapi_core import Config, OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from openapi_core.validation.response.exceptions import InvalidData

from psr import services as psr_services
from tests.timeseries.helpers import COAL, QUARTER, STEAM, WIND, psr, run, url, utc
from tests.timeseries.helpers import write as write_series

pytestmark = pytest.mark.django_db

T0 = utc(2022, 6, 1)
CISO, NEVP, WECC, ERCOT = "US-WECC-CISO", "US-WECC-NEVP", "US-WECC", "US-ERCOT"
QUANTITIES = ["generation", "demand", "imports", "exports", "price", "curtailment"]

_openapi: list[OpenAPI] = []


def decode_text(value: bytes, **parameters: str) -> str:
    """text/csv arrives with its charset parameter."""
    return value.decode(parameters.get("charset", "utf-8"))


@pytest.fixture
def openapi(api, db) -> OpenAPI:
    """The served schema, loaded once per test process (building the validator is the slow part)."""
    if not _openapi:
        response = api.get("/openapi.json")
        assert response.status_code == 200
        config = Config(
            extra_media_type_deserializers={"application/problem+json": json.loads, "text/csv": decode_text}
        )
        _openapi.append(OpenAPI.from_dict(json.loads(response.content), config=config))
    return _openapi[0]


@pytest.fixture
def data(demo):
    psr_services.connection_ensure(psr=psr(NEVP), connected_psr=psr(ERCOT))
    write_series(CISO, "generation", run(T0, [100.0, 110.0]))
    write_series(CISO, "generation", run(T0, [60.0, 70.0]), fuel=COAL, tech=STEAM)
    write_series(NEVP, "generation", run(T0, [1.0, 2.0]), fuel=WIND)
    # Day-ahead generation at two interval lengths: US-WECC cannot roll it up without a resolution.
    write_series(CISO, "generation", run(T0, [9.0]), timeframe="day-ahead")
    write_series(NEVP, "generation", run(T0, [1.0, 2.0, 3.0, 4.0], QUARTER), timeframe="day-ahead")
    write_series(CISO, "demand", run(T0, [5.0, 6.0, 7.0]))
    write_series(CISO, "imports", run(T0, [5.0]), to=NEVP)
    write_series(NEVP, "imports", run(T0, [2.0]), to=ERCOT)
    write_series(NEVP, "exports", run(T0, [3.0]), to=ERCOT)
    write_series(CISO, "price", run(T0, [30.5, 31.0]), unit="USD")
    write_series(CISO, "curtailment", run(T0, [4.0]), fuel=WIND)


class RouteRequest(DjangoOpenAPIRequest):
    """openapi-core's request, reading the `.csv` twins' routes (re_path: `...generation\\.csv$`) as the schema's
    paths; it unescapes nothing but the named groups."""

    @property
    def path_pattern(self) -> str | None:
        pattern = super().path_pattern
        return pattern.replace("\\.", ".") if pattern else pattern


def check(openapi: OpenAPI, response) -> None:
    openapi.validate_response(RouteRequest(response.wsgi_request), DjangoOpenAPIResponse(response))


@pytest.mark.parametrize("short", [False, True], ids=["timeseries-path", "short-path"])
@pytest.mark.parametrize("quantity", QUANTITIES)
def test_every_quantity_matches_the_schema(api, data, openapi, quantity, short):
    for psr_id in (CISO, WECC, ERCOT):  # own series, rolled up, nothing at all
        response = api.get(url(psr_id, quantity, short=short))
        assert response.status_code == 200, response.content
        check(openapi, response)


RESPONSES = [
    (CISO, "generation", {"resolution": "P1D"}, 200),
    (WECC, "generation", {"resolution": "PT1H", "unit": "kWh"}, 200),
    (CISO, "generation", {"format": "csv"}, 200),
    (WECC, "imports", {"format": "csv", "timeframe": "actual"}, 200),
    (CISO, "demand", {"pageSize": 1}, 200),
    (CISO, "demand", {"startDatetime": "2022-06-01T01:00:00+00:00", "endDatetime": "2022-06-02"}, 200),
    (CISO, "price", {"unit": "USD", "resolution": "PT2H"}, 200),
    (CISO, "price", {"unit": "EUR"}, 400),
    (CISO, "demand", {"pageSize": 0}, 400),
    (CISO, "demand", {"resolution": "PT15M", "format": "csv"}, 400),
    (CISO, "demand", {"resolution": "P2W"}, 400),
    (WECC, "generation", {"timeframe": "day-ahead"}, 400),  # children with different interval lengths
    (WECC, "generation", {"timeframe": "day-ahead", "resolution": "PT1H"}, 200),
    (CISO, "demand", {"cursor": "forged"}, 400),
    (CISO, "demand", {"startDatetime": "2022-02-30"}, 400),
    ("NOPE", "demand", {}, 404),
    (CISO, "generation", {"format": "csv", "layout": "wide"}, 200),
    (WECC, "generation", {"layout": "wide", "pageSize": 1}, 200),  # JSON: the layout is ignored
    (CISO, "generation", {"layout": "tall"}, 400),
    (CISO, "generation.csv", {}, 200),
    (WECC, "imports.csv", {"layout": "wide", "pageSize": 1}, 200),
    (CISO, "price.csv", {"layout": "wide", "unit": "USD"}, 200),
    (CISO, "demand.csv", {"resolution": "PT15M"}, 400),
    (CISO, "demand.csv", {"layout": "tall"}, 400),
    ("NOPE", "demand.csv", {}, 404),
]


@pytest.mark.parametrize(
    ("psr_id", "quantity", "params", "status"), RESPONSES, ids=[f"{p}-{q}-{x}-{s}" for p, q, x, s in RESPONSES]
)
def test_real_responses_match_the_schema(api, data, openapi, psr_id, quantity, params, status):
    response = api.get(url(psr_id, quantity), params)
    assert response.status_code == status, response.content
    check(openapi, response)


def test_a_followed_cursor_and_the_accept_header_match_the_schema(api, data, openapi):
    first = api.get(url(CISO, "demand"), {"pageSize": 1})
    second = api.get(first.json()["next"])
    assert second.status_code == 200
    check(openapi, second)
    as_csv = api.get(url(CISO, "demand"), HTTP_ACCEPT="text/csv")
    assert as_csv["Content-Type"].startswith("text/csv")
    check(openapi, as_csv)


def test_the_schema_catches_a_response_that_breaks_it(api, data, openapi):
    # The validator is not a rubber stamp: a body with a string value is refused.
    response = api.get(url(CISO, "demand"))
    body = response.json()
    body["demand"][0]["value"] = "five"
    response.content = json.dumps(body).encode()
    with pytest.raises(InvalidData):
        check(openapi, response)
