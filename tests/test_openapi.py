"""The OpenAPI schema: it validates, lists the spec's paths, and describes the real responses (errors too)."""

import json

import pytest
from openapi_core import Config, OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from openapi_spec_validator import validate

QUANTITIES = ["generation", "demand", "imports", "exports", "price", "curtailment"]
SPEC_PATHS = {
    "/metadata/topology-levels",
    "/metadata/fuel-source/types",
    "/metadata/fuel-source/technologies",
    "/power-system-resources",
    "/power-system-resources/{id}/describe",
    "/power-system-resources/{id}/topology",
    "/power-system-resources/{id}/capacity",
    "/power-system-resources/{id}/transmission-capacity",
    *(f"/power-system-resources/{{id}}/{prefix}{q}" for q in QUANTITIES for prefix in ("timeseries/", "")),
}

RESPONSES = [
    ("/metadata/topology-levels", 200),
    ("/metadata/topology-levels?pageSize=2", 200),
    ("/metadata/fuel-source/types", 200),
    ("/metadata/fuel-source/technologies?pageSize=3", 200),
    ("/metadata/fuel-source/types?pageSize=0", 400),
    ("/metadata/fuel-source/types?cursor=junk", 400),
    ("/power-system-resources", 200),
    ("/power-system-resources?level=1", 200),
    ("/power-system-resources?level=Zone&pageSize=1", 200),
    ("/power-system-resources?parent=US-WECC", 200),
    ("/power-system-resources?level=abc", 400),
    ("/power-system-resources?parent=NOPE", 400),
    ("/power-system-resources/US-WECC-CISO/describe", 200),
    ("/power-system-resources/US-WECC/describe", 200),
    ("/power-system-resources/US-WECC-CISO-ABC-HYDRO/describe", 200),
    ("/power-system-resources/NOPE/describe", 404),
    ("/power-system-resources/US-WECC-CISO/topology", 200),
    ("/power-system-resources/US-WECC-CISO/topology?numLevels=0", 200),
    ("/power-system-resources/US-WECC-CISO/topology?numLevels=2", 200),
    ("/power-system-resources/US-WECC-CISO-ABC-HYDRO/topology?numLevels=5", 200),
    ("/power-system-resources/US-WECC-CISO/topology?numLevels=-1", 400),
    ("/power-system-resources/NOPE/topology", 404),
    ("/power-system-resources/US-WECC-CISO/capacity", 200),
    ("/power-system-resources/US-WECC-CISO/capacity?unit=kW", 200),
    ("/power-system-resources/US-WECC-CISO/capacity?unit=GW", 400),
    ("/power-system-resources/US-WECC-CISO/transmission-capacity", 200),
    ("/power-system-resources/US-WECC-NEVP/transmission-capacity?unit=W", 200),
    ("/power-system-resources/NOPE/transmission-capacity", 404),
]


@pytest.fixture
def schema(api, db) -> dict:
    response = api.get("/openapi.json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_schema_is_valid_openapi_3(schema):
    assert schema["openapi"] == "3.1.0"
    validate(schema)


# Beyond the spec: the production projects of seed 002 (private).
PROJECT_PATHS = {
    "/production-projects",
    "/production-projects/{cds_productionproject_id}",
    "/production-projects/{cds_productionproject_id}/usage-segments",
    "/meter-devices",
    "/usage-segments",
}


# Beyond the spec: emissions and carbon intensity (issue 14), computed from the spec's series.
EMISSIONS_PATHS = {
    "/power-system-resources/{id}/timeseries/emissions",
    "/power-system-resources/{id}/timeseries/carbon-intensity",
}


# Beyond the spec: each time series' CSV as an operation of its own (issue 17), for generated clients.
CSV_PATHS = {
    f"/power-system-resources/{{id}}/timeseries/{q}.csv" for q in [*QUANTITIES, "emissions", "carbon-intensity"]
}


def test_schema_lists_exactly_the_spec_paths_the_production_projects_emissions_and_csv_twins(schema):
    assert set(schema["paths"]) == SPEC_PATHS | PROJECT_PATHS | EMISSIONS_PATHS | CSV_PATHS
    assert all(set(ops) == {"get"} for ops in schema["paths"].values())


def test_schema_documents_page_size_and_filters(schema):
    params = {p["name"] for p in schema["paths"]["/power-system-resources"]["get"]["parameters"]}
    assert {"level", "parent", "pageSize", "cursor"} <= params
    topology = {p["name"] for p in schema["paths"]["/power-system-resources/{id}/topology"]["get"]["parameters"]}
    assert {"id", "numLevels"} <= topology


@pytest.mark.parametrize(("url", "status"), RESPONSES)
def test_real_responses_match_the_schema(api, demo, schema, url, status):
    response = api.get(url)
    assert response.status_code == status, response.content
    config = Config(extra_media_type_deserializers={"application/problem+json": json.loads, "text/csv": bytes.decode})
    OpenAPI.from_dict(schema, config=config).validate_response(
        DjangoOpenAPIRequest(response.wsgi_request), DjangoOpenAPIResponse(response)
    )


def test_schema_is_also_served_as_yaml(api, db):
    response = api.get("/openapi.yaml")
    assert response.status_code == 200
    assert b"/power-system-resources/{id}/topology:" in response.content


def test_swagger_ui_uses_only_local_assets(client, db):
    response = client.get("/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html
    asset = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert asset.status_code == 200
