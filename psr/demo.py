"""The demo grid: the spec's reference topology levels and the PSRs of the spec's own examples.

Loaded by `manage.py setup_demo` (and so by `make run`). Idempotent: running it again updates in place.
Values not given by the spec (the plant's capacity, most locations) are marked as demo values.
"""

from datetime import UTC, datetime

from django.db import transaction

from metadata.selectors import fuel_source_technology_get, fuel_source_type_get
from metadata.services import topology_level_upsert

from . import services

# The spec's "Reference TopologyLevels" table (section 3.1.1): US and European names per level, with CIM classes.
REFERENCE_TOPOLOGY_LEVELS = [
    ("Interconnection", 0, "US grid", "GeographicalRegion"),
    ("Balancing Authority Area", 1, "US grid", "GeographicalRegion, SubGeographicalRegion"),
    ("Zone", 2, "US grid", "SubGeographicalRegion"),
    ("Transmission Node/Substation", 3, "US grid", "Substation"),
    ("Generating Plant", 4, "US grid", "Feeder, GeneratingUnit"),
    ("Meter (Generator or Load)", 5, "US grid", "GeneratingUnit"),
    ("Synchronous area", 0, "European grid", "GeographicalRegion"),
    ("LFC block/LFC area", 1, "European grid", "GeographicalRegion, SubGeographicalRegion"),
    ("Bidding zone", 2, "European grid", "SubGeographicalRegion"),
    ("Control area", 3, "European grid", "Substation"),
    ("Scheduling Area/Sub scheduling area", 4, "European grid", "Feeder, GeneratingUnit"),
    ("Metering Grid Area, MeteringPoint", 5, "European grid", "GeneratingUnit"),
]

# A coarse outline of California (demo shape, not the CAISO footprint); starts where the spec's example starts.
CALIFORNIA_OUTLINE = [
    [-122.376131, 42.009499],
    [-120.001, 41.995],
    [-119.999, 38.999],
    [-114.633, 35.002],
    [-114.722, 32.719],
    [-117.127, 32.535],
    [-120.622, 34.570],
    [-122.514, 37.780],
    [-124.211, 41.998],
    [-122.376131, 42.009499],
]

# (id, name, level, parent, timezone, external ids)
SPEC_EXAMPLE_PSRS = [
    ("US-WECC", "Western Electricity Coordinating Council", "Interconnection", None, "America/Los_Angeles", []),
    ("US-ERCOT", "Electric Reliability Council of Texas", "Interconnection", None, "America/Chicago", ["eia:ERCO"]),
    ("US-WECC-CISO", "California ISO", "Balancing Authority Area", "US-WECC", "America/Los_Angeles", ["eia:CISO"]),
    (
        "US-WECC-NEVP",
        "Nevada Power Company",
        "Balancing Authority Area",
        "US-WECC",
        "America/Los_Angeles",
        ["eia:NEVP"],
    ),
    (
        "US-WECC-LADWP",
        "Los Angeles Department of Water and Power",
        "Balancing Authority Area",
        "US-WECC",
        "America/Los_Angeles",
        ["eia:LDWP"],
    ),
    (
        "US-WECC-BANC",
        "Balancing Authority of Northern California",
        "Balancing Authority Area",
        "US-WECC",
        "America/Los_Angeles",
        ["eia:BANC"],
    ),
    ("US-WECC-ABCD", "ABCD (spec example area)", "Balancing Authority Area", "US-WECC", "America/Los_Angeles", []),
    ("US-WECC-CISO-ABC", "ABC (spec example zone)", "Zone", "US-WECC-CISO", "America/Los_Angeles", []),
    (
        "US-WECC-CISO-ABC-HYDRO",
        "Hydropower Plant in ABC",
        "Generating Plant",
        "US-WECC-CISO-ABC",
        "America/Los_Angeles",
        [],
    ),
]

SPEC_EXAMPLE_CONNECTIONS = [
    ("US-WECC-CISO", "US-WECC-NEVP", 100),
    ("US-WECC-CISO", "US-WECC-ABCD", 50),
    ("US-WECC-CISO", "US-WECC-LADWP", None),
    ("US-WECC-CISO", "US-WECC-BANC", None),
]


def _utc(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


@transaction.atomic
def load_spec_examples() -> dict[str, int]:
    """Create or update the reference topology levels and the spec's example PSRs; returns counts."""
    for level_id, number, grid, cim in REFERENCE_TOPOLOGY_LEVELS:
        topology_level_upsert(
            id=level_id, level=number, description=f"{grid} level {number} (spec reference table)", cim_class=cim
        )

    psrs = {}
    for psr_id, name, level, parent, tz, external_ids in SPEC_EXAMPLE_PSRS:
        psrs[psr_id] = services.psr_upsert(
            id=psr_id, name=name, topology_level=level, parent=psrs.get(parent), timezone=tz
        )
        for identifier in external_ids:
            services.external_identifier_add(psr=psrs[psr_id], identifier=identifier)

    services.location_set(
        psr=psrs["US-WECC-CISO"],
        postal_code="95630",
        town_name="Folsom",
        state_or_province="CA",
        building_name="California ISO headquarters",
        display_address="250 Outcropping Way, Folsom, CA 95630",
        description="Balancing authority area of the California Independent System Operator (outline is a demo shape).",
        geojson={
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": "California ISO (demo outline)"},
                    "geometry": {"type": "Polygon", "coordinates": [CALIFORNIA_OUTLINE]},
                }
            ],
        },
    )
    services.location_set(
        psr=psrs["US-WECC-CISO-ABC-HYDRO"],
        town_name="ABC",
        state_or_province="CA",
        description="Demo plant of the spec's examples.",
        geojson={"type": "Point", "coordinates": [-121.5, 39.5]},
    )
    services.asset_info_set(
        psr=psrs["US-WECC-CISO-ABC-HYDRO"],
        name="Turbines",
        description="Demo asset info.",
        properties={"count": 2, "type": "Francis"},
    )

    coal = fuel_source_type_get("F02010100")
    steam = fuel_source_technology_get("T050900")
    # The spec's capacity example (3.2.4), verbatim.
    services.installed_capacity_set(
        psr=psrs["US-WECC-CISO"],
        fuel_type=coal,
        technology=steam,
        value=500,
        start_datetime=_utc(2015, 6, 1),
        end_datetime=_utc(2021, 6, 1),
    )
    services.installed_capacity_set(
        psr=psrs["US-WECC-CISO"], fuel_type=coal, technology=steam, value=300, start_datetime=_utc(2010, 6, 1)
    )
    services.installed_capacity_set(
        psr=psrs["US-WECC-CISO-ABC-HYDRO"],
        fuel_type=fuel_source_type_get("F01050200"),
        technology=fuel_source_technology_get("T030100"),
        value=40,
        start_datetime=_utc(1998, 1, 1),
    )

    for a, b, capacity in SPEC_EXAMPLE_CONNECTIONS:
        services.connection_ensure(psr=psrs[a], connected_psr=psrs[b])
        if capacity is not None:
            services.transmission_capacity_set(psr=psrs[a], connected_psr=psrs[b], value=capacity)

    return {"topology levels": len(REFERENCE_TOPOLOGY_LEVELS), "power system resources": len(psrs)}
