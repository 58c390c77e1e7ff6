"""The real public samples (../shared/data/public, via CDSC_SAMPLE_DATA) imported unedited through the service."""

import csv
from pathlib import Path

import pytest

from psr.demo import load_demo_grid
from psr.models import PowerSystemResource
from tests.conftest import once_per_module
from tests.timeseries.helpers import SAMPLES, needs_samples
from tests.timeseries.imports.helpers import import_path
from timeseries.models import Point

pytestmark = needs_samples


_realistic = once_per_module("_realistic", load_demo_grid)


@pytest.fixture
def realistic(_realistic, db) -> None:
    """The grid `make run` loads (once for the module): its PSRs carry the codes the samples name (EIA BA codes,
    ENTSO-E areas, Elexon interconnectors), so the files import as they are."""


@pytest.fixture
def britain(realistic) -> PowerSystemResource:
    return PowerSystemResource.objects.get(pk="GB")


def _run(name: str, **options):
    path = Path(SAMPLES) / name
    job = import_path(path, **options)
    assert job.status == "succeeded", (job.message, [e.reason for e in job.errors.all()[:5]])
    assert job.rows_rejected == 0
    return job


@pytest.mark.parametrize(
    ("name", "fmt", "rows"),
    [
        ("entsoe/Actual Generation per Production Type_202211010000-202211020000.csv", "entsoe-generation", 1824),
        ("entsoe/Total Load - Day Ahead _ Actual_202211010000-202211020000.csv", "entsoe-load", 192),
        ("entsoe/Cross-Border Physical Flow_202211010000-202211020000.csv", "entsoe-flow", 96),
    ],
)
def test_entsoe_samples_import_strictly_and_twice_changes_nothing(realistic, name, fmt, rows):
    first = _run(name)
    assert (first.detected_format, first.rows_inserted) == (fmt, rows)
    second = _run(name)
    assert (second.rows_inserted, second.rows_updated, second.rows_unchanged) == (0, 0, rows)


def test_entsoe_generation_is_served_in_mwh_at_the_right_time(realistic, api):
    _run("entsoe/Actual Generation per Production Type_202211010000-202211020000.csv")
    body = api.get(
        "/power-system-resources/EU-CE-ES/timeseries/generation"
        "?startDatetime=2022-11-01T00:00:00Z&endDatetime=2022-11-01T00:15:00Z"
    ).json()
    interval = body["generation"][0]
    assert (interval["startDatetime"], interval["endDatetime"]) == ("2022-11-01T00:00:00Z", "2022-11-01T00:15:00Z")
    biomass = [v for v in interval["valueByFuelSource"] if v["type"].startswith("Renewable - Solid")]
    assert biomass[0]["value"] == 101.0  # 404 MW over a quarter hour, as the file says
    assert PowerSystemResource.objects.get(pk="EU-CE-ES").series.exists()
    assert Point.objects.filter(series__psr_id="EU-CE-ES").count() == 1824


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("eia930/CISO_generation_by_fuel_2021-06.csv", "eia930-fuel-type"),
        ("eia930/CISO_interchange_2021-06.csv", "eia930-interchange"),
        ("eia930/CISO_region_data_2022-06.csv", "eia930-region"),
    ],
)
def test_eia930_samples_import_strictly_and_twice_changes_nothing(realistic, name, fmt):
    first = _run(name)
    assert first.detected_format == fmt
    assert first.rows_inserted > 0
    second = _run(name)
    assert (second.rows_inserted, second.rows_updated) == (0, 0)


def test_eia930_generation_answers_with_eias_numbers_labelled_by_interval_start(realistic, api):
    _run("eia930/CISO_generation_by_fuel_2021-06.csv")
    body = api.get(
        "/power-system-resources/US-WECC-CISO/timeseries/generation"
        "?startDatetime=2021-05-31T23:00:00Z&endDatetime=2021-06-01T00:00:00Z"
    ).json()
    # The file's first hour, 2021-06-01T00 (hour ending): hydro 1818, oil 81, coal 19, gas 10055, wind 1392, other -49.
    interval = body["generation"][0]
    assert (interval["startDatetime"], interval["endDatetime"]) == ("2021-05-31T23:00:00Z", "2021-06-01T00:00:00Z")
    values = sorted(v["value"] for v in interval["valueByFuelSource"])
    assert {1818.0, 81.0, 19.0, 10055.0, 1392.0, -49.0} <= set(values)


@pytest.mark.parametrize(
    ("name", "fmt", "rows"),
    [
        ("elexon/generation_by_production_type_2022-01.csv", "elexon-generation", 517),
        ("elexon/interconnector_flows_2022-08.csv", "elexon-interconnectors", 1536),
    ],
)
def test_elexon_samples_import_into_the_chosen_psr_strictly_and_idempotently(britain, name, fmt, rows):
    first = _run(name, psr=britain)
    assert (first.detected_format, first.rows_inserted) == (fmt, rows)
    second = _run(name, psr=britain)
    assert (second.rows_inserted, second.rows_updated, second.rows_unchanged) == (0, 0, rows)


def test_an_elexon_file_without_a_chosen_psr_fails_asking_for_one(britain):
    path = Path(SAMPLES) / "elexon/generation_by_production_type_2022-01.csv"
    job = import_path(path)
    assert job.status == "failed"
    assert "choose the PSR" in job.message


def test_entsoe_installed_capacity_goes_to_the_chosen_psr_for_its_year(realistic, api):
    spain = PowerSystemResource.objects.get(pk="EU-CE-ES")
    first = _run("entsoe/Installed Capacity per Production Type_202201010000-202301010000.csv", psr=spain)
    assert (first.detected_format, first.rows_read, first.rows_inserted) == ("entsoe-capacity", 20, 20)
    again = _run("entsoe/Installed Capacity per Production Type_202201010000-202301010000.csv", psr=spain)
    assert (again.rows_inserted, again.rows_updated, again.rows_unchanged) == (0, 0, 20)
    body = api.get("/power-system-resources/EU-CE-ES/capacity").json()
    rows = body["capacity"] if "capacity" in body else body["results"]
    oil = [r for r in rows if r["value"] == 97.0]
    assert oil, rows  # "Fossil Oil","97" in the file, in MW
    assert oil[0]["startDatetime"].startswith("2022-01-01T00:00:00")


def test_elexon_installed_capacity_imports_every_year_and_type(britain):
    job = _run("elexon/installed_generation_capacity.csv", psr=britain)
    assert (job.detected_format, job.rows_inserted, job.rows_rejected) == ("elexon-capacity", 34, 0)
    assert britain.capacities.count() == 34


def test_hourly_load_over_entsoes_quarter_hours_is_refused_naming_the_series_and_the_clash(realistic, tmp_path):
    _run("entsoe/Total Load - Day Ahead _ Actual_202211010000-202211020000.csv")
    stored = list(Point.objects.order_by("series_id", "start").values_list("series_id", "start", "value"))
    hourly = tmp_path / "Total Load - Day Ahead _ Actual_hourly.csv"
    hourly.write_text(
        '"Time (UTC)","Day-ahead Total Load Forecast [MW] - BZN|ES","Actual Total Load [MW] - BZN|ES"\n'
        '"01.11.2022 00:00 - 01.11.2022 01:00","20000","20100"\n'
    )
    job = import_path(hourly)
    assert (job.status, job.detected_format, job.rows_rejected) == ("failed", "entsoe-load", 2)
    reasons = [e.reason for e in job.errors.all()]
    assert len(reasons) == 2
    assert all("another length" in r and "2022-11-01T00:00:00Z - 2022-11-01T01:00:00Z" in r for r in reasons)
    assert {r.split("in the series ")[1].split(";")[0] for r in reasons} == {
        "EU-CE-ES demand (actual)",
        "EU-CE-ES demand (day-ahead)",
    }
    assert list(Point.objects.order_by("series_id", "start").values_list("series_id", "start", "value")) == stored


def test_entsoe_per_unit_export_goes_to_almaraz_1_as_the_files_mw_per_hour(realistic, api):
    name = "entsoe/Actual Generation per Generation Unit_202304150000-202304160000_1.csv"
    first = _run(name)
    assert (first.detected_format, first.rows_inserted) == ("entsoe-generation-unit", 24)
    # The file's own numbers, read here with the csv module: a heading row, then (time of day, MW) per hour.
    with (Path(SAMPLES) / name).open(newline="", encoding="utf-8") as f:
        rows = [row for row in csv.DictReader(f) if row["MTU"]]
    expected = [(f"2023-04-15T{row['MTU'][:5]}:00Z", float(row["Generation [MW]"])) for row in rows]
    body = api.get(
        "/power-system-resources/EU-CE-ES-ALMARAZ-1/timeseries/generation"
        "?startDatetime=2023-04-15T00:00:00Z&endDatetime=2023-04-16T00:00:00Z"
    ).json()
    assert [(i["startDatetime"], i["value"]) for i in body["generation"]] == expected and len(expected) == 24
    assert {i["valueByFuelSource"][0]["type"] for i in body["generation"]} == {
        "Nuclear - Solid - Radioactive fuel - Unspecified"
    }
    assert Point.objects.filter(series__psr_id="EU-CE-ES-ALMARAZ-2").count() == 0
    again = _run(name)
    assert (again.rows_inserted, again.rows_updated, again.rows_unchanged) == (0, 0, 24)
