"""The PSR endpoints (spec 3.2) against the spec's own example grid: shapes, values, filters, errors."""

import pytest

from psr import services
from psr.models import PowerSystemResource

pytestmark = pytest.mark.django_db

CISO = "/power-system-resources/US-WECC-CISO"


def test_list_items_have_id_name_level_and_parent(api, demo):
    body = api.get("/power-system-resources").json()
    assert set(body) == {"power_system_resources", "next", "previous"}
    by_id = {p["id"]: p for p in body["power_system_resources"]}
    assert by_id["US-WECC"] == {
        "id": "US-WECC",
        "name": "Western Electricity Coordinating Council",
        "level": "Interconnection",
        "parent": None,
    }
    assert by_id["US-WECC-CISO"]["level"] == "Balancing Authority Area"
    assert by_id["US-WECC-CISO-ABC-HYDRO"]["parent"] == "US-WECC-CISO-ABC"
    assert len(by_id) == PowerSystemResource.objects.count()


def test_level_filter_takes_the_level_number(api, demo):
    body = api.get("/power-system-resources", {"level": 1}).json()
    ids = [p["id"] for p in body["power_system_resources"]]
    assert ids == ["US-WECC-ABCD", "US-WECC-BANC", "US-WECC-CISO", "US-WECC-LADWP", "US-WECC-NEVP"]


def test_level_filter_takes_the_level_id(api, demo):
    body = api.get("/power-system-resources", {"level": "Generating Plant"}).json()
    assert [p["id"] for p in body["power_system_resources"]] == ["US-WECC-CISO-ABC-HYDRO"]


def test_parent_filter_lists_direct_children(api, demo):
    body = api.get("/power-system-resources", {"parent": "US-WECC-CISO"}).json()
    assert [p["id"] for p in body["power_system_resources"]] == ["US-WECC-CISO-ABC"]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"level": "abc"}, "level"),
        ({"level": "-1"}, "level"),
        ({"level": "99"}, "level"),
        ({"parent": "NOPE"}, "parent"),
        ({"pageSize": "0"}, "pageSize"),
        ({"cursor": "%%%"}, "cursor"),
        ({"format": "xml"}, "format"),
    ],
)
def test_list_bad_parameters_are_400_naming_the_parameter(api, demo, params, parameter):
    response = api.get("/power-system-resources", params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400 and body["title"] == "Bad Request"
    assert [e["parameter"] for e in body["errors"]] == [parameter]


def test_list_pages_through_every_psr_once(api, demo):
    url, seen = "/power-system-resources?pageSize=2", []
    while url:
        body = api.get(url).json()
        seen += [p["id"] for p in body["power_system_resources"]]
        url = body["next"]
    assert seen == sorted(PowerSystemResource.objects.values_list("id", flat=True))


def test_topology_num_levels_2_matches_the_spec_example_shape(api, demo):
    body = api.get(f"{CISO}/topology", {"numLevels": 2}).json()
    assert body == {
        "id": "US-WECC-CISO",
        "topology": {
            "parent": {"id": "US-WECC", "parent": None},
            "connectedSiblings": [
                {"id": "US-WECC-ABCD"},
                {"id": "US-WECC-BANC"},
                {"id": "US-WECC-LADWP"},
                {"id": "US-WECC-NEVP"},
            ],
            "children": [
                {
                    "id": "US-WECC-CISO-ABC",
                    "connectedSiblings": [],
                    "children": [{"id": "US-WECC-CISO-ABC-HYDRO", "connectedSiblings": []}],
                }
            ],
        },
        "next": None,
        "previous": None,
    }


def test_topology_defaults_to_one_level(api, demo):
    body = api.get(f"{CISO}/topology").json()
    assert body["topology"]["parent"] == {"id": "US-WECC"}
    assert body["topology"]["children"] == [{"id": "US-WECC-CISO-ABC", "connectedSiblings": []}]


def test_topology_zero_levels_gives_only_connections(api, demo):
    body = api.get(f"{CISO}/topology", {"numLevels": 0}).json()
    assert set(body["topology"]) == {"connectedSiblings"}


def test_topology_of_a_leaf_walks_up_to_the_root(api, demo):
    body = api.get("/power-system-resources/US-WECC-CISO-ABC-HYDRO/topology", {"numLevels": 5}).json()
    assert body["topology"]["parent"] == {
        "id": "US-WECC-CISO-ABC",
        "parent": {"id": "US-WECC-CISO", "parent": {"id": "US-WECC", "parent": None}},
    }
    assert body["topology"]["children"] == []


def test_topology_lists_connections_recorded_on_either_side(api, demo):
    body = api.get("/power-system-resources/US-WECC-NEVP/topology").json()
    assert body["topology"]["connectedSiblings"] == [{"id": "US-WECC-CISO"}]


@pytest.mark.parametrize("value", ["-1", "abc", "1.5", "", "101"])
def test_topology_bad_num_levels_is_a_400(api, demo, value):
    response = api.get(f"{CISO}/topology", {"numLevels": value})
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "numLevels"


def test_describe_gives_location_and_ids(api, demo):
    body = api.get(f"{CISO}/describe").json()
    assert body["id"] == "US-WECC-CISO" and body["next"] is None and body["previous"] is None
    describe = body["describe"]
    assert describe["timezone"] == "America/Los_Angeles"
    assert describe["level"] == "Balancing Authority Area"
    assert describe["external_identifiers"] == [{"scheme": "eia", "value": "CISO"}]
    assert describe["location"]["main_address"] == {
        "postal_code": "95630",
        "town_detail": {"name": "Folsom", "state_or_province": "CA"},
        "street_detail": {
            "building_name": "California ISO headquarters",
            "display_address": "250 Outcropping Way, Folsom, CA 95630",
        },
    }
    geojson = describe["location"]["geojson"]
    assert geojson["type"] == "FeatureCollection"
    assert geojson["features"][0]["geometry"]["coordinates"][0][0] == [-122.376131, 42.009499]


def test_describe_without_location_has_null_location(api, demo):
    describe = api.get("/power-system-resources/US-WECC/describe").json()["describe"]
    assert describe["location"] is None
    assert describe["asset_info"] == []


def test_describe_lists_asset_info(api, demo):
    describe = api.get("/power-system-resources/US-WECC-CISO-ABC-HYDRO/describe").json()["describe"]
    assert describe["asset_info"] == [
        {"name": "Turbines", "description": "Demo asset info.", "properties": {"count": 2, "type": "Francis"}}
    ]


def test_capacity_is_the_spec_example(api, demo):
    body = api.get(f"{CISO}/capacity").json()
    fuel = {"technology": "Thermal - Steam engine - Unspecified", "type": "Fossil - Solid - Hard coal - Unspecified"}
    assert body == {
        "id": "US-WECC-CISO",
        "unit": "MW",
        "capacity": [
            {"fuelSource": fuel, "value": 300.0, "startDatetime": "2010-06-01T00:00:00Z", "endDatetime": None},
            {
                "fuelSource": fuel,
                "value": 500.0,
                "startDatetime": "2015-06-01T00:00:00Z",
                "endDatetime": "2021-06-01T00:00:00Z",
            },
        ],
        "next": None,
        "previous": None,
    }


def test_capacity_converts_units(api, demo):
    psr = PowerSystemResource.objects.get(pk="US-WECC-CISO-ABC-HYDRO")
    capacity = psr.capacities.get()
    capacity.value, capacity.unit = 40_000, "kW"
    capacity.save()
    assert api.get(f"/power-system-resources/{psr.pk}/capacity").json()["capacity"][0]["value"] == 40.0
    body = api.get(f"/power-system-resources/{psr.pk}/capacity", {"unit": "W"}).json()
    assert body["unit"] == "W" and body["capacity"][0]["value"] == 40_000_000.0


def test_capacity_unknown_unit_is_a_400(api, demo):
    response = api.get(f"{CISO}/capacity", {"unit": "GW"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "unit"


def test_transmission_capacity_is_the_spec_example(api, demo):
    body = api.get(f"{CISO}/transmission-capacity").json()
    assert body["unit"] == "MW"
    assert [(t["connectedPSR"], t["value"]) for t in body["transmissionCapacity"]] == [
        ({"id": "US-WECC-ABCD"}, 50.0),
        ({"id": "US-WECC-NEVP"}, 100.0),
    ]


def test_transmission_capacity_is_seen_from_both_sides(api, demo):
    body = api.get("/power-system-resources/US-WECC-NEVP/transmission-capacity", {"unit": "kW"}).json()
    assert body["unit"] == "kW"
    assert body["transmissionCapacity"][0]["connectedPSR"] == {"id": "US-WECC-CISO"}
    assert body["transmissionCapacity"][0]["value"] == 100_000.0


def test_psr_ids_with_dots_and_tildes_are_reachable(api, demo):
    services.psr_upsert(id="US-WECC.x~1", topology_level="Zone", parent="US-WECC-CISO")
    assert api.get("/power-system-resources/US-WECC.x~1/describe").status_code == 200


@pytest.mark.parametrize("suffix", ["describe", "topology", "capacity", "transmission-capacity"])
def test_unknown_psr_is_a_404_problem(api, demo, suffix):
    response = api.get(f"/power-system-resources/NOPE/{suffix}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "There is no power system resource 'NOPE'."


@pytest.mark.parametrize("suffix", ["", "/describe", "/topology", "/capacity", "/transmission-capacity"])
@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_wrong_method_is_a_405_problem(api, demo, suffix, method):
    url = "/power-system-resources" + (f"/US-WECC-CISO{suffix}" if suffix else "")
    response = getattr(api, method)(url)
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    assert "GET" in response["Allow"]


@pytest.mark.parametrize(
    "url",
    [
        "/power-system-resources/US-WECC-CISO",
        "/power-system-resources/",
        "/power-system-resources/US-WECC-CISO/nope",
        "/power-system-resources/bad%20id/describe",
        "/metadata",
    ],
)
def test_unknown_paths_are_json_404s(api, demo, url):
    response = api.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


@pytest.mark.parametrize(
    "query",
    [
        "level=%00",
        "level=" + "9" * 40,
        "parent=" + "x" * 5000,
        "numLevels=" + "9" * 40,
        "unit=%ff",
        "cursor=" + "A" * 4000,
        "pageSize=1e9",
        "level=1&level=2",
    ],
)
@pytest.mark.parametrize(
    "path", ["/power-system-resources", f"{CISO}/topology", f"{CISO}/capacity", f"{CISO}/transmission-capacity"]
)
def test_junk_input_never_causes_a_server_error(api, demo, path, query):
    response = api.get(f"{path}?{query}")
    assert response.status_code < 500
    assert response["Content-Type"].startswith(("application/json", "application/problem+json"))


@pytest.mark.parametrize("level", ["100%", "%s", "%(x)s", "%"])
def test_level_with_percent_signs_is_a_400_not_a_crash(api, demo, level):
    response = api.get("/power-system-resources", {"level": level})
    assert response.status_code == 400
    assert level in response.json()["errors"][0]["detail"]


def test_empty_format_is_a_400(api, demo):
    response = api.get("/power-system-resources", {"format": ""})
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "format"
