"""The mappings of source fuel vocabularies (ENTSO-E, EIA, Elexon) to the catalogue: shipped, editable, kept."""

import csv

import pytest
from django.core.management import call_command

from metadata.models import SourceFuelMapping
from metadata.services import SOURCE_MAPPINGS_FILE, source_mappings_sync

pytestmark = pytest.mark.django_db


def _shipped() -> list[dict]:
    with SOURCE_MAPPINGS_FILE.open(newline="") as f:
        return list(csv.DictReader(f))


def test_every_shipped_mapping_is_loaded_with_its_aib_codes():
    for row in _shipped():
        mapping = SourceFuelMapping.objects.get(source=row["source"], code=row["code"])
        assert mapping.fuel_type.aib_code == row["fuel_type"]
        assert (mapping.technology.aib_code if mapping.technology else "") == row["technology"]


def test_the_sources_vocabularies_are_covered():
    codes = set(SourceFuelMapping.objects.values_list("source", "code"))
    assert {("entsoe", "Fossil Gas"), ("entsoe", "Wind Onshore"), ("eia", "NG"), ("eia", "SUN")} <= codes
    assert {("elexon", "Biomass"), ("elexon", "Hydro Pumped Storage")} <= codes
    wind = SourceFuelMapping.objects.get(source="entsoe", code="Wind Offshore")
    assert (wind.fuel_type.name, wind.technology.name) == (
        "Renewable - Mechanical source or other - Wind - Unspecified",
        "Wind - Offshore",
    )


def test_a_sync_adds_missing_defaults_and_keeps_the_operators_edits():
    gas = SourceFuelMapping.objects.get(source="eia", code="NG")
    gas.note = "edited by the operator"
    gas.technology = None
    gas.save()
    SourceFuelMapping.objects.filter(source="elexon", code="Solar").delete()
    assert source_mappings_sync() == 1
    gas.refresh_from_db()
    assert (gas.note, gas.technology) == ("edited by the operator", None)
    assert SourceFuelMapping.objects.filter(source="elexon", code="Solar").exists()


def test_the_catalogue_command_also_syncs_the_mappings(capsys):
    SourceFuelMapping.objects.filter(source="eia", code="WND").delete()
    call_command("sync_fuel_catalogue")
    assert "source fuel mappings added: 1" in capsys.readouterr().out


def test_a_code_is_mapped_once_per_source_whatever_its_case():
    from django.core.exceptions import ValidationError

    existing = SourceFuelMapping.objects.get(source="eia", code="NG")
    duplicate = SourceFuelMapping(source="eia", code="ng", fuel_type=existing.fuel_type)
    with pytest.raises(ValidationError):
        duplicate.full_clean()


def test_the_admin_lists_and_edits_mappings(admin_client):
    listing = admin_client.get("/admin/metadata/sourcefuelmapping/?source=entsoe")
    assert listing.status_code == 200
    assert "Fossil Hard coal" in listing.content.decode()
    mapping = SourceFuelMapping.objects.get(source="entsoe", code="Nuclear")
    assert admin_client.get(f"/admin/metadata/sourcefuelmapping/{mapping.pk}/change/").status_code == 200
