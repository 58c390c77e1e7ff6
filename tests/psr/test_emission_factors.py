"""Which emission factor applies to a PSR's generation: the nearest PSR's own (technology, then fuel type), then the
catalogue's default (technology, then fuel type), each only within its validity period; none is None, never 0."""

from datetime import UTC, datetime

import pytest

from metadata.models import EmissionFactor, FuelSourceTechnology, FuelSourceType, SourceFuelMapping
from psr.models import PowerSystemResource, PsrEmissionFactor
from psr.selectors import EmissionFactors
from tests.factories import SuperuserFactory

pytestmark = pytest.mark.django_db

AT = datetime(2023, 6, 1, tzinfo=UTC)


@pytest.fixture
def fuels():
    return {
        "gas": FuelSourceType.objects.get(aib_code="F02030100"),
        "ccgt": FuelSourceTechnology.objects.get(aib_code="T050100"),
        "wind": FuelSourceType.objects.get(aib_code="F01050100"),
        "offshore": FuelSourceTechnology.objects.get(aib_code="T020002"),
    }


def _own(psr_id: str, fuel, value: float, technology=None, **fields) -> PsrEmissionFactor:
    return PsrEmissionFactor.objects.create(
        psr=PowerSystemResource.objects.get(pk=psr_id), fuel_type=fuel, technology=technology, basis="direct",
        value=value, source_document="operator's measurement", **fields,
    )  # fmt: skip


def _value(psr_id: str, fuel, technology=None, basis: str = "direct", at: datetime = AT) -> float | None:
    factors = EmissionFactors(psr=PowerSystemResource.objects.get(pk=psr_id), basis=basis)
    found = factors.factor(fuel_type_id=fuel.pk, technology_id=technology.pk if technology else None, at=at)
    return None if found is None else found.value


def test_the_catalogue_default_applies_where_no_psr_sets_one(demo, fuels):
    assert _value("US-WECC-CISO-ABC", fuels["gas"]) == 370
    assert _value("US-WECC-CISO-ABC", fuels["gas"], basis="lifecycle") == 490


def test_a_technology_default_wins_over_its_fuel_types(demo, fuels):
    assert _value("US-WECC-CISO", fuels["wind"], fuels["offshore"], basis="lifecycle") == 12
    assert _value("US-WECC-CISO", fuels["wind"], None, basis="lifecycle") == 11


def test_a_psrs_own_factor_applies_to_its_subtree_and_the_nearest_wins(demo, fuels):
    _own("US-WECC-CISO", fuels["gas"], 400)
    assert _value("US-WECC-CISO-ABC", fuels["gas"]) == 400  # below CISO
    assert _value("US-WECC-NEVP", fuels["gas"]) == 370  # not below CISO: the default
    _own("US-WECC-CISO-ABC", fuels["gas"], 410)
    assert _value("US-WECC-CISO-ABC", fuels["gas"]) == 410
    assert _value("US-WECC-CISO", fuels["gas"]) == 400


def test_at_one_psr_technology_wins_over_fuel_type_and_any_own_factor_over_the_defaults(demo, fuels):
    _own("US-WECC-CISO", fuels["gas"], 400)
    _own("US-WECC-CISO", fuels["gas"], 380, fuels["ccgt"])
    assert _value("US-WECC-CISO", fuels["gas"], fuels["ccgt"]) == 380
    assert _value("US-WECC-CISO", fuels["gas"], None) == 400
    EmissionFactor.objects.create(
        fuel_type=fuels["gas"], technology=fuels["ccgt"], basis="direct", value=330, source_document="default CCGT"
    )
    assert _value("US-WECC-CISO", fuels["gas"], fuels["ccgt"]) == 380  # the PSR's own over a technology default


def test_factors_apply_only_within_their_validity_period(demo, fuels):
    _own("US-WECC-CISO", fuels["gas"], 420, valid_until=datetime(2023, 1, 1, tzinfo=UTC))
    _own("US-WECC-CISO", fuels["gas"], 390, valid_from=datetime(2023, 1, 1, tzinfo=UTC))
    assert _value("US-WECC-CISO", fuels["gas"], at=datetime(2022, 12, 31, 23, tzinfo=UTC)) == 420
    assert _value("US-WECC-CISO", fuels["gas"], at=datetime(2023, 1, 1, tzinfo=UTC)) == 390


def test_a_fuel_with_no_factor_in_its_line_of_the_catalogue_is_none_not_zero(demo, fuels):
    EmissionFactor.objects.filter(fuel_type=fuels["gas"]).delete()
    assert _value("US-WECC-CISO", fuels["gas"]) == 575  # "Unspecified" (assumed thermal) covers it
    EmissionFactor.objects.filter(fuel_type__aib_code="F00000000").delete()
    assert _value("US-WECC-CISO", fuels["gas"]) is None


def test_the_factor_names_its_source_and_scope(demo, fuels):
    _own("US-WECC-CISO", fuels["gas"], 400, source_year=2024)
    factors = EmissionFactors(psr=PowerSystemResource.objects.get(pk="US-WECC-CISO-ABC"), basis="direct")
    own = factors.factor(fuel_type_id=fuels["gas"].pk, technology_id=None, at=AT)
    assert (own.scope, own.source, own.technology_specific) == ("US-WECC-CISO", "operator's measurement, 2024", False)
    nuclear = FuelSourceType.objects.get(aib_code="F03010100")
    default = factors.factor(fuel_type_id=nuclear.pk, technology_id=None, at=AT)
    assert default.scope is None and default.value == 0 and "IPCC AR5" in default.source


def test_a_fuel_type_without_a_factor_takes_its_catalogue_parents(demo):
    mapped = SourceFuelMapping.objects.values_list("fuel_type", flat=True).distinct()  # EIA-860's detailed fuels too
    factors = EmissionFactors(psr=PowerSystemResource.objects.get(pk="US-WECC-CISO"), basis="lifecycle")
    assert [f for f in mapped if factors.factor(fuel_type_id=f, technology_id=None, at=AT) is None] == []
    sub_bituminous = FuelSourceType.objects.filter(aib_code__startswith="F020101").exclude(aib_code="F02010100").first()
    found = factors.factor(fuel_type_id=sub_bituminous.pk, technology_id=None, at=AT)
    assert found.value == 820 and found.fuel_type_id != sub_bituminous.pk  # hard coal's, the parent's "Unspecified"


def test_operators_see_the_defaults_and_set_a_psrs_own_factor_in_the_admin(demo, client, fuels):
    client.force_login(SuperuserFactory())
    defaults = client.get("/admin/metadata/emissionfactor/", {"basis__exact": "lifecycle", "shipped__exact": "1"})
    assert defaults.status_code == 200 and "IPCC AR5 WG III" in defaults.content.decode()
    page = client.get("/admin/psr/powersystemresource/US-WECC-CISO/change/").content.decode()
    assert "Emission factors of this PSR and its subtree" in page
    response = client.post(
        "/admin/psr/psremissionfactor/add/",
        {"psr": "US-WECC-CISO", "fuel_type": fuels["gas"].pk, "basis": "direct", "value": "395",
         "source_document": "CISO 2023 emissions report", "source_year": "2023"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _value("US-WECC-CISO-ABC", fuels["gas"]) == 395
    refused = client.post(
        "/admin/psr/psremissionfactor/add/",
        {"psr": "US-WECC-CISO", "fuel_type": fuels["gas"].pk, "basis": "direct", "value": "-1",
         "source_document": "typo"},
    )  # fmt: skip
    assert refused.status_code == 200 and "Ensure this value is greater than or equal to 0" in refused.content.decode()


def test_operators_declare_a_neighbours_intensity_in_the_admin_with_history(demo, client):
    from psr.models import DeclaredIntensity
    from psr.selectors import declared_intensity_timeline

    client.force_login(SuperuserFactory())
    page = client.get("/admin/psr/powersystemresource/US-WECC-NEVP/change/").content.decode()
    assert "Declared intensity of what this PSR supplies" in page
    response = client.post(
        "/admin/psr/declaredintensity/add/",
        {"psr": "US-WECC-NEVP", "basis": "lifecycle", "value": "310", "valid_from_0": "2023-01-01",
         "valid_from_1": "00:00:00", "source_document": "NEVP 2023 annual report"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    declared = DeclaredIntensity.objects.get(psr_id="US-WECC-NEVP", basis="lifecycle")
    assert declared.history.count() == 1
    steps = declared_intensity_timeline(psr_id="US-WECC-NEVP", basis="lifecycle")
    assert [(t, d.value if d else None) for t, d in steps] == [(None, None), (declared.valid_from, 310)]
    inverted = client.post(
        "/admin/psr/declaredintensity/add/",
        {"psr": "US-WECC-NEVP", "basis": "direct", "value": "300", "valid_from_0": "2023-02-01",
         "valid_from_1": "00:00:00", "valid_until_0": "2023-01-01", "valid_until_1": "00:00:00",
         "source_document": "typo"},
    )  # fmt: skip
    assert inverted.status_code == 200 and "must be after its start" in inverted.content.decode()
