"""The catalogue's default emission factors: shipped with their sources for every fuel the demo and the real samples
use, checked (never negative, validity in order), and kept when an operator edits them."""

import csv
import math

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction

from metadata.models import EmissionBasis, EmissionFactor, FuelSourceType, SourceFuelMapping
from metadata.services import EMISSION_FACTORS_FILE, emission_factors_sync
from timeseries.generator import FUELS

pytestmark = pytest.mark.django_db


def _shipped() -> list[dict]:
    with EMISSION_FACTORS_FILE.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_every_shipped_factor_is_loaded_with_its_source():
    rows = _shipped()
    assert EmissionFactor.objects.filter(shipped=True).count() == len(rows)
    for row in rows:
        factor = EmissionFactor.objects.get(
            fuel_type__aib_code=row["fuel_type"], technology__aib_code=row["technology"] or None, basis=row["basis"]
        )
        assert factor.value == float(row["value"]) and math.isfinite(factor.value) and factor.value >= 0
        assert factor.source_document and factor.source_url.startswith("https://")


def test_every_fuel_of_the_demo_and_the_real_samples_has_both_factors_of_its_own():
    # The fuel types the demo generator and the real samples' mappings (ENTSO-E, EIA-930, Elexon) write.
    used = {code for code, _, _, _ in FUELS} | set(
        SourceFuelMapping.objects.exclude(source=SourceFuelMapping.Source.EIA860).values_list(
            "fuel_type__aib_code", flat=True
        )
    )
    for basis in EmissionBasis.values:
        covered = set(
            EmissionFactor.objects.filter(basis=basis, technology=None).values_list("fuel_type__aib_code", flat=True)
        )
        assert used - covered == set(), basis


def test_lifecycle_factors_are_the_ipcc_ar5_medians_and_direct_ones_zero_for_renewables_and_nuclear():
    def value(code: str, basis: str) -> float:
        return EmissionFactor.objects.get(fuel_type__aib_code=code, technology=None, basis=basis).value

    lifecycle = {"F02010100": 820, "F02030100": 490, "F03010100": 12, "F01050100": 11, "F01050200": 24,
                 "F01040200": 38, "F01010000": 230}  # fmt: skip
    assert {code: value(code, "lifecycle") for code in lifecycle} == lifecycle
    assert [value(code, "direct") for code in ("F03010100", "F01050100", "F01040100", "F01050200")] == [0, 0, 0, 0]
    assert value("F02010100", "direct") == 760 and value("F02030100", "direct") == 370


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"value": -1.0}, "value"), ({"value": float("inf")}, "value"),
     ({"valid_from": "2024-01-01T00:00Z", "valid_until": "2023-01-01T00:00Z"}, "valid_until")],
)  # fmt: skip
def test_a_negative_or_infinite_factor_or_a_validity_ending_before_it_starts_is_refused(fields, field):
    factor = EmissionFactor(
        fuel_type=FuelSourceType.objects.get(aib_code="F02030100"), basis="direct", value=400, source_document="x"
    )
    for name, value in fields.items():
        setattr(factor, name, value)
    with pytest.raises(ValidationError) as refused:
        factor.full_clean()
    assert field in refused.value.message_dict


def test_the_database_refuses_a_negative_factor_too():
    gas = FuelSourceType.objects.get(aib_code="F02030100")
    with pytest.raises(IntegrityError), transaction.atomic():
        EmissionFactor.objects.create(fuel_type=gas, basis="direct", value=-5, source_document="x")


def test_a_sync_adds_missing_defaults_and_keeps_the_operators_edits():
    gas = EmissionFactor.objects.get(fuel_type__aib_code="F02030100", technology=None, basis="direct")
    gas.value, gas.note = 350.0, "our national inventory"
    gas.save()
    EmissionFactor.objects.filter(fuel_type__aib_code="F03010100").delete()
    assert emission_factors_sync() == 2  # nuclear's two are back
    gas.refresh_from_db()
    assert (gas.value, gas.note) == (350.0, "our national inventory")
    call_command("sync_fuel_catalogue", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert emission_factors_sync() == 0
