"""The realistic demo grid of `make run`: areas named by their sources' codes, plants and units sized from each
area's mix, a year of every quantity, and the real samples importing into it."""

import csv
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Sum

from psr.demo import GB_INTERCONNECTORS, load_demo_grid
from psr.models import Connection, InstalledCapacity, PowerSystemResource, TransmissionCapacity
from tests.conftest import once_per_module
from tests.timeseries.helpers import SAMPLES, needs_samples
from timeseries.generator import DEMO_AREAS
from timeseries.models import ImportJob, Point, Series

pytestmark = pytest.mark.django_db
QUANTITIES = {"generation", "demand", "imports", "exports", "price", "curtailment"}


_demo_grid_loaded = once_per_module("_demo_grid_loaded", load_demo_grid)


@pytest.fixture
def demo_grid(_demo_grid_loaded, db) -> None:
    """The demo grid of `make run` (loaded once for the module)."""


def generate(*args: str) -> str:
    out = StringIO()
    call_command("generate_timeseries", "--days", "2", *args, stdout=out)
    return out.getvalue()


def _by_identifier(scheme: str, value: str) -> PowerSystemResource | None:
    return PowerSystemResource.objects.filter(
        external_identifiers__scheme=scheme, external_identifiers__value=value
    ).first()


def _connected(a: str, b: str) -> bool:
    return (
        Connection.objects.filter(psr_id=a, connected_psr_id=b).exists()
        or Connection.objects.filter(psr_id=b, connected_psr_id=a).exists()
    )


def test_every_neighbour_eia_names_for_ciso_is_a_connected_psr_with_a_transmission_capacity(demo_grid):
    for code in ("PACW", "SRP", "BANC", "BPAT", "CEN", "IID", "LDWP", "NEVP", "AZPS", "WALC", "TIDC"):
        psr = _by_identifier("eia", code)
        assert psr is not None, code
        assert psr.parent_id == "US-WECC"
        assert _connected("US-WECC-CISO", psr.pk), code
    assert _by_identifier("eia", "CISO").pk == "US-WECC-CISO"
    for code in ("PACW", "BPAT", "SRP", "AZPS", "IID", "WALC", "TIDC", "CEN"):
        psr = _by_identifier("eia", code)
        assert TransmissionCapacity.objects.filter(psr_id="US-WECC-CISO", connected_psr=psr, value__gt=0).exists()


def test_european_zones_carry_their_entsoe_names_and_eic_codes(demo_grid):
    assert _by_identifier("entsoe", "BZN|ES").pk == "EU-CE-ES"
    assert _by_identifier("entsoe", "10YES-REE------0").pk == "EU-CE-ES"
    assert _by_identifier("entsoe", "BZN|FR").pk == "EU-CE-FR"
    assert _by_identifier("entsoe", "10YFR-RTE------C").pk == "EU-CE-FR"
    assert PowerSystemResource.objects.get(pk="EU-CE-ES").parent_id == "EU-CE"
    assert _connected("EU-CE-ES", "EU-CE-FR") and _connected("EU-CE-ES", "EU-CE-PT")


def test_gb_is_connected_to_each_interconnector_elexon_names_with_its_capacity(api, demo_grid):
    body = api.get("/power-system-resources/GB/transmission-capacity").json()
    served = {entry["connectedPSR"]["id"]: entry["value"] for entry in body["transmissionCapacity"]}
    for elexon_id, psr_id, _name, zone, mw, _where in GB_INTERCONNECTORS:
        station = _by_identifier("elexon", elexon_id)
        assert station.pk == psr_id and station.parent_id == zone
        assert served[psr_id] == mw
    assert len(GB_INTERCONNECTORS) == 8
    describe = api.get("/power-system-resources/EU-CE-FR-IFA/describe").json()["describe"]
    assert describe["location"]["geojson"]["type"] == "Point"
    assert {"scheme": "elexon", "value": "INTFR"} in describe["external_identifiers"]


def test_loading_the_grid_again_changes_nothing(demo_grid):
    counts = [m.objects.count() for m in (PowerSystemResource, Connection, TransmissionCapacity, InstalledCapacity)]
    load_demo_grid()
    assert [m.objects.count() for m in (PowerSystemResource, Connection, TransmissionCapacity, InstalledCapacity)] == (
        counts
    )


def test_every_demo_area_holds_every_quantity_in_its_currency(demo_grid):
    output = generate()
    assert "skipped" not in output
    for area in DEMO_AREAS:
        assert set(Series.objects.filter(psr_id=area.psr_id).values_list("quantity", flat=True)) == QUANTITIES
        units = set(Series.objects.filter(psr_id=area.psr_id, quantity="price").values_list("unit", flat=True))
        assert units == {area.currency}, area.psr_id
    # GB's flows are per interconnector; Spain's with France mirror France's with Spain.
    gb_neighbours = set(Series.objects.filter(psr_id="GB", quantity="imports").values_list("connected_psr", flat=True))
    assert gb_neighbours == {psr_id for _, psr_id, *_ in GB_INTERCONNECTORS}
    es_exports = Point.objects.filter(
        series__psr_id="EU-CE-ES", series__quantity="exports", series__connected_psr="EU-CE-FR"
    )
    fr_imports = Point.objects.filter(
        series__psr_id="EU-CE-FR", series__quantity="imports", series__connected_psr="EU-CE-ES"
    )
    assert list(es_exports.order_by("start").values_list("value", flat=True)) == list(
        fr_imports.order_by("start").values_list("value", flat=True)
    )


def test_plants_and_units_carry_capacities_that_add_up_to_their_area(demo_grid):
    generate()
    for area in DEMO_AREAS:
        plants = PowerSystemResource.objects.filter(
            topology_level_id="Generating Plant", id__startswith=area.psr_id, name__endswith="(demo)"
        )
        assert plants.count() == len(area.mix()), area.psr_id
        for plant in plants:
            [own] = InstalledCapacity.objects.filter(psr=plant)
            units = InstalledCapacity.objects.filter(psr__parent=plant, fuel_type=own.fuel_type)
            assert 1 <= units.count() <= 3
            assert units.aggregate(total=Sum("value"))["total"] == pytest.approx(own.value, abs=0.01)
            assert InstalledCapacity.objects.get(
                psr_id=area.psr_id, fuel_type=own.fuel_type, technology=own.technology
            ).value == pytest.approx(own.value)
            assert plant.location.geojson["type"] == "Point"
    ciso_plants = PowerSystemResource.objects.filter(
        topology_level_id="Generating Plant", id__startswith="US-WECC-CISO-"
    )
    assert {p.parent_id for p in ciso_plants} >= {"US-WECC-CISO-NP15", "US-WECC-CISO-ZP26", "US-WECC-CISO-SP15"}


def test_ciso_units_share_its_generation_and_its_zones_answer_by_roll_up(api, demo_grid):
    generate("--areas", "1")
    params = {"startDatetime": "2023-01-01T20:00:00Z", "endDatetime": "2023-01-01T21:00:00Z"}
    area = api.get("/power-system-resources/US-WECC-CISO/timeseries/generation", params).json()["generation"][0]
    zones = [
        api.get(f"/power-system-resources/{zone}/timeseries/generation", params).json()
        for zone in ("US-WECC-CISO-NP15", "US-WECC-CISO-ZP26", "US-WECC-CISO-SP15")
    ]
    assert all(body["rolledUp"] is True for body in zones)
    zone_total = sum(body["generation"][0]["value"] for body in zones)
    assert zone_total == pytest.approx(area["value"], abs=0.1)  # units hold the whole area's generation
    assert area["value"] > 0


@needs_samples
def test_make_run_imports_every_sample_and_ciso_answers_with_eias_numbers(api, demo_grid):
    generate()
    out = StringIO()
    call_command("load_samples", SAMPLES, stdout=out)
    jobs = ImportJob.objects.all()
    assert jobs.count() == len([p for p in Path(SAMPLES).rglob("*.csv")])
    assert all(j.status == "succeeded" and j.rows_rejected == 0 for j in jobs), out.getvalue()
    assert ImportJob.objects.get(original_name="installed_generation_capacity.csv").psr_id == "GB"
    assert ImportJob.objects.get(original_name__startswith="Installed Capacity").psr_id == "EU-CE-AL"

    # The example: one day of CISO generation answers with EIA's numbers, hour-ending labels moved to starts.
    expected = defaultdict(list)
    with (Path(SAMPLES) / "eia930/CISO_generation_by_fuel_2021-06.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            end = datetime.strptime(row["period"], "%Y-%m-%dT%H").replace(tzinfo=UTC)
            expected[(end - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")].append(float(row["value"]))
    body = api.get(
        "/power-system-resources/US-WECC-CISO/timeseries/generation"
        "?startDatetime=2021-06-01T00:00:00Z&endDatetime=2021-06-02T00:00:00Z"
    ).json()
    # The file's periods 2021-06-01T01 to T23 (hour ending) start that day; its T00 is the hour before.
    day = sorted(start for start in expected if start.startswith("2021-06-01"))
    assert [interval["startDatetime"] for interval in body["generation"]] == day and len(day) == 23
    for interval in body["generation"]:
        served = sorted(v["value"] for v in interval["valueByFuelSource"])
        assert served == sorted(expected[interval["startDatetime"]]), interval["startDatetime"]

    before = Point.objects.count()
    call_command("load_samples", SAMPLES, stdout=StringIO())
    again = ImportJob.objects.order_by("-pk")[: jobs.count() // 2]
    assert all(j.rows_inserted == 0 and j.rows_updated == 0 for j in again)
    assert Point.objects.count() == before
