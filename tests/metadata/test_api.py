"""The metadata endpoints (spec 3.1): field names, values, envelope, pagination and errors."""

import pytest

from metadata.models import FuelSourceType, TopologyLevel

pytestmark = pytest.mark.django_db


def follow_all(api, url, key):
    """Every item of a paginated list, following `next` to the end."""
    items, pages = [], 0
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == {key, "next", "previous"}
        items += body[key]
        url, pages = body["next"], pages + 1
    return items, pages


def test_topology_levels_list_the_reference_table(api, demo):
    body = api.get("/metadata/topology-levels").json()
    assert body["next"] is None and body["previous"] is None
    levels = {item["id"]: item["level"] for item in body["topology_levels"]}
    assert levels["Interconnection"] == 0
    assert levels["Balancing Authority Area"] == 1
    assert levels["Bidding zone"] == 2
    assert levels["Meter (Generator or Load)"] == 5
    assert [i["level"] for i in body["topology_levels"]] == sorted(i["level"] for i in body["topology_levels"])
    first = body["topology_levels"][0]
    assert set(first) == {"id", "level", "description", "cimClass"}


def test_fuel_source_types_use_the_spec_field_names(api):
    body = api.get("/metadata/fuel-source/types", {"pageSize": 1000}).json()
    coal = next(t for t in body["types"] if t["external_id"] == "F02010100")
    assert coal == {
        "name": "Fossil - Solid - Hard coal - Unspecified",
        "external_reference": "EECS Rules Fact Sheet 5 TYPES OF ENERGY INPUTS AND TECHNOLOGIES",
        "external_id": "F02010100",
        "aibCode": "F02010100",
    }
    assert len(body["types"]) == FuelSourceType.objects.count()


def test_fuel_source_technologies_nest_the_external_reference(api):
    body = api.get("/metadata/fuel-source/technologies", {"pageSize": 1000}).json()
    pv = next(t for t in body["technologies"] if t["name"] == "Solar - Photovoltaic - Unspecified")
    assert pv == {
        "name": "Solar - Photovoltaic - Unspecified",
        "externalReference": {
            "sourceDocument": "EECS Rules Fact Sheet 5 TYPES OF ENERGY INPUTS AND TECHNOLOGIES",
            "aibCode": "T010100",
        },
    }


def test_following_next_returns_every_fuel_type_exactly_once(api):
    items, pages = follow_all(api, "/metadata/fuel-source/types?pageSize=7", "types")
    names = [i["name"] for i in items]
    assert len(names) == len(set(names)) == FuelSourceType.objects.count()
    assert pages == -(-len(names) // 7)


def test_previous_link_goes_back_a_page(api):
    first = api.get("/metadata/fuel-source/types", {"pageSize": 5}).json()
    second = api.get(first["next"]).json()
    assert api.get(second["previous"]).json()["types"] == first["types"]


def test_default_page_is_100_items_with_a_next_link(api):
    body = api.get("/metadata/fuel-source/types").json()
    assert len(body["types"]) == 100
    assert body["next"].startswith("http://testserver/metadata/fuel-source/types?cursor=")


def test_pagination_is_stable_for_levels_sharing_a_number(api, demo):
    items, _ = follow_all(api, "/metadata/topology-levels?pageSize=1", "topology_levels")
    assert sorted(i["id"] for i in items) == sorted(TopologyLevel.objects.values_list("id", flat=True))


@pytest.mark.parametrize("page_size", ["0", "-1", "1001", "abc", "1.5"])
def test_bad_page_size_is_a_400_naming_the_parameter(api, page_size):
    response = api.get("/metadata/fuel-source/types", {"pageSize": page_size})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["parameter"] == "pageSize"


def test_forged_cursor_is_a_400(api):
    response = api.get("/metadata/topology-levels", {"cursor": "bm90LWEtY3Vyc29y"})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"parameter": "cursor", "detail": "not a cursor this server issued."}]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writes_are_a_405(api, method):
    response = getattr(api, method)("/metadata/fuel-source/types", {}, format="json")
    assert response.status_code == 405
    assert response.json()["status"] == 405
