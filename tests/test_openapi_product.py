"""The OpenAPI schema as a client generator and a linter read it (issue 17): one GeoJSON-or-null, anonymous public
reads, one component per vocabulary, CSV and 304 declared, headers, one operation per quantity, lint details."""

import json
import re

import pytest
from jsonschema import Draft202012Validator

from psr import services
from psr.models import PowerSystemResource

SHARED_PARAMETERS = {"unit", "timeframe", "format", "resolution", "layout"}
SHORT = re.compile(r"^/power-system-resources/\{id\}/(generation|demand|imports|exports|price|curtailment)$")


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker) -> dict:
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/openapi.json")
    assert response.status_code == 200
    return json.loads(response.content)


def operations(schema: dict):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def validator(schema: dict, component: str) -> Draft202012Validator:
    """A validator of one component, resolving its references inside the document."""
    return Draft202012Validator({"$ref": f"#/components/schemas/{component}", "components": schema["components"]})


def test_describe_responses_validate_with_and_without_an_outline(api, demo, schema):
    declared = schema["components"]["schemas"]["Location"]["properties"]["geojson"]
    assert "oneOf" not in declared and sorted(declared["type"]) == ["null", "object"]
    check = validator(schema, "DescribeResponse")
    ids = [psr["id"] for psr in api.get("/power-system-resources?pageSize=1000").json()["power_system_resources"]]
    # A PSR with a place but no outline, as an operator's import makes them.
    without = next(psr for psr in PowerSystemResource.objects.filter(pk__in=ids) if not hasattr(psr, "location"))
    services.location_set(psr=without, town_name="Folsom", description="A place, no outline.", geojson=None)
    outlines = set()
    for psr_id in ids:
        body = api.get(f"/power-system-resources/{psr_id}/describe").json()
        errors = [error.message for error in check.iter_errors(body)]
        assert not errors, (psr_id, errors)
        location = body["describe"]["location"]
        outlines.add("no location" if location is None else type(location["geojson"]).__name__)
    assert {"dict", "NoneType"} <= outlines  # both kinds were checked


def test_a_generator_asks_for_authentication_only_on_private_operations(schema):
    # openapi-python-client (and others) take an operation's own non-empty `security` as "authentication required".
    private = {path for path, _, op in operations(schema) if op.get("security")}
    assert private and all(
        path.startswith(("/production-projects", "/meter-devices", "/usage-segments")) for path in private
    )
    assert {} in schema["security"] and {"BearerAuth": []} in schema["security"]
    for path, _, operation in operations(schema):
        if path in private:
            assert {} not in operation["security"] and {"BearerAuth": []} in operation["security"], path
            assert "401" in operation["responses"] and "403" in operation["responses"], path


def _inline_enums(node, trail=()):
    if isinstance(node, dict):
        if "enum" in node:
            yield trail
        for key, value in node.items():
            yield from _inline_enums(value, (*trail, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _inline_enums(value, (*trail, index))


def test_unit_timeframe_format_and_resolution_are_shared_components(schema):
    components = schema["components"]["schemas"]
    refs: dict[str, set[str]] = {name: set() for name in SHARED_PARAMETERS}
    for path, _, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["name"] in SHARED_PARAMETERS and parameter["schema"].get("type") != "string":
                ref = parameter["schema"].get("$ref")
                assert ref and ref.split("/")[-1] in components, (path, parameter)
                refs[parameter["name"]].add(ref)
    # Price's unit (a currency) and carbon intensity's three formats are their own; every other use is a component.
    assert not [trail for trail in _inline_enums(schema["paths"]) if trail[-2] in SHARED_PARAMETERS], "inline enum"
    assert refs["timeframe"] == {"#/components/schemas/Timeframe"}
    assert refs["format"] == {"#/components/schemas/Format"}
    assert refs["layout"] == {"#/components/schemas/CsvLayout"}
    assert refs["resolution"] == {"#/components/schemas/Resolution"}
    assert "#/components/schemas/EnergyUnit" in refs["unit"] and "#/components/schemas/PowerUnit" in refs["unit"]


def _ref_of(field: dict) -> str:
    return field.get("$ref") or field["allOf"][0]["$ref"]


@pytest.mark.parametrize(
    ("path", "response"),
    [
        ("/power-system-resources/{id}/timeseries/generation", "GenerationResponse"),
        ("/power-system-resources/{id}/timeseries/imports", "ImportsResponse"),
        ("/power-system-resources/{id}/capacity", "CapacityResponse"),
        ("/power-system-resources/{id}/timeseries/emissions", "EmissionsResponse"),
    ],
)
def test_a_response_unit_is_the_component_its_parameter_takes(schema, path, response):
    operation = schema["paths"][path]["get"]
    parameter = next(p for p in operation["parameters"] if p["name"] == "unit")
    fields = schema["components"]["schemas"][response]["properties"]
    assert _ref_of(fields["unit"]) == parameter["schema"]["$ref"]
    if "timeframe" in fields:
        assert _ref_of(fields["timeframe"]) == "#/components/schemas/Timeframe"


def test_csv_is_its_own_documented_media_type(schema):
    with_format = [(p, op) for p, _, op in operations(schema) if any(x["name"] == "format" for x in op["parameters"])]
    assert len(with_format) == 14
    for path, operation in with_format:
        ok = operation["responses"]["200"]
        assert ok["content"]["text/csv"]["schema"]["type"] == "string", path
        assert "$ref" in ok["content"]["application/json"]["schema"], path
        assert "Accept: text/csv" in ok["description"], path


def test_each_time_series_has_a_csv_twin_operation_for_generated_clients(schema):
    ids = {op["operationId"] for _, _, op in operations(schema)}
    twins = {p: op for p, _, op in operations(schema) if p.endswith(".csv")}
    assert len(twins) == 8
    for path, twin in twins.items():
        original = schema["paths"][path.removesuffix(".csv")]["get"]
        assert twin["x-csv-twin-of"] == original["operationId"] and original["operationId"] in ids, path
        assert twin["operationId"] == original["operationId"] + "_csv" and twin["summary"].endswith(" as CSV"), path
        assert list(twin["responses"]["200"]["content"]) == ["text/csv"], path
        assert "Link" in twin["responses"]["200"]["headers"], path
        assert twin["tags"] == original["tags"], path
        names = [p["name"] for p in twin["parameters"]]
        assert names == [p["name"] for p in original["parameters"] if p["name"] != "format"] and "layout" in names
        # The JSON operation keeps its CSV, as HTTP negotiates it.
        assert set(original["responses"]["200"]["content"]) == {"application/json", "text/csv"}, path


def test_304_etag_cache_and_rate_limit_headers_are_declared(schema):
    for path, _, operation in operations(schema):
        responses = operation["responses"]
        assert {"ETag", "Cache-Control", "Vary", "RateLimit", "RateLimit-Policy"} <= responses["200"]["headers"].keys()
        assert {"ETag", "Cache-Control", "Vary"} <= responses["304"]["headers"].keys(), path
        assert "content" not in responses["304"]
        assert "Retry-After" in responses["429"]["headers"], path
        if "/timeseries/" in path or SHORT.match(path):
            assert "Link" in responses["200"]["headers"], path


def test_each_quantity_has_one_operation_that_is_not_deprecated(schema):
    short = [path for path in schema["paths"] if SHORT.match(path)]
    assert len(short) == 6
    for path in short:
        assert schema["paths"][path]["get"]["deprecated"] is True
        long = path.replace("{id}/", "{id}/timeseries/")
        assert not schema["paths"][long]["get"].get("deprecated")
    ids = [op["operationId"] for _, _, op in operations(schema)]
    assert len(ids) == len(set(ids))


def test_what_the_linter_asked_for(schema):
    assert schema["servers"] and schema["servers"][0]["url"]
    assert schema["info"]["contact"]["name"] and schema["info"]["license"]["identifier"] == "Apache-2.0"
    declared = {tag["name"]: tag.get("description") for tag in schema["tags"]}
    for path, _, operation in operations(schema):
        assert operation.get("summary"), path
        assert operation["responses"]["200"]["description"].strip(), path
        assert all(declared.get(tag) for tag in operation["tags"]), (path, operation["tags"])
        for parameter in operation.get("parameters", []):
            assert parameter.get("description"), (path, parameter["name"])
            if parameter["name"] in ("startDatetime", "endDatetime"):
                formats = {branch.get("format") for branch in parameter["schema"]["anyOf"]}
                assert formats == {"date-time", "date"}, path
    level = next(p for p in schema["paths"]["/power-system-resources"]["get"]["parameters"] if p["name"] == "level")
    assert "topology level" in level["description"]
