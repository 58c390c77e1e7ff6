"""Generator inventories (EIA-860M) through the import service: plants and units become PSRs under their balancing
area with their installed capacity, statuses and dates respected, later inventories change only what changed, and
a refused file or a dry run leaves the store as it was."""

import csv
from pathlib import Path

from django.core.management import call_command

from metadata.models import SourceFuelMapping, TopologyLevel
from metadata.selectors import fuel_source_type_get
from psr.choices import UNIT_LEVEL
from psr.models import AssetInfo, ExternalIdentifier, InstalledCapacity, PowerSystemResource
from psr.services import external_identifier_add, psr_upsert
from tests.timeseries.helpers import SAMPLES, needs_samples, utc
from tests.timeseries.imports.adapters.eia import INVENTORY_HEADER, api_json
from tests.timeseries.imports.helpers import import_path, import_text, job_errors, lines
from timeseries.models import ImportJob

GAS, CCGT, SIMPLE_GT, THERMAL = "F02030100", "T050100", "T051100", "T050000"


def row(
    generator: str = "STG",
    *,
    plant: int = 55182,
    name: str = "Sunrise Power LLC",
    es: str = "NG",
    pm: str = "CA",
    status: str = "OP",
    mw: str = "264.0",
    period: str = "2021-06",
    ba: str = "CISO",
) -> str:
    return (
        f"{period},CA,California,ipp-non-chp,IPP Non-CHP,18320,Sunrise Power Co LLC,{plant},{name},{generator},CC1,"
        f"Natural Gas Fired Combined Cycle,{es},Natural Gas,{pm},{ba},California ISO,{status},Status {status},{mw},MW"
    )


def inventory(*rows: str) -> str:
    return lines(INVENTORY_HEADER, *rows)


def item(generator: str, status: str = "OP", **columns) -> dict:
    return {
        "period": "2021-06", "stateid": "CA", "plantid": "56143", "plantName": "Riverside Energy Resource Center",
        "generatorid": generator, "technology": "Natural Gas Fired Combustion Turbine", "energy_source_code": "NG",
        "prime_mover_code": "GT", "balancing_authority_code": "CISO", "status": status,
        "nameplate-capacity-mw": "48.3", "nameplate-capacity-mw-units": "MW", **columns,
    }  # fmt: skip


def _import(tmp_path, content: str, name: str = "inventory.csv", **options) -> ImportJob:
    return import_text(tmp_path, content, name, **options)


def counts(job: ImportJob) -> tuple[int, int, int, int, int]:
    return job.rows_read, job.rows_inserted, job.rows_updated, job.rows_unchanged, job.rows_rejected


def capacities(psr_id: str) -> list[tuple]:
    return list(
        InstalledCapacity.objects.filter(psr_id=psr_id)
        .order_by("start_datetime")
        .values_list("value", "fuel_type__aib_code", "technology__aib_code", "start_datetime", "end_datetime")
    )


def store() -> tuple:
    """What an inventory import may write, to compare before and after."""
    return (
        list(PowerSystemResource.objects.order_by("id").values_list("id", "name", "parent_id", "lft", "rght")),
        list(ExternalIdentifier.objects.order_by("id").values_list("psr_id", "scheme", "value")),
        list(AssetInfo.objects.order_by("id").values_list("psr_id", "name", "properties")),
        list(InstalledCapacity.objects.order_by("id").values_list("psr_id", "value", "start_datetime", "end_datetime")),
    )


def history_rows() -> int:
    return sum(
        model.history.count() for model in (PowerSystemResource, ExternalIdentifier, AssetInfo, InstalledCapacity)
    )


# -- what an inventory writes ----------------------------------------------------------------------------------


def test_plants_and_units_become_psrs_under_their_balancing_area_with_their_capacity(demo, tmp_path, api):
    job = _import(
        tmp_path,
        inventory(
            row("STG"),
            row("GT 1", pm="GT", mw="48"),
            row("IG#2", plant=54654, name="Kekawaka Power House", es="WAT", pm="HY", mw="4.9"),
        ),
    )

    assert (job.status, job.detected_format) == ("succeeded", "eia860m-inventory"), job.message
    assert counts(job) == (3, 3, 0, 0, 0)
    plant = PowerSystemResource.objects.get(pk="EIA-55182")
    assert (plant.name, plant.topology_level_id, plant.parent_id, plant.timezone) == (
        "Sunrise Power LLC",
        "Generating Plant",
        "US-WECC-CISO",
        "America/Los_Angeles",
    )
    assert sorted(plant.children.values_list("id", "topology_level_id")) == [
        ("EIA-55182-GT_1", UNIT_LEVEL),
        ("EIA-55182-STG", UNIT_LEVEL),
    ]
    assert PowerSystemResource.objects.get(pk="EIA-54654-IG_2").parent_id == "EIA-54654"
    # The tree is consistent: the balancing area's subtree holds the plants and units.
    ciso = PowerSystemResource.objects.get(pk="US-WECC-CISO")
    assert {"EIA-55182", "EIA-55182-STG", "EIA-54654-IG_2"} <= set(ciso.get_descendants().values_list("id", flat=True))

    body = api.get("/power-system-resources/EIA-55182-GT_1/capacity").json()
    assert body["capacity"] == [
        {
            "fuelSource": {
                "type": "Fossil - Gaseous - Natural gas - Unspecified",
                "technology": "Thermal - Gas turbine without heat recovery - Unspecified",
            },
            "value": 48.0,
            "startDatetime": "2021-06-01T00:00:00Z",
            "endDatetime": None,
        }
    ]
    described = api.get("/power-system-resources/EIA-55182-GT_1/describe").json()["describe"]
    assert described["external_identifiers"] == [{"scheme": "eia-generator", "value": "55182-GT 1"}]
    [info] = described["asset_info"]
    assert (info["name"], info["properties"]["prime_mover"], info["properties"]["inventory_period"]) == (
        "EIA-860M generator inventory",
        "GT",
        "2021-06",
    )
    plant_described = api.get("/power-system-resources/EIA-55182/describe").json()["describe"]
    assert plant_described["external_identifiers"] == [{"scheme": "eia-plant", "value": "55182"}]
    assert plant_described["location"]["main_address"]["town_detail"]["state_or_province"] == "CA"
    assert capacities("EIA-55182") == []  # capacity is only ever on units
    assert capacities("EIA-54654-IG_2") == [(4.9, "F01050200", "T030000", utc(2021, 6, 1), None)]


def test_the_status_decides_installed_capacity(demo, tmp_path):
    job = _import(
        tmp_path,
        inventory(
            row("OP1", status="OP"),
            row("SB1", status="SB"),
            row("OA1", status="OA"),
            row("OS1", status="OS"),
            row("RE1", status="RE"),
            row("P1", status="P"),
            row("V1", status="V"),
        ),
    )

    assert counts(job) == (7, 7, 0, 0, 0), job.message
    for installed in ("OP1", "SB1", "OA1"):
        assert capacities(f"EIA-55182-{installed}") == [(264.0, GAS, CCGT, utc(2021, 6, 1), None)]
    for not_installed in ("OS1", "RE1", "P1", "V1"):
        assert PowerSystemResource.objects.filter(pk=f"EIA-55182-{not_installed}").exists()
        assert capacities(f"EIA-55182-{not_installed}") == []
    planned = AssetInfo.objects.get(psr_id="EIA-55182-P1").properties
    assert (planned["status"], planned["nameplate_capacity_mw"]) == ("P", 264.0)


def test_the_api_json_dates_capacities_by_operating_and_retirement_month_and_locates_the_plant(demo, tmp_path, api):
    job = _import(
        tmp_path,
        api_json(
            item(
                "1",
                **{
                    "operating-year-month": "2006-06",
                    "latitude": "33.9528",
                    "longitude": "-117.4395",
                    "county": "Riverside",
                    "net-summer-capacity-mw": "45.6",
                },
            ),
            item("2", "RE", **{"operating-year-month": "1990-01", "retirement-year-month": "2021-03"}),
            item("3", "OS", **{"operating-year-month": "1990-01"}),
        ),
        name="inventory.json",
    )

    assert (job.status, job.detected_format, counts(job)) == ("succeeded", "eia860m-inventory", (3, 3, 0, 0, 0))
    assert capacities("EIA-56143-1") == [(48.3, GAS, SIMPLE_GT, utc(2006, 6, 1), None)]
    # Retired with both months known: its past capacity; out of service with no retirement month: none.
    assert capacities("EIA-56143-2") == [(48.3, GAS, SIMPLE_GT, utc(1990, 1, 1), utc(2021, 3, 1))]
    assert capacities("EIA-56143-3") == []
    location = api.get("/power-system-resources/EIA-56143/describe").json()["describe"]["location"]
    assert location["geojson"] == {"type": "Point", "coordinates": [-117.4395, 33.9528]}
    properties = AssetInfo.objects.get(psr_id="EIA-56143-1").properties
    assert (properties["county"], properties["net_summer_capacity_mw"]) == ("Riverside", 45.6)


# -- mappings and names from the file --------------------------------------------------------------------------


def test_a_pair_without_a_mapping_falls_back_to_its_energy_source_and_else_names_the_mapping_to_add(demo, tmp_path):
    job = _import(tmp_path, inventory(row("A", pm="XX"), row("B", es="ZZZ", pm="ST")), mode="lenient")

    assert counts(job) == (2, 1, 0, 0, 1)
    assert capacities("EIA-55182-A") == [(264.0, GAS, THERMAL, utc(2021, 6, 1), None)]  # the "NG" row's mapping
    column, value, reason = job_errors(job)[3]
    assert (column, value) == ("energy_source_code", "ZZZ/ST")
    assert "no eia860 fuel mapping for 'ZZZ/ST' nor for 'ZZZ'" in reason and "Source fuel mappings" in reason

    SourceFuelMapping.objects.create(
        source="eia860", code="ZZZ/ST", fuel_type=fuel_source_type_get(GAS), technology=None, note="by the operator"
    )
    again = _import(tmp_path, inventory(row("A", pm="XX"), row("B", es="ZZZ", pm="ST")))
    assert counts(again) == (2, 1, 0, 1, 0)
    assert capacities("EIA-55182-B") == [(264.0, GAS, None, utc(2021, 6, 1), None)]


def test_an_unknown_balancing_area_is_a_row_error_naming_the_identifier_to_add(demo, tmp_path):
    before = store()

    job = _import(tmp_path, inventory(row("STG"), row("X1", ba="NOPE")))

    assert job.status == "failed" and "strict mode nothing was written" in job.message
    column, value, reason = job_errors(job)[3]
    assert (column, value) == ("balancing_authority_code", "eia:NOPE")
    assert "no PSR has the external identifier 'eia:NOPE'" in reason and "balancing area's PSR" in reason
    assert store() == before


def test_an_existing_plant_and_unit_are_found_by_their_identifiers_whatever_their_ids(demo, tmp_path):
    # The operator keeps this plant under a zone with an id of their own, and one unit too.
    plant = psr_upsert(
        id="SUNRISE", name="Sunrise (ours)", topology_level="Generating Plant", parent="US-WECC-CISO-ABC"
    )
    external_identifier_add(psr=plant, identifier="eia-plant:55182")
    unit = psr_upsert(id="SUNRISE-STEAM", name="Steam turbine", topology_level=UNIT_LEVEL, parent=plant)
    external_identifier_add(psr=unit, identifier="eia-generator:55182-STG")

    job = _import(tmp_path, inventory(row("STG"), row("X718", pm="CT", mw="210.6")))

    assert counts(job) == (2, 1, 1, 0, 0), job.message
    assert not PowerSystemResource.objects.filter(pk__startswith="EIA-55182").exclude(pk="EIA-55182-X718").exists()
    new = PowerSystemResource.objects.get(pk="EIA-55182-X718")
    assert new.parent_id == "SUNRISE"
    unit.refresh_from_db()
    assert (unit.parent_id, unit.name) == ("SUNRISE", "Sunrise Power LLC generator STG")
    assert PowerSystemResource.objects.get(pk="SUNRISE").parent_id == "US-WECC-CISO-ABC"  # not moved
    assert capacities("SUNRISE-STEAM") == [(264.0, GAS, CCGT, utc(2021, 6, 1), None)]


def test_a_new_psr_never_takes_an_id_another_psr_holds(demo, tmp_path):
    psr_upsert(id="EIA-55182", name="Someone else's", topology_level="Generating Plant", parent="US-WECC-CISO")

    job = _import(tmp_path, inventory(row("STG")))

    assert counts(job) == (1, 1, 0, 0, 0), job.message
    assert PowerSystemResource.objects.get(pk="EIA-55182").name == "Someone else's"
    plant = PowerSystemResource.objects.get(
        external_identifiers__scheme="eia-plant", external_identifiers__value="55182"
    )
    assert (plant.pk, plant.name) == ("EIA-55182~2", "Sunrise Power LLC")
    assert PowerSystemResource.objects.get(pk="EIA-55182-STG").parent_id == "EIA-55182~2"


def test_a_balancing_area_at_or_below_the_plant_level_refuses_its_units(demo, tmp_path):
    external_identifier_add(psr=PowerSystemResource.objects.get(pk="US-WECC-CISO-ABC-HYDRO"), identifier="eia:HYD")

    job = _import(tmp_path, inventory(row("STG", ba="HYD")), mode="lenient")

    assert counts(job)[1:] == (0, 0, 0, 1)
    column, value, reason = job_errors(job)[2]
    assert (column, value) == ("area", "US-WECC-CISO-ABC-HYDRO") and "cannot be under it" in reason


def test_a_missing_topology_level_fails_the_file_naming_the_level(demo, tmp_path):
    TopologyLevel.objects.filter(pk=UNIT_LEVEL).delete()
    before = store()

    job = _import(tmp_path, inventory(row("STG")))

    assert job.status == "failed"
    assert f"no topology level '{UNIT_LEVEL}'" in job.message and "add it in the admin" in job.message
    assert store() == before


def test_the_same_generator_twice_in_a_file_is_a_row_error(demo, tmp_path):
    job = _import(tmp_path, inventory(row("STG"), row("STG", mw="1")), mode="lenient")

    assert counts(job) == (2, 1, 0, 0, 1)
    assert job_errors(job)[3][:2] == ("generatorid", "55182-STG") and "line 2" in job_errors(job)[3][2]
    assert capacities("EIA-55182-STG")[0][0] == 264.0


# -- modes -----------------------------------------------------------------------------------------------------


def test_strict_writes_nothing_if_a_row_is_bad_and_lenient_writes_the_others(demo, tmp_path):
    content = inventory(row("STG"), row("BAD", status="XX"), row("X718", mw="not a number"))
    before = store()

    strict = _import(tmp_path, content)

    assert strict.status == "failed" and counts(strict) == (3, 0, 0, 0, 2)
    assert {line: e[0] for line, e in job_errors(strict).items()} == {3: "status", 4: "nameplate-capacity-mw"}
    assert store() == before

    lenient = _import(tmp_path, content, mode="lenient")

    assert lenient.status == "succeeded" and counts(lenient) == (3, 1, 0, 0, 2)
    assert PowerSystemResource.objects.filter(pk__startswith="EIA-55182").count() == 2  # the plant and STG


def test_a_dry_run_counts_and_writes_nothing(demo, tmp_path):
    before = store()

    job = _import(tmp_path, inventory(row("STG"), row("X718")), dry_run=True)

    assert (job.status, counts(job)) == ("succeeded", (2, 2, 0, 0, 0))
    assert job.message.startswith("Dry run")
    assert store() == before


def test_the_command_takes_the_format_explicitly(demo, tmp_path, capsys):
    path = tmp_path / "units.csv"
    path.write_text(inventory(row("STG")), encoding="utf-8")

    call_command("import_timeseries", str(path), "--format", "eia860m-inventory", "--no-progress")

    out = capsys.readouterr().out
    assert "succeeded (eia860m-inventory" in out and "inserted 1" in out


# -- later inventories -----------------------------------------------------------------------------------------


def test_importing_the_same_inventory_twice_changes_nothing_and_records_no_history(demo, tmp_path):
    content = inventory(row("STG"), row("X718", pm="CT"), row("OS1", status="OS"), row("P1", status="P"))
    _import(tmp_path, content)
    before, history = store(), history_rows()

    again = _import(tmp_path, content)

    assert counts(again) == (4, 0, 0, 4, 0)
    assert (store(), history_rows()) == (before, history)


def test_a_later_inventory_repeating_a_unit_rewrites_nothing(demo, tmp_path):
    _import(tmp_path, inventory(row("STG")))
    before, history = store(), history_rows()

    july = _import(tmp_path, inventory(row("STG", period="2021-07")))

    assert counts(july) == (1, 0, 0, 1, 0)
    assert (store(), history_rows()) == (before, history)


def test_a_later_inventory_with_a_new_nameplate_closes_the_capacity_and_opens_another(demo, tmp_path, api):
    _import(tmp_path, inventory(row("STG"), row("X718", pm="CT", mw="210.6")))

    july = _import(tmp_path, inventory(row("STG", period="2021-07", mw="270"), row("X718", pm="CT", mw="210.6")))

    assert counts(july) == (2, 0, 1, 1, 0)
    assert capacities("EIA-55182-STG") == [
        (264.0, GAS, CCGT, utc(2021, 6, 1), utc(2021, 7, 1)),
        (270.0, GAS, CCGT, utc(2021, 7, 1), None),
    ]
    served = api.get("/power-system-resources/EIA-55182-STG/capacity").json()["capacity"]
    assert [(c["value"], c["startDatetime"], c["endDatetime"]) for c in served] == [
        (264.0, "2021-06-01T00:00:00Z", "2021-07-01T00:00:00Z"),
        (270.0, "2021-07-01T00:00:00Z", None),
    ]
    assert AssetInfo.objects.get(psr_id="EIA-55182-STG").properties["nameplate_capacity_mw"] == 270.0
    # A corrected July file: the capacity opened in July is corrected in place.
    corrected = _import(tmp_path, inventory(row("STG", period="2021-07", mw="271")))
    assert counts(corrected)[2] == 1
    assert capacities("EIA-55182-STG")[1:] == [(271.0, GAS, CCGT, utc(2021, 7, 1), None)]


def test_a_later_inventory_that_retires_a_unit_closes_its_capacity(demo, tmp_path):
    _import(tmp_path, inventory(row("STG"), row("X718", pm="CT")))

    sunrise = {"period": "2021-08", "plantid": "55182", "nameplate-capacity-mw": "264.0"}
    august = _import(
        tmp_path,
        api_json(
            item("STG", "RE", **sunrise, prime_mover_code="CA", **{"retirement-year-month": "2021-07"}),
            item("X718", "OS", **sunrise, prime_mover_code="CT"),
        ),
        name="august.json",
    )

    assert counts(august) == (2, 0, 2, 0, 0), august.message
    assert capacities("EIA-55182-STG") == [(264.0, GAS, CCGT, utc(2021, 6, 1), utc(2021, 7, 1))]
    assert capacities("EIA-55182-X718") == [(264.0, GAS, CCGT, utc(2021, 6, 1), utc(2021, 8, 1))]


def test_an_older_inventory_after_a_newer_one_is_refused_where_it_would_rewrite_history(demo, tmp_path):
    _import(tmp_path, inventory(row("STG", period="2021-07", mw="270")))
    before = store()

    june = _import(tmp_path, inventory(row("STG", period="2021-06", mw="264")))

    assert june.status == "failed"
    column, value, reason = job_errors(june)[2]
    assert (column, value) == ("period", "2021-06") and "import inventories in time order" in reason
    assert store() == before


# -- the real sample (../shared/data/public, via CDSC_SAMPLE_DATA) -----------------------------------------------


@needs_samples
def test_the_real_ciso_inventory_imports_strictly_under_ciso_as_the_file_says_and_twice_changes_nothing(demo, api):
    path = Path(SAMPLES) / "eia930" / "CISO_generator_inventory_2021-06.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    installed_mw = sum(float(r["nameplate-capacity-mw"]) for r in rows if r["status"] in ("OP", "SB", "OA"))

    job = import_path(path)

    assert (job.status, job.detected_format) == ("succeeded", "eia860m-inventory"), job.message
    assert counts(job) == (2369, 2369, 0, 0, 0)

    # (Plain joins: PostgreSQL has no statistics yet on the rows just written inside the test's transaction, and
    # plans nested subqueries over them badly.)
    def identified(scheme: str) -> set[str]:
        return set(ExternalIdentifier.objects.filter(scheme=scheme).values_list("psr_id", flat=True))

    plants = PowerSystemResource.objects.filter(parent_id="US-WECC-CISO", topology_level_id="Generating Plant")
    assert set(plants.values_list("pk", flat=True)) == identified("eia-plant") and plants.count() == 1310
    units = PowerSystemResource.objects.filter(parent__parent_id="US-WECC-CISO", topology_level_id=UNIT_LEVEL)
    assert set(units.values_list("pk", flat=True)) == identified("eia-generator") and units.count() == 2369
    # Installed capacity, MW, open since the inventory's month: every OP, SB and OA generator of the file, once.
    open_capacities = InstalledCapacity.objects.filter(
        psr__parent__parent_id="US-WECC-CISO", psr__topology_level_id=UNIT_LEVEL, end_datetime__isnull=True
    )
    assert open_capacities.count() == 2175 + 113 + 18
    assert round(sum(open_capacities.values_list("value", flat=True)), 1) == round(installed_mw, 1) == 69289.0
    # Line 2: Sunrise Power LLC (55182), generator STG, natural gas combined cycle (NG/CA), 264.0 MW, operating.
    assert api.get("/power-system-resources/EIA-55182-STG/capacity").json()["capacity"] == [
        {
            "fuelSource": {
                "type": "Fossil - Gaseous - Natural gas - Unspecified",
                "technology": "Thermal - Combined cycle gas turbine with heat recovery - Unspecified",
            },
            "value": 264.0,
            "startDatetime": "2021-06-01T00:00:00Z",
            "endDatetime": None,
        }
    ]
    described = api.get("/power-system-resources/EIA-55182-STG/describe").json()["describe"]
    assert (described["parent"], described["level"], described["timezone"]) == (
        "EIA-55182",
        UNIT_LEVEL,
        "America/Los_Angeles",
    )
    properties = described["asset_info"][0]["properties"]
    assert (properties["technology"], properties["status"], properties["combined_cycle_unit"]) == (
        "Natural Gas Fired Combined Cycle",
        "OP",
        "CC1",
    )
    # Line 87: Valero's generator 'GT 1', 49.9 MW simple-cycle gas turbine; line 130: Moss Landing's 300 MW battery.
    assert capacities("EIA-55851-GT_1") == [(49.9, GAS, SIMPLE_GT, utc(2021, 6, 1), None)]
    assert capacities("EIA-260-BAT1") == [(300.0, "F00000000", "T070000", utc(2021, 6, 1), None)]
    # Line 5: Kanaka KAN1 and line 2370: Coalinga K100 are out of service for good (OS): PSRs with no capacity.
    for unit in ("EIA-54653-KAN1", "EIA-50131-K100"):
        assert api.get(f"/power-system-resources/{unit}/capacity").json()["capacity"] == []
        assert (
            api.get(f"/power-system-resources/{unit}/describe").json()["describe"]["asset_info"][0]["properties"][
                "status"
            ]
            == "OS"
        )

    again = import_path(path)

    assert (again.status, counts(again)) == ("succeeded", (2369, 0, 0, 2369, 0))
