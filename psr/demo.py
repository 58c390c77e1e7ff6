"""The demo grid: the spec's reference topology levels, the PSRs of the spec's own examples, and a realistic grid
around them (interconnections, balancing areas and bidding zones with their real neighbours and source codes).

Loaded by `manage.py setup_demo` (and so by `make run`). Idempotent: running it again updates in place.
Values not given by the spec (the plant's capacity, most locations) are marked as demo values; transmission
capacities of the realistic grid are round figures of the right size, not official ratings.
"""

from datetime import UTC, datetime

from django.db import transaction

from metadata.models import EmissionBasis
from metadata.selectors import fuel_source_technology_get, fuel_source_type_get
from metadata.services import topology_level_upsert

from . import services
from .choices import PLANT_LEVEL, UNIT_LEVEL
from .models import DeclaredIntensity, PowerSystemResource

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


# The realistic grid around the spec's examples: (id, name, level, parent, timezone, external ids, (lon, lat), place).
# External ids are the codes the sources use (EIA-930 BA codes, ENTSO-E area names and EIC codes, Elexon
# interconnector names), so that their files import into these PSRs as they are.
REALISTIC_PSRS = [
    # Western interconnection: CISO's neighbours as EIA-930 names them.
    ("US-WECC-PACW", "PacifiCorp West", "Balancing Authority Area", "US-WECC", "America/Los_Angeles",
     ["eia:PACW"], (-122.68, 45.52), "Portland, OR"),
    ("US-WECC-BPAT", "Bonneville Power Administration", "Balancing Authority Area", "US-WECC", "America/Los_Angeles",
     ["eia:BPAT"], (-122.66, 45.53), "Portland, OR"),
    ("US-WECC-SRP", "Salt River Project", "Balancing Authority Area", "US-WECC", "America/Phoenix",
     ["eia:SRP"], (-111.93, 33.43), "Tempe, AZ"),
    ("US-WECC-AZPS", "Arizona Public Service Company", "Balancing Authority Area", "US-WECC", "America/Phoenix",
     ["eia:AZPS"], (-112.07, 33.45), "Phoenix, AZ"),
    ("US-WECC-IID", "Imperial Irrigation District", "Balancing Authority Area", "US-WECC", "America/Los_Angeles",
     ["eia:IID"], (-115.57, 32.85), "Imperial, CA"),
    ("US-WECC-WALC", "WAPA Desert Southwest Region", "Balancing Authority Area", "US-WECC", "America/Phoenix",
     ["eia:WALC"], (-114.60, 35.02), "Phoenix, AZ"),
    ("US-WECC-TIDC", "Turlock Irrigation District", "Balancing Authority Area", "US-WECC", "America/Los_Angeles",
     ["eia:TIDC"], (-120.85, 37.49), "Turlock, CA"),
    ("MX-WECC-CEN", "Centro Nacional de Control de Energia (Baja California)", "Balancing Authority Area", "US-WECC",
     "America/Tijuana", ["eia:CEN"], (-115.45, 32.62), "Mexicali, BC"),
    # CAISO's trading-hub zones; the demo's plants hang under them.
    ("US-WECC-CISO-NP15", "CAISO North of Path 15", "Zone", "US-WECC-CISO", "America/Los_Angeles", [],
     (-121.9, 38.6), "Northern California"),
    ("US-WECC-CISO-ZP26", "CAISO Zone Path 26", "Zone", "US-WECC-CISO", "America/Los_Angeles", [],
     (-119.7, 35.6), "Central California"),
    ("US-WECC-CISO-SP15", "CAISO South of Path 15", "Zone", "US-WECC-CISO", "America/Los_Angeles", [],
     (-117.6, 34.0), "Southern California"),
    # Europe: synchronous areas and bidding zones as ENTSO-E names them (area name and EIC code).
    ("EU-CE", "Continental Europe synchronous area", "Synchronous area", None, "Europe/Brussels",
     ["entsoe:10YEU-CONT-SYNC0"], (4.35, 50.85), "Brussels"),
    ("EU-CE-ES", "Spain", "Bidding zone", "EU-CE", "Europe/Madrid",
     ["entsoe:BZN|ES", "entsoe:10YES-REE------0"], (-3.64, 40.54), "Alcobendas, Madrid"),
    ("EU-CE-PT", "Portugal", "Bidding zone", "EU-CE", "Europe/Lisbon",
     ["entsoe:BZN|PT", "entsoe:10YPT-REN------W"], (-9.14, 38.72), "Lisbon"),
    ("EU-CE-FR", "France", "Bidding zone", "EU-CE", "Europe/Paris",
     ["entsoe:BZN|FR", "entsoe:10YFR-RTE------C"], (2.24, 48.89), "La Defense, Paris"),
    ("EU-CE-BE", "Belgium", "Bidding zone", "EU-CE", "Europe/Brussels",
     ["entsoe:BZN|BE", "entsoe:10YBE----------2"], (4.36, 50.85), "Brussels"),
    ("EU-CE-NL", "Netherlands", "Bidding zone", "EU-CE", "Europe/Amsterdam",
     ["entsoe:BZN|NL", "entsoe:10YNL----------L"], (5.91, 51.98), "Arnhem"),
    ("EU-CE-AL", "Albania", "Bidding zone", "EU-CE", "Europe/Tirane",
     ["entsoe:BZN|AL", "entsoe:10YAL-KESH-----5"], (19.82, 41.33), "Tirana"),
    ("EU-NORDIC", "Nordic synchronous area", "Synchronous area", None, "Europe/Oslo", [], (10.75, 59.91), "Oslo"),
    ("EU-NORDIC-NO2", "Norway NO2 (south-west)", "Bidding zone", "EU-NORDIC", "Europe/Oslo",
     ["entsoe:BZN|NO2", "entsoe:10YNO-2--------T"], (7.99, 58.15), "Kristiansand"),
    ("EU-IE", "Ireland and Northern Ireland synchronous area", "Synchronous area", None, "Europe/Dublin", [],
     (-6.26, 53.35), "Dublin"),
    ("EU-IE-SEM", "Ireland and Northern Ireland (SEM)", "Bidding zone", "EU-IE", "Europe/Dublin",
     ["entsoe:BZN|IE(SEM)", "entsoe:10Y1001A1001A59C"], (-6.26, 53.35), "Dublin"),
    # Great Britain: a synchronous area and one bidding zone; Elexon's files are all GB and name no area.
    ("GB", "Great Britain", "Synchronous area", None, "Europe/London",
     ["entsoe:BZN|GB", "entsoe:10YGB----------A"], (-1.26, 52.24), "Wokingham (NESO control centre)"),
]  # fmt: skip

# GB's interconnectors, as PSRs for their far-end converter stations (several end in the same country, and each
# has its own flow series), named by Elexon's interconnector ids: (elexon id, PSR id, name, zone, MW, (lon, lat)).
GB_INTERCONNECTORS = [
    ("INTFR", "EU-CE-FR-IFA", "IFA (Les Mandarins converter station)", "EU-CE-FR", 2000, (1.80, 50.92)),
    ("INTIFA2", "EU-CE-FR-IFA2", "IFA2 (Tourbe converter station)", "EU-CE-FR", 1000, (-0.30, 49.13)),
    ("INTELEC", "EU-CE-FR-ELECLINK", "ElecLink (Coquelles converter station)", "EU-CE-FR", 1000, (1.78, 50.92)),
    ("INTNED", "EU-CE-NL-BRITNED", "BritNed (Maasvlakte converter station)", "EU-CE-NL", 1000, (4.02, 51.96)),
    ("INTNEM", "EU-CE-BE-NEMO", "Nemo Link (Herdersbrug converter station)", "EU-CE-BE", 1000, (3.22, 51.28)),
    ("INTNSL", "EU-NORDIC-NO2-NSL", "North Sea Link (Kvilldal station)", "EU-NORDIC-NO2", 1400, (6.65, 59.52)),
    ("INTIRL", "EU-IE-SEM-MOYLE", "Moyle (Ballycronan More converter station)", "EU-IE-SEM", 500, (-5.77, 54.84)),
    ("INTEW", "EU-IE-SEM-EWIC", "East West Interconnector (Woodland station)", "EU-IE-SEM", 500, (-6.50, 53.47)),
]  # fmt: skip

# Spain's Almaraz nuclear plant and its two units as the ENTSO-E per-unit export names them (`entsoe:ALMARAZ 1`),
# so the real sample of that export imports into its unit: (PSR id, ENTSO-E unit name, net MW, in commercial
# operation since). Net ratings and dates as IAEA PRIS lists them, rounded.
ALMARAZ_PLANT = ("EU-CE-ES-ALMARAZ", "Almaraz nuclear power plant", (-5.697, 39.807), "Almaraz, Caceres")
ALMARAZ_UNITS = [
    ("EU-CE-ES-ALMARAZ-1", "ALMARAZ 1", 1011, _utc(1983, 9, 1)),
    ("EU-CE-ES-ALMARAZ-2", "ALMARAZ 2", 1006, _utc(1984, 7, 1)),
]

# Locations for the spec's example areas that the spec gives none (the realistic grid's plants sit near them).
SPEC_AREA_PLACES = [
    ("US-WECC-NEVP", (-115.14, 36.17), "Las Vegas, NV"),
    ("US-WECC-LADWP", (-118.25, 34.05), "Los Angeles, CA"),
    ("US-WECC-BANC", (-121.49, 38.58), "Sacramento, CA"),
    ("US-WECC-ABCD", (-116.0, 37.5), "ABCD (spec example area)"),
]

# Connections of the realistic grid with a transmission capacity in MW (round demo figures of the right size).
REALISTIC_CONNECTIONS = [
    ("US-WECC-CISO", "US-WECC-PACW", 4800),
    ("US-WECC-CISO", "US-WECC-BPAT", 3100),
    ("US-WECC-CISO", "US-WECC-SRP", 1500),
    ("US-WECC-CISO", "US-WECC-AZPS", 2000),
    ("US-WECC-CISO", "US-WECC-IID", 1300),
    ("US-WECC-CISO", "US-WECC-WALC", 1000),
    ("US-WECC-CISO", "US-WECC-TIDC", 600),
    ("US-WECC-CISO", "MX-WECC-CEN", 800),
    ("US-WECC-PACW", "US-WECC-BPAT", 3000),
    ("US-WECC-SRP", "US-WECC-AZPS", 2500),
    ("US-WECC-AZPS", "US-WECC-WALC", 1500),
    ("US-WECC-LADWP", "US-WECC-NEVP", 1000),
    ("US-WECC-BANC", "US-WECC-TIDC", 300),
    ("EU-CE-ES", "EU-CE-FR", 2800),
    ("EU-CE-ES", "EU-CE-PT", 4200),
    ("EU-CE-FR", "EU-CE-BE", 3300),
    ("EU-CE-BE", "EU-CE-NL", 2400),
]

# Declared intensities (gCO2e/kWh: direct, lifecycle) for some neighbours whose generation the demo does not hold,
# so flow tracing shows both fallbacks: these supply their declared figure, the others the catalogue's Unspecified
# factor (marked estimated). Round figures of the size such areas' mixes give (hydro-heavy BPAT low, coal- and
# gas-heavy desert south-west high), NOT published values: an operator replaces them with its own sourced figures.
# The demo areas that hold generation only in the generated year (France, CISO's spec-example neighbours) have one
# too: on the real sample days (2021, 2022) their generation is missing and they supply it instead of an estimate.
DEMO_DECLARED_INTENSITIES = [
    ("US-WECC-PACW", 350, 400),
    ("US-WECC-BPAT", 20, 40),
    ("US-WECC-AZPS", 400, 450),
    ("US-WECC-SRP", 450, 500),
    ("EU-CE-BE", 150, 170),
    ("EU-CE-NL", 350, 400),
    ("EU-CE-FR", 30, 60),
    ("US-WECC-LADWP", 350, 400),
    ("US-WECC-NEVP", 350, 400),
    ("US-WECC-BANC", 200, 250),
]
DEMO_FIGURE_SOURCE = "Demo figure (illustrative, not a published value)"
DEMO_FIGURE_NOTE = (
    "A round figure of a plausible size for the demo only; an operator replaces it with its own sourced figure."
)


def _point(lon_lat: tuple[float, float]) -> dict:
    return {"type": "Point", "coordinates": [lon_lat[0], lon_lat[1]]}


@transaction.atomic
def load_demo_grid() -> dict[str, int]:
    """The spec's examples plus the realistic grid around them (areas, zones, interconnectors, connections with
    transmission capacities, locations, the demo's declared intensities of some neighbours); returns counts. Plants,
    units and meters come with their time series (`generate_timeseries`), whose fuel mixes size them."""
    counts = load_spec_examples()
    psrs = {}
    for psr_id, name, level, parent, tz, external_ids, lon_lat, place in REALISTIC_PSRS:
        psrs[psr_id] = services.psr_upsert(id=psr_id, name=name, topology_level=level, parent=parent, timezone=tz)
        for identifier in external_ids:
            services.external_identifier_add(psr=psrs[psr_id], identifier=identifier)
        services.location_set(psr=psrs[psr_id], town_name=place, description="Demo location.", geojson=_point(lon_lat))
    for psr_id, lon_lat, place in SPEC_AREA_PLACES:
        psr = PowerSystemResource.objects.get(pk=psr_id)
        services.location_set(psr=psr, town_name=place, description="Demo location.", geojson=_point(lon_lat))
    gb = psrs["GB"]
    for elexon_id, psr_id, name, zone, mw, lon_lat in GB_INTERCONNECTORS:
        station = services.psr_upsert(
            id=psr_id,
            name=name,
            topology_level="Transmission Node/Substation",
            parent=zone,
            timezone=psrs[zone].timezone,
        )
        services.external_identifier_add(psr=station, identifier=f"elexon:{elexon_id}")
        services.location_set(psr=station, description=f"Far end of {name.split(' (')[0]}.", geojson=_point(lon_lat))
        services.connection_ensure(psr=gb, connected_psr=station)
        services.transmission_capacity_set(psr=gb, connected_psr=station, value=mw)
        psrs[psr_id] = station
    _load_almaraz(psrs["EU-CE-ES"])
    for a, b, mw in REALISTIC_CONNECTIONS:
        first, second = (PowerSystemResource.objects.get(pk=x) for x in (a, b))
        services.connection_ensure(psr=first, connected_psr=second)
        services.transmission_capacity_set(psr=first, connected_psr=second, value=mw)
    counts["declared intensities added"] = _declare_demo_intensities()
    counts["power system resources"] = PowerSystemResource.objects.count()
    return counts


def _declare_demo_intensities() -> int:
    """The demo's declared intensities, each created only where the PSR declares none on that basis (an operator's
    own figure, or an edit of the demo's, is never overwritten); returns how many were created."""
    created = 0
    for psr_id, *values in DEMO_DECLARED_INTENSITIES:
        for basis, value in zip((EmissionBasis.DIRECT, EmissionBasis.LIFECYCLE), values, strict=True):
            if DeclaredIntensity.objects.filter(psr_id=psr_id, basis=basis).exists():
                continue
            DeclaredIntensity.objects.create(
                psr_id=psr_id, basis=basis, value=value, source_document=DEMO_FIGURE_SOURCE, note=DEMO_FIGURE_NOTE
            )
            created += 1
    return created


def _load_almaraz(spain: PowerSystemResource) -> None:
    """Spain's Almaraz plant under its bidding zone, its units with their ENTSO-E names and installed capacities."""
    plant_id, plant_name, lon_lat, place = ALMARAZ_PLANT
    plant = services.psr_upsert(
        id=plant_id, name=plant_name, topology_level=PLANT_LEVEL, parent=spain, timezone=spain.timezone
    )
    services.location_set(psr=plant, town_name=place, description="Plant site.", geojson=_point(lon_lat))
    uranium, light_water = fuel_source_type_get("F03010101"), fuel_source_technology_get("T060200")
    for unit_id, entsoe_name, mw, since in ALMARAZ_UNITS:
        unit = services.psr_upsert(
            id=unit_id, name=f"Almaraz {unit_id[-1]}", topology_level=UNIT_LEVEL, parent=plant, timezone=spain.timezone
        )
        services.external_identifier_add(psr=unit, identifier=f"entsoe:{entsoe_name}")
        services.location_set(psr=unit, town_name=place, description="Plant site.", geojson=_point(lon_lat))
        services.installed_capacity_set(
            psr=unit, fuel_type=uranium, technology=light_water, value=mw, start_datetime=since
        )


# Production projects (seed 002): the seed's own example, and three that sit on the demo grid. Private: the demo
# API client of `setup_demo` is granted the CISO solar project only.
DEMO_SOLAR_PROJECT = "US-CISO-SERF-PV"


def load_demo_projects() -> dict[str, int]:
    """The demo's production projects and their meters (idempotent); returns counts."""
    from .services.projects import meter_upsert, production_project_upsert

    solar, wind = fuel_source_type_get("F01040100"), fuel_source_type_get("F01050100")
    uranium = fuel_source_type_get("F03010101")
    projects = [
        # The seed's example, as written there.
        (
            {"id": "55555555-55", "name": "Seed 002 example project", "contract_type": "PPA",
             "contract_start_date": _utc(2020, 1, 1), "contract_end_date": _utc(2030, 1, 1), "contract_rule": "100%",
             "timezone": "America/New_York",
             "declared_formats": ["settlement", "scada", "forecast_day_ahead", "forecast_hour_ahead"],
             "declared_validities": ["contracted", "total_gross", "net_metering"]},
            [("55555555-55_1", None), ("55555555-55_2", None), ("55555555-55_3", None)],
        ),
        # A solar PPA in CISO; its SCADA readings will be the real PV sample (../shared/data/meters/pv).
        (
            {"id": DEMO_SOLAR_PROJECT, "name": "SERF East solar PPA (demo)", "contract_type": "PPA",
             "contract_start_date": _utc(2019, 1, 1), "contract_end_date": _utc(2039, 1, 1), "contract_rule": "100%",
             "timezone": "America/Los_Angeles", "fuel_type": solar, "installed_capacity_mw": 0.01,
             "declared_formats": ["settlement", "scada", "forecast_day_ahead", "forecast_hour_ahead"],
             "declared_validities": ["contracted", "total_gross"]},
            [(f"{DEMO_SOLAR_PROJECT}_1", None)],
        ),
        # A share of a nuclear unit in Spain, tied to the grid model's unit.
        (
            {"id": "ES-ALMARAZ-1-VPPA", "name": "Almaraz 1 virtual PPA (demo)", "contract_type": "VPPA",
             "contract_start_date": _utc(2024, 1, 1), "contract_rule": "10%", "timezone": "Europe/Madrid",
             "psr": PowerSystemResource.objects.filter(pk="EU-CE-ES-ALMARAZ-1").first(), "fuel_type": uranium,
             "installed_capacity_mw": ALMARAZ_UNITS[0][2], "declared_formats": ["settlement", "forecast_day_ahead"],
             "declared_validities": ["contracted", "total_gross"]},
            [("ES-ALMARAZ-1-VPPA_1", "EU-CE-ES-ALMARAZ-1")],
        ),
        # A net-metered wind turbine behind a farm's meter.
        (
            {"id": "US-CISO-FARM-WIND-NEM", "name": "Farm wind turbine, net metered (demo)",
             "contract_type": "Net metering", "contract_start_date": _utc(2022, 6, 1),
             "contract_rule": "net of on-site use", "timezone": "America/Los_Angeles", "fuel_type": wind,
             "installed_capacity_mw": 0.1, "declared_formats": ["settlement"],
             "declared_validities": ["total_gross", "net_metering"]},
            [("US-CISO-FARM-WIND-NEM_1", None)],
        ),
    ]  # fmt: skip
    for fields, meters in projects:
        project = production_project_upsert(**fields)
        for number, psr_id in meters:
            psr = PowerSystemResource.objects.filter(pk=psr_id).first() if psr_id else None
            meter_upsert(meter_number=number, project=project, psr=psr)
    return {"production projects": len(projects), "meters": sum(len(m) for _, m in projects)}
