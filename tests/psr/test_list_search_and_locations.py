"""The PSR list's beyond-spec parameters for the explorer: `search` (id, name, external identifier) and `located`
(the PSRs with a GeoJSON location, with it). Run on SQLite and PostgreSQL: their LIKE and case rules differ."""

import json

import pytest

from psr import services
from psr.models import Location, PowerSystemResource
from tests.factories import LocationFactory, PlantFactory

pytestmark = pytest.mark.django_db
LIST = "/power-system-resources"


def ids(api, **params) -> list[str]:
    response = api.get(LIST, params)
    assert response.status_code == 200, response.content
    return [p["id"] for p in response.json()["power_system_resources"]]


def test_search_by_external_identifier_finds_ciso(api, demo):
    assert ids(api, search="eia:CISO") == ["US-WECC-CISO"]


@pytest.mark.parametrize("text", ["eia:ciso", "EIA:CISO", "  eia:CISO  ", "Eia:cIs"])
def test_search_by_scheme_and_value_ignores_case_and_spaces(api, demo, text):
    assert ids(api, search=text) == ["US-WECC-CISO"]


def test_search_by_value_alone_finds_the_identifier(api, demo):
    assert ids(api, search="ldwp") == ["US-WECC-LADWP"]


def test_search_by_name_ignores_case(api, demo):
    assert ids(api, search="california iso") == ["US-WECC-CISO"]


def test_search_by_id_part_lists_every_match_in_id_order(api, demo):
    expected = sorted(PowerSystemResource.objects.filter(id__contains="CISO").values_list("id", flat=True))
    assert len(expected) > 1
    assert ids(api, search="wecc-ciso") == expected


def test_search_lists_a_psr_with_two_matching_identifiers_once(api, demo):
    ciso = PowerSystemResource.objects.get(pk="US-WECC-CISO")
    services.external_identifier_add(psr=ciso, identifier="eia-old:CISO")
    assert ids(api, search="CISO").count("US-WECC-CISO") == 1


@pytest.mark.parametrize("text", ["%", "_", "C_SO", "C%O", "\\"])
def test_search_takes_like_wildcards_literally(api, demo, text):
    assert ids(api, search=text) == []


def test_search_finds_a_literal_percent_and_underscore(api, demo):
    PlantFactory(id="US-WECC-CISO-ABC-P_1", name="Plant 100% solar")
    assert ids(api, search="100%") == ["US-WECC-CISO-ABC-P_1"]
    assert ids(api, search="p_1") == ["US-WECC-CISO-ABC-P_1"]


def test_search_without_a_match_is_an_empty_list(api, demo):
    body = api.get(LIST, {"search": "no such thing"}).json()
    assert body == {"power_system_resources": [], "next": None, "previous": None}


def test_empty_search_lists_everything(api, demo):
    assert ids(api, search="  ", pageSize=1000) == ids(api, pageSize=1000)


def test_search_combines_with_the_parent_filter(api, demo):
    assert ids(api, search="CISO", parent="US-WECC") == ["US-WECC-CISO"]


def test_search_longer_than_a_name_is_a_400(api, demo):
    response = api.get(LIST, {"search": "x" * 256})
    assert response.status_code == 400
    assert [e["parameter"] for e in response.json()["errors"]] == ["search"]


def test_search_pages_keep_the_search(api, demo):
    url, seen = f"{LIST}?search=WECC&pageSize=2", []
    while url:
        body = api.get(url).json()
        seen += [p["id"] for p in body["power_system_resources"]]
        url = body["next"]
    assert seen == sorted(PowerSystemResource.objects.filter(id__contains="WECC").values_list("id", flat=True))


def test_default_list_items_have_no_geojson(api, demo):
    for item in api.get(LIST).json()["power_system_resources"]:
        assert set(item) == {"id", "name", "level", "parent"}


def test_located_lists_the_psrs_with_a_geojson_location_and_their_geojson(api, demo):
    plants = LocationFactory.create_batch(3)
    # A location with an address but no shape has nothing to draw.
    Location.objects.create(psr=PlantFactory(), town_name="No shape")
    expected = {
        psr_id: geojson
        for psr_id, geojson in Location.objects.filter(geojson__isnull=False).values_list("psr_id", "geojson")
    }
    assert {p.psr_id for p in plants} <= set(expected)
    body = api.get(LIST, {"located": "true", "pageSize": 1000}).json()
    assert {p["id"]: p["geojson"] for p in body["power_system_resources"]} == expected
    ciso = next(p for p in body["power_system_resources"] if p["id"] == "US-WECC-CISO")
    assert ciso["geojson"]["features"][0]["geometry"]["type"] == "Polygon"


def test_located_false_is_the_default_list(api, demo):
    assert api.get(LIST, {"located": "false"}).json() == api.get(LIST).json()


@pytest.mark.parametrize("value", ["yes", "1", "True", ""])
def test_located_other_values_are_a_400(api, demo, value):
    response = api.get(LIST, {"located": value})
    assert response.status_code == 400
    assert [e["parameter"] for e in response.json()["errors"]] == ["located"]


def test_located_reads_the_locations_in_one_query(api, demo, django_assert_max_num_queries):
    LocationFactory.create_batch(20)
    with django_assert_max_num_queries(3):
        assert len(ids(api, located="true", pageSize=1000)) >= 20


def test_located_pages_keep_the_filter(api, demo):
    LocationFactory.create_batch(5)
    url, seen = f"{LIST}?located=true&pageSize=2", []
    while url:
        body = api.get(url).json()
        assert all("geojson" in p for p in body["power_system_resources"])
        seen += [p["id"] for p in body["power_system_resources"]]
        url = body["next"]
    assert seen == sorted(Location.objects.filter(geojson__isnull=False).values_list("psr_id", flat=True))


def test_schema_declares_search_and_located(api):
    schema = json.loads(api.get("/openapi.json").content)
    operation = schema["paths"]["/power-system-resources"]["get"]
    params = {p["name"]: p for p in operation["parameters"]}
    assert params["search"]["schema"]["maxLength"] == 255
    assert params["located"]["schema"]["enum"] == ["true", "false"]
    item = schema["components"]["schemas"]["PowerSystemResource"]
    assert "geojson" in item["properties"] and "geojson" not in item["required"]
