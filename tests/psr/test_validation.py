"""The grid model's validation rules, exercised through the write services (the same checks the admin runs)."""

import math
from datetime import UTC, datetime

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from metadata.models import FuelSourceTechnology, FuelSourceType
from psr import services
from psr.demo import CALIFORNIA_OUTLINE
from psr.models import (
    AssetInfo,
    Connection,
    ExternalIdentifier,
    InstalledCapacity,
    Location,
    PowerSystemResource,
    TransmissionCapacity,
)

pytestmark = pytest.mark.django_db


def psr(psr_id: str) -> PowerSystemResource:
    return PowerSystemResource.objects.get(pk=psr_id)


def as_saved(psr_id: str) -> dict:
    """What a PSR looks like in the database, with its place in the tree."""
    obj = psr(psr_id)
    return {
        "name": obj.name,
        "parent": obj.parent_id,
        "topology_level": obj.topology_level_id,
        "timezone": obj.timezone,
        "ancestors": [a.pk for a in obj.get_ancestors()],
    }


def upsert_as_is(psr_id: str, **changes) -> PowerSystemResource:
    """psr_upsert with the PSR's current values, except `changes`."""
    obj = psr(psr_id)
    values = {
        "id": obj.pk,
        "name": obj.name,
        "topology_level": obj.topology_level_id,
        "parent": obj.parent_id,
        "timezone": obj.timezone,
        "description": obj.description,
    }
    return services.psr_upsert(**{**values, **changes})


def field_errors(excinfo: pytest.ExceptionInfo[ValidationError], field: str) -> str:
    errors = excinfo.value.message_dict
    assert field in errors, f"expected an error on {field!r}, got {errors}"
    return " ".join(errors[field])


def utc(year: int, month: int = 1, day: int = 1) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


@pytest.fixture
def coal(db) -> FuelSourceType:
    return FuelSourceType.objects.get(aib_code="F02010100")


@pytest.fixture
def steam(db) -> FuelSourceTechnology:
    return FuelSourceTechnology.objects.get(aib_code="T050900")


# --- the tree -------------------------------------------------------------------------------------------------


def test_psr_cannot_take_its_own_grandchild_as_parent(demo):
    before = {p: as_saved(p) for p in ["US-WECC", "US-WECC-CISO", "US-WECC-CISO-ABC"]}
    with pytest.raises(ValidationError) as excinfo:
        upsert_as_is("US-WECC", parent="US-WECC-CISO-ABC")
    message = field_errors(excinfo, "parent")
    assert "cycle" in message
    assert "US-WECC-CISO-ABC" in message
    assert {p: as_saved(p) for p in before} == before


def test_psr_cannot_be_its_own_parent(demo):
    before = as_saved("US-WECC-CISO")
    with pytest.raises(ValidationError) as excinfo:
        upsert_as_is("US-WECC-CISO", parent="US-WECC-CISO")
    assert "cannot be its own parent" in field_errors(excinfo, "parent")
    assert as_saved("US-WECC-CISO") == before


def test_moving_a_subtree_to_a_new_parent_updates_the_tree(demo):
    upsert_as_is("US-WECC-CISO-ABC", parent="US-WECC-NEVP")

    assert as_saved("US-WECC-CISO-ABC")["ancestors"] == ["US-WECC", "US-WECC-NEVP"]
    assert as_saved("US-WECC-CISO-ABC-HYDRO")["ancestors"] == ["US-WECC", "US-WECC-NEVP", "US-WECC-CISO-ABC"]
    assert [c.pk for c in psr("US-WECC-NEVP").get_children()] == ["US-WECC-CISO-ABC"]
    assert list(psr("US-WECC-CISO").get_children()) == []
    assert "US-WECC-CISO-ABC-HYDRO" in {d.pk for d in psr("US-WECC-NEVP").get_descendants()}


def test_a_root_can_become_a_child_of_another_tree(demo):
    upsert_as_is("US-ERCOT", topology_level="Balancing Authority Area", parent="US-WECC")

    assert as_saved("US-ERCOT")["ancestors"] == ["US-WECC"]
    assert psr("US-ERCOT").get_root().pk == "US-WECC"
    assert {r.pk for r in PowerSystemResource.objects.root_nodes()} == {"US-WECC"}


@pytest.mark.parametrize("level", ["Interconnection", "Synchronous area", "Balancing Authority Area"])
def test_child_must_be_at_a_higher_level_number_than_its_parent(demo, level):
    # US-WECC-CISO is a Balancing Authority Area (level 1): a child at level 0 or 1 is refused.
    with pytest.raises(ValidationError) as excinfo:
        services.psr_upsert(id="US-WECC-CISO-NEW", topology_level=level, parent="US-WECC-CISO")
    message = field_errors(excinfo, "topology_level")
    assert "a child must be at a higher level number than its parent" in message
    assert "US-WECC-CISO" in message
    assert not PowerSystemResource.objects.filter(pk="US-WECC-CISO-NEW").exists()


def test_moving_a_psr_under_a_parent_at_a_lower_level_is_refused(demo):
    before = as_saved("US-WECC-NEVP")
    with pytest.raises(ValidationError) as excinfo:
        upsert_as_is("US-WECC-NEVP", parent="US-WECC-CISO-ABC")  # an area under a zone
    assert "higher level number than its parent" in field_errors(excinfo, "topology_level")
    assert as_saved("US-WECC-NEVP") == before


def test_parent_level_cannot_be_changed_to_the_level_of_its_children(demo):
    before = as_saved("US-WECC-CISO")
    with pytest.raises(ValidationError) as excinfo:
        upsert_as_is("US-WECC-CISO", topology_level="Zone")  # its child US-WECC-CISO-ABC is a Zone
    message = field_errors(excinfo, "topology_level")
    assert "US-WECC-CISO-ABC" in message
    assert "a parent must be at a lower level number than its children" in message
    assert as_saved("US-WECC-CISO") == before


def test_parent_level_can_change_while_it_stays_above_its_children(demo):
    upsert_as_is("US-WECC-CISO", topology_level="LFC block/LFC area")
    assert as_saved("US-WECC-CISO")["topology_level"] == "LFC block/LFC area"


def test_upsert_is_idempotent(demo):
    data = {
        "id": "US-WECC-PACE",
        "name": "PacifiCorp East",
        "topology_level": "Balancing Authority Area",
        "parent": "US-WECC",
        "timezone": "America/Denver",
        "description": "Added twice.",
    }
    first = services.psr_upsert(**data)
    second = services.psr_upsert(**data)

    assert first.pk == second.pk == "US-WECC-PACE"
    assert PowerSystemResource.objects.filter(pk="US-WECC-PACE").count() == 1
    assert PowerSystemResource.objects.count() == 10
    assert as_saved("US-WECC-PACE") == {
        "name": "PacifiCorp East",
        "parent": "US-WECC",
        "topology_level": "Balancing Authority Area",
        "timezone": "America/Denver",
        "ancestors": ["US-WECC"],
    }


def test_upsert_updates_the_existing_psr(demo):
    upsert_as_is("US-WECC-NEVP", name="NV Energy")
    assert as_saved("US-WECC-NEVP")["name"] == "NV Energy"
    assert PowerSystemResource.objects.count() == 9


def test_unknown_parent_is_refused(demo):
    with pytest.raises(ValidationError) as excinfo:
        services.psr_upsert(id="US-WECC-ORPHAN", topology_level="Zone", parent="US-NOWHERE")
    assert "parent" in excinfo.value.message_dict
    assert not PowerSystemResource.objects.filter(pk="US-WECC-ORPHAN").exists()


def test_unknown_topology_level_under_a_parent_is_refused(demo):
    with pytest.raises(ValidationError) as excinfo:
        services.psr_upsert(id="US-WECC-ODD", topology_level="No such level", parent="US-WECC")
    assert "topology_level" in excinfo.value.message_dict
    assert not PowerSystemResource.objects.filter(pk="US-WECC-ODD").exists()


def test_unknown_topology_level_is_refused(demo):
    with pytest.raises(ValidationError) as excinfo:
        services.psr_upsert(id="US-ODD", topology_level="No such level")
    assert "No such level" in field_errors(excinfo, "topology_level")
    assert not PowerSystemResource.objects.filter(pk="US-ODD").exists()


# --- ids and timezones ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("psr_id", "message"),
    [
        ("US WECC", "URL safe"),
        ("a/b", "URL safe"),
        ("é", "URL safe"),
        ("US-WECC?x=1", "URL safe"),
        ("", "cannot be blank"),
    ],
)
def test_psr_id_must_be_url_safe(demo, psr_id, message):
    with pytest.raises(ValidationError) as excinfo:
        services.psr_upsert(id=psr_id, topology_level="Zone", parent="US-WECC-CISO")
    assert message in field_errors(excinfo, "id")
    assert PowerSystemResource.objects.count() == 9
    assert not PowerSystemResource.objects.filter(pk=psr_id).exists()


def test_url_safe_psr_id_with_punctuation_is_accepted(demo):
    services.psr_upsert(id="US-WECC.x_y~1", topology_level="Balancing Authority Area", parent="US-WECC")
    assert as_saved("US-WECC.x_y~1")["ancestors"] == ["US-WECC"]


def test_unknown_timezone_is_refused(demo):
    with pytest.raises(ValidationError) as excinfo:
        services.psr_upsert(id="US-MARS", topology_level="Interconnection", timezone="Mars/Olympus")
    message = field_errors(excinfo, "timezone")
    assert "'Mars/Olympus' is not an IANA timezone name" in message
    assert not PowerSystemResource.objects.filter(pk="US-MARS").exists()


def test_unknown_timezone_does_not_replace_the_saved_one(demo):
    with pytest.raises(ValidationError) as excinfo:
        upsert_as_is("US-WECC-CISO", timezone="America/Sacramento")
    assert "IANA" in field_errors(excinfo, "timezone")
    assert as_saved("US-WECC-CISO")["timezone"] == "America/Los_Angeles"


def test_iana_timezone_is_accepted(demo):
    services.psr_upsert(id="ES", name="Spain", topology_level="Synchronous area", timezone="Europe/Madrid")
    assert as_saved("ES")["timezone"] == "Europe/Madrid"


# --- locations ------------------------------------------------------------------------------------------------

DEMO_FEATURE_COLLECTION = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "California ISO (demo outline)"},
            "geometry": {"type": "Polygon", "coordinates": [CALIFORNIA_OUTLINE]},
        }
    ],
}


@pytest.mark.parametrize(
    ("geojson", "message"),
    [
        ([[-121.5, 39.5]], "expected an object with a 'type' member"),
        ("POINT (-121.5 39.5)", "expected an object with a 'type' member"),
        ({"coordinates": [-121.5, 39.5]}, "expected an object with a 'type' member"),
        ({"type": "Foo"}, "type 'Foo' is not one of Point"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}, "at least 4 positions"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}, "Not valid GeoJSON"),  # not closed
        (
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [-121.5]}}
                ],
            },
            "a position must have exactly 2 or 3 values",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": ["a", "b"]}}
                ],
            },
            "at features[0].geometry: coordinates must be finite numbers, found 'a'",
        ),
    ],
)
def test_invalid_geojson_is_refused(demo, geojson, message):
    with pytest.raises(ValidationError) as excinfo:
        services.location_set(psr=psr("US-WECC-NEVP"), town_name="Las Vegas", geojson=geojson)
    assert message in field_errors(excinfo, "geojson")
    assert not Location.objects.filter(psr_id="US-WECC-NEVP").exists()


def test_invalid_geojson_does_not_replace_the_saved_location(demo):
    before = Location.objects.filter(psr_id="US-WECC-CISO").values()[0]
    with pytest.raises(ValidationError) as excinfo:
        services.location_set(psr=psr("US-WECC-CISO"), town_name="Elsewhere", geojson={"type": "Point"})
    assert "Not valid GeoJSON" in field_errors(excinfo, "geojson")
    assert Location.objects.filter(psr_id="US-WECC-CISO").values()[0] == before
    assert before["geojson"] == DEMO_FEATURE_COLLECTION


@pytest.mark.parametrize(
    "geojson",
    [
        DEMO_FEATURE_COLLECTION,
        {"type": "Point", "coordinates": [-115.14, 36.17]},
        {"type": "Feature", "properties": {"name": "HQ"}, "geometry": {"type": "Point", "coordinates": [-115.1, 36.1]}},
        None,
    ],
)
def test_valid_geojson_is_stored(demo, geojson):
    services.location_set(psr=psr("US-WECC-NEVP"), town_name="Las Vegas", geojson=geojson)
    location = Location.objects.get(psr_id="US-WECC-NEVP")
    assert (location.town_name, location.geojson) == ("Las Vegas", geojson)


def test_valid_geometry_collection_is_stored(demo):
    geojson = {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [-115.14, 36.17]}]}
    services.location_set(psr=psr("US-WECC-NEVP"), geojson=geojson)
    assert Location.objects.get(psr_id="US-WECC-NEVP").geojson == geojson


def test_geojson_with_nan_coordinate_is_refused(demo):
    with pytest.raises(ValidationError) as excinfo:
        services.location_set(psr=psr("US-WECC-NEVP"), geojson={"type": "Point", "coordinates": [math.nan, 36.17]})
    assert "finite" in field_errors(excinfo, "geojson")
    assert not Location.objects.filter(psr_id="US-WECC-NEVP").exists()


@pytest.mark.parametrize(
    ("geojson", "message"),
    [
        ({"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [1]}]}, "geometries[0]"),
        ({"type": "GeometryCollection", "geometries": [{"type": "Feature", "geometry": None}]}, "is not one of"),
        ({"type": "GeometryCollection"}, "'geometries' must be an array"),
        ({"type": "Point", "coordinates": [True, 2]}, "finite numbers"),
        ({"type": "Feature", "properties": [], "geometry": None}, "'properties' must be an object"),
    ],
)
def test_invalid_nested_geojson_is_refused_with_its_place(demo, geojson, message):
    with pytest.raises(ValidationError) as excinfo:
        services.location_set(psr=psr("US-WECC-NEVP"), geojson=geojson)
    assert message in field_errors(excinfo, "geojson")


def test_feature_without_geometry_or_properties_is_accepted(demo):
    # The spec's own describe example has a Feature without "properties".
    geojson = {"type": "Feature", "geometry": None}
    services.location_set(psr=psr("US-WECC-NEVP"), geojson=geojson)
    assert Location.objects.get(psr_id="US-WECC-NEVP").geojson == geojson


def test_non_finite_capacity_is_refused(demo, coal, steam):
    for value in (math.nan, math.inf):
        with pytest.raises(ValidationError) as excinfo:
            services.installed_capacity_set(
                psr=psr("US-WECC-NEVP"), fuel_type=coal, technology=steam, value=value, start_datetime=utc(2020)
            )
        assert "finite" in field_errors(excinfo, "value")
    assert not InstalledCapacity.objects.filter(psr_id="US-WECC-NEVP").exists()


def test_asset_info_properties_must_hold_finite_numbers(demo):
    with pytest.raises(ValidationError) as excinfo:
        services.asset_info_set(psr=psr("US-WECC-NEVP"), name="Meter", properties={"ratio": math.nan})
    assert "finite" in field_errors(excinfo, "properties")
    assert not AssetInfo.objects.filter(psr_id="US-WECC-NEVP").exists()


# --- capacities -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("end", [utc(2019), utc(2020)], ids=["end-before-start", "end-equals-start"])
def test_installed_capacity_must_end_after_it_starts(demo, coal, steam, end):
    with pytest.raises(ValidationError) as excinfo:
        services.installed_capacity_set(
            psr=psr("US-WECC-NEVP"),
            fuel_type=coal,
            technology=steam,
            value=10,
            start_datetime=utc(2020),
            end_datetime=end,
        )
    assert "The end must be after the start." in field_errors(excinfo, NON_FIELD_ERRORS)
    assert not InstalledCapacity.objects.filter(psr_id="US-WECC-NEVP").exists()


def test_installed_capacity_end_cannot_be_moved_before_its_start(demo, coal, steam):
    with pytest.raises(ValidationError) as excinfo:
        services.installed_capacity_set(
            psr=psr("US-WECC-CISO"),
            fuel_type=coal,
            technology=steam,
            value=500,
            start_datetime=utc(2015, 6, 1),
            end_datetime=utc(2015, 5, 31),
        )
    assert "end must be after the start" in field_errors(excinfo, NON_FIELD_ERRORS)
    row = InstalledCapacity.objects.get(psr_id="US-WECC-CISO", start_datetime=utc(2015, 6, 1))
    assert (row.value, row.end_datetime) == (500, utc(2021, 6, 1))


def test_installed_capacity_cannot_be_negative(demo, coal, steam):
    with pytest.raises(ValidationError) as excinfo:
        services.installed_capacity_set(
            psr=psr("US-WECC-NEVP"), fuel_type=coal, technology=steam, value=-1, start_datetime=utc(2020)
        )
    assert "A capacity cannot be negative." in field_errors(excinfo, "value")
    assert not InstalledCapacity.objects.filter(psr_id="US-WECC-NEVP").exists()


def test_installed_capacity_with_valid_period_is_stored_once(demo, coal, steam):
    for value in (10, 12):  # the same PSR, fuel, technology and start: updated, not duplicated
        services.installed_capacity_set(
            psr=psr("US-WECC-NEVP"),
            fuel_type=coal,
            technology=steam,
            value=value,
            start_datetime=utc(2020),
            end_datetime=utc(2020, 1, 2),
        )
    assert list(InstalledCapacity.objects.filter(psr_id="US-WECC-NEVP").values_list("value", flat=True)) == [12]


def test_transmission_capacity_cannot_be_negative_and_keeps_the_old_value(demo):
    with pytest.raises(ValidationError) as excinfo:
        services.transmission_capacity_set(psr=psr("US-WECC-CISO"), connected_psr=psr("US-WECC-NEVP"), value=-100)
    assert "A capacity cannot be negative." in field_errors(excinfo, "value")
    assert TransmissionCapacity.objects.get(psr_id="US-WECC-CISO", connected_psr_id="US-WECC-NEVP").value == 100


@pytest.mark.parametrize("end", [utc(2019), utc(2020)], ids=["end-before-start", "end-equals-start"])
def test_transmission_capacity_must_end_after_it_starts(demo, end):
    with pytest.raises(ValidationError) as excinfo:
        services.transmission_capacity_set(
            psr=psr("US-WECC-CISO"),
            connected_psr=psr("US-WECC-NEVP"),
            value=120,
            start_datetime=utc(2020),
            end_datetime=end,
        )
    assert "The end must be after the start." in field_errors(excinfo, NON_FIELD_ERRORS)
    assert list(
        TransmissionCapacity.objects.filter(connected_psr_id="US-WECC-NEVP").values_list("value", flat=True)
    ) == [100]


def test_transmission_capacity_needs_a_connection(demo):
    with pytest.raises(ValidationError) as excinfo:
        services.transmission_capacity_set(psr=psr("US-WECC-NEVP"), connected_psr=psr("US-WECC-LADWP"), value=10)
    message = field_errors(excinfo, "connected_psr")
    assert "'US-WECC-NEVP' and 'US-WECC-LADWP' are not connected" in message
    assert not TransmissionCapacity.objects.filter(psr_id="US-WECC-NEVP").exists()
    assert TransmissionCapacity.objects.count() == 2


def test_transmission_capacity_follows_the_connection_in_either_direction(demo):
    # The connection is recorded on US-WECC-CISO; it is symmetric, so NEVP -> CISO is connected too.
    services.transmission_capacity_set(psr=psr("US-WECC-NEVP"), connected_psr=psr("US-WECC-CISO"), value=90)
    assert TransmissionCapacity.objects.get(psr_id="US-WECC-NEVP", connected_psr_id="US-WECC-CISO").value == 90


# --- connections ----------------------------------------------------------------------------------------------


def test_connecting_the_reverse_pair_keeps_the_existing_connection(demo):
    existing = Connection.objects.get(psr_id="US-WECC-CISO", connected_psr_id="US-WECC-NEVP")
    result = services.connection_ensure(psr=psr("US-WECC-NEVP"), connected_psr=psr("US-WECC-CISO"))
    assert result.pk == existing.pk
    assert Connection.objects.count() == 4
    assert not Connection.objects.filter(psr_id="US-WECC-NEVP").exists()


def test_reverse_duplicate_connection_is_refused_by_validation(demo):
    # What the admin (and any full_clean) does when someone records B -> A while A -> B exists.
    with pytest.raises(ValidationError) as excinfo:
        Connection(psr=psr("US-WECC-NEVP"), connected_psr=psr("US-WECC-CISO")).full_clean()
    message = field_errors(excinfo, NON_FIELD_ERRORS)
    assert "already connected" in message
    assert "recorded on 'US-WECC-CISO'" in message


def test_same_connection_twice_is_refused_by_validation(demo):
    with pytest.raises(ValidationError) as excinfo:
        Connection(psr=psr("US-WECC-CISO"), connected_psr=psr("US-WECC-NEVP")).full_clean()
    assert "These two power system resources are already connected." in field_errors(excinfo, NON_FIELD_ERRORS)


def test_psr_cannot_be_connected_to_itself(demo):
    with pytest.raises(ValidationError) as excinfo:
        services.connection_ensure(psr=psr("US-WECC-NEVP"), connected_psr=psr("US-WECC-NEVP"))
    assert "cannot be connected to itself" in field_errors(excinfo, NON_FIELD_ERRORS)
    assert not Connection.objects.filter(psr_id="US-WECC-NEVP").exists()
    assert Connection.objects.count() == 4


def test_new_connection_is_stored(demo):
    services.connection_ensure(psr=psr("US-WECC-NEVP"), connected_psr=psr("US-WECC-LADWP"))
    services.connection_ensure(psr=psr("US-WECC-LADWP"), connected_psr=psr("US-WECC-NEVP"))
    assert Connection.objects.filter(psr_id="US-WECC-NEVP", connected_psr_id="US-WECC-LADWP").count() == 1
    assert Connection.objects.count() == 5


# --- external identifiers -------------------------------------------------------------------------------------


def test_external_identifier_of_another_psr_is_refused(demo):
    with pytest.raises(ValidationError) as excinfo:
        services.external_identifier_add(psr=psr("US-WECC-NEVP"), identifier="eia:CISO")
    assert "already belongs to a power system resource" in " ".join(excinfo.value.messages)
    assert list(ExternalIdentifier.objects.filter(value="CISO").values_list("psr_id", flat=True)) == ["US-WECC-CISO"]
    assert [str(e) for e in ExternalIdentifier.objects.filter(psr_id="US-WECC-NEVP")] == ["eia:NEVP"]


def test_same_value_in_another_scheme_is_accepted(demo):
    services.external_identifier_add(psr=psr("US-WECC-NEVP"), identifier="entsoe:CISO")
    assert sorted(str(e) for e in ExternalIdentifier.objects.filter(psr_id="US-WECC-NEVP")) == [
        "eia:NEVP",
        "entsoe:CISO",
    ]


def test_adding_an_external_identifier_again_is_a_no_op(demo):
    services.external_identifier_add(psr=psr("US-WECC-CISO"), identifier="eia:CISO")
    assert ExternalIdentifier.objects.filter(scheme="eia", value="CISO").count() == 1


@pytest.mark.parametrize("identifier", ["CISO", "eia:", ""])
def test_external_identifier_must_be_scheme_colon_value(demo, identifier):
    with pytest.raises(ValidationError) as excinfo:
        services.external_identifier_add(psr=psr("US-WECC-NEVP"), identifier=identifier)
    assert "is not written 'scheme:value'" in " ".join(excinfo.value.messages)
    assert ExternalIdentifier.objects.filter(psr_id="US-WECC-NEVP").count() == 1


@pytest.mark.parametrize(("identifier", "field"), [("EIA:NEVP2", "scheme"), (":NEVP2", "scheme")])
def test_external_identifier_scheme_must_be_lower_case_name(demo, identifier, field):
    with pytest.raises(ValidationError) as excinfo:
        services.external_identifier_add(psr=psr("US-WECC-NEVP"), identifier=identifier)
    assert field_errors(excinfo, field)
    assert not ExternalIdentifier.objects.filter(value="NEVP2").exists()


# --- asset info -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("properties", [["Francis", "Kaplan"], "Francis", 2, []])
def test_asset_info_properties_must_be_an_object(demo, properties):
    with pytest.raises(ValidationError) as excinfo:
        services.asset_info_set(psr=psr("US-WECC-CISO-ABC-HYDRO"), name="Turbines", properties=properties)
    assert "Properties must be a JSON object of key-value pairs." in field_errors(excinfo, "properties")
    item = AssetInfo.objects.get(psr_id="US-WECC-CISO-ABC-HYDRO", name="Turbines")
    assert item.properties == {"count": 2, "type": "Francis"}


def test_asset_info_with_object_properties_is_stored(demo):
    services.asset_info_set(psr=psr("US-WECC-NEVP"), name="Meter", properties={"manufacturer": "ACME", "phases": 3})
    assert AssetInfo.objects.get(psr_id="US-WECC-NEVP", name="Meter").properties == {
        "manufacturer": "ACME",
        "phases": 3,
    }


def test_renumbering_a_topology_level_that_breaks_the_tree_is_refused(demo):
    from metadata.services import topology_level_upsert

    with pytest.raises(ValidationError) as excinfo:
        topology_level_upsert(id="Zone", level=0)  # US-WECC-CISO-ABC would sit above its parent CISO
    assert "'US-WECC-CISO' would no longer be at a lower level number than its child 'US-WECC-CISO-ABC'" in (
        field_errors(excinfo, "level")
    )
    with pytest.raises(ValidationError) as excinfo:
        topology_level_upsert(id="Zone", level=5)  # ... and below its child plant (level 4)
    assert "'US-WECC-CISO-ABC' would no longer" in field_errors(excinfo, "level")
    topology_level_upsert(id="Zone", level=3, description="renumbered")  # still between 1 and 4
    assert psr("US-WECC-CISO-ABC").topology_level.level == 3
