"""The AIB EECS catalogue that ships with the server, checked against the reference lists and the spec."""

import csv

import pytest

from metadata.catalogue import build_name, read_catalogue
from metadata.models import FuelSourceTechnology, FuelSourceType
from metadata.services import catalogue_sync
from tests.conftest import reference_dir

# Codes the spec's examples use (sections 3.1.2, 3.1.3, 3.2.4, 3.3.1).
SPEC_CODES = {
    "F02010100": "Fossil - Solid - Hard coal - Unspecified",
    "F01050100": "Renewable - Mechanical source or other - Wind - Unspecified",
    "T050900": "Thermal - Steam engine - Unspecified",
    "T010100": "Solar - Photovoltaic - Unspecified",
}
LEFT_OUT = {"F02040203", "F02010401", "T060101"}


def test_name_joins_levels_and_skips_left_out_levels():
    assert build_name(("Wind", "", "Offshore")) == "Wind - Offshore"
    assert build_name(("Solar", "Photovoltaic", "Unspecified")) == "Solar - Photovoltaic - Unspecified"


def test_catalogue_has_every_code_of_the_spec_examples(db):
    for code, name in SPEC_CODES.items():
        model = FuelSourceType if code.startswith("F") else FuelSourceTechnology
        assert model.objects.get(aib_code=code).name == name


def test_migration_loads_the_whole_catalogue(db):
    entries = read_catalogue()
    assert FuelSourceType.objects.filter(aib_code__startswith="F").count() == sum(e.is_fuel_type for e in entries)
    assert FuelSourceTechnology.objects.filter(aib_code__startswith="T").count() == sum(
        not e.is_fuel_type for e in entries
    )
    assert len({e.code for e in entries}) == len(entries), "a code is listed twice"


def test_sync_is_idempotent_and_keeps_operator_rows(db):
    FuelSourceType.objects.create(name="Operator - Own category", aib_code=None)
    FuelSourceType.objects.filter(aib_code="F02010100").update(name="renamed by someone")
    result = catalogue_sync()
    assert result.updated == 1 and result.created == 0
    assert FuelSourceType.objects.get(aib_code="F02010100").name == SPEC_CODES["F02010100"]
    assert FuelSourceType.objects.filter(name="Operator - Own category").exists()
    again = catalogue_sync()
    assert again.created == again.updated == 0


@pytest.mark.skipif(reference_dir() is None, reason="AIB reference lists (../shared/data/reference) not present")
@pytest.mark.parametrize(
    ("filename", "prefix"), [("aib_eecs_energy_sources.csv", "F"), ("aib_eecs_technologies.csv", "T")]
)
def test_catalogue_matches_the_reference_lists(filename, prefix):
    with open(reference_dir() / filename, encoding="utf-8") as f:
        reference = {row["code"]: row["name"] for row in csv.DictReader(f)}
    ours = {e.code: e.name for e in read_catalogue() if e.code.startswith(prefix)}
    expected = {code: name for code, name in reference.items() if code not in LEFT_OUT}
    assert ours == expected
