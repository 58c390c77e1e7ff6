"""Production projects (seed 002) in the grid model: their contract, meters and grants, curated in the admin."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from cdsc_site.clients.models import ApiClient
from psr.models import ContractType, Meter, ProductionProject, ProductionProjectGrant
from psr.models.projects import contract_share
from tests.factories import SuperuserFactory

from .test_admin import add_inline_row, errors_shown, form_data

pytestmark = pytest.mark.django_db

PROJECT_FORM = "productionproject_form"
ADD_URL = "/admin/psr/productionproject/add/"


def _project(**fields) -> ProductionProject:
    values = {
        "id": "55555555-55",
        "name": "Mesa Solar",
        "contract_type": ContractType.objects.get_or_create(code="PPA")[0],
        "contract_start_date": datetime(2020, 1, 1, tzinfo=UTC),
        "contract_end_date": datetime(2030, 1, 1, tzinfo=UTC),
        "contract_rule": "100%",
        "timezone": "America/New_York",
        **fields,
    }
    project = ProductionProject(**values)
    project.full_clean()
    project.save()
    return project


@pytest.mark.parametrize(
    ("rule", "share"),
    [("100%", Decimal(1)), ("62.5 %", Decimal("0.625")), ("0%", Decimal(0)), ("150%", None), ("as produced", None),
     ("", None), ("100", None)],
)  # fmt: skip
def test_a_percentage_rule_gives_a_share_and_any_other_rule_stays_text(rule, share):
    assert contract_share(rule) == share


def test_a_project_keeps_its_rule_as_published_with_the_share_beside_it():
    project = _project(contract_rule="62.5%")
    project.refresh_from_db()
    assert project.contract_rule == "62.5%" and project.contract_share == Decimal("0.625")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("declared_formats", ["settlement", "smoke_signals"], "Unknown formats: smoke_signals"),
        ("declared_formats", ["scada", "scada"], "listed twice"),
        ("declared_validities", ["gross"], "Unknown reading validities: gross"),
        ("declared_formats", "settlement", "a list of names"),
        ("timezone", "Mars/Olympus", "timezone"),
        ("id", "has space", "URL safe"),
    ],
)
def test_bad_declarations_are_refused_with_a_reason(field, value, message):
    with pytest.raises(ValidationError, match=message):
        _project(**{field: value})
    assert not ProductionProject.objects.exists()


def test_a_contract_that_ends_before_it_starts_is_refused_by_the_form_and_the_database():
    with pytest.raises(ValidationError, match="end after it starts"):
        _project(contract_end_date=datetime(2019, 1, 1, tzinfo=UTC))
    project = _project()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductionProject.objects.filter(pk=project.pk).update(contract_end_date=datetime(2019, 1, 1, tzinfo=UTC))


def test_a_meter_number_belongs_to_one_project():
    first = _project()
    second = _project(id="66666666-66", name="Other")
    Meter.objects.create(meter_number="55555555-55_1", project=first)
    with pytest.raises(IntegrityError), transaction.atomic():
        Meter.objects.create(meter_number="55555555-55_1", project=second)


def test_a_client_is_granted_a_project_once():
    project = _project()
    client = ApiClient.objects.create(organisation="Carbon Co")
    ProductionProjectGrant.objects.create(client=client, project=project)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductionProjectGrant.objects.create(client=client, project=project)
    assert list(client.psr_productionprojectgrant_set.values_list("project_id", flat=True)) == [project.pk]


@pytest.fixture
def staff(client):
    user = SuperuserFactory()
    client.force_login(user)
    client.user = user
    return client


def test_staff_add_a_project_with_its_meters_and_a_granted_client_in_one_form(staff, demo):
    ppa = ContractType.objects.create(code="VPPA", description="virtual PPA")
    organisation = ApiClient.objects.create(organisation="Watt Analytics")
    data = form_data(staff, ADD_URL, PROJECT_FORM)
    data.update(
        {
            "id": "77777777-77",
            "name": "Almaraz offtake",
            "psr": "US-WECC-CISO-ABC",
            "contract_type": str(ppa.pk),
            "contract_start_date_0": "2024-01-01",
            "contract_start_date_1": "00:00:00",
            "contract_rule": "40%",
            "timezone": "Europe/Madrid",
            "installed_capacity_mw": "1011",
        }
    )
    data["declared_formats"] = ["settlement", "forecast_day_ahead"]
    data["declared_validities"] = ["contracted"]
    add_inline_row(data, "meters", meter_number="77777777-77_1", description="revenue meter")
    add_inline_row(data, "meters", meter_number="77777777-77_2")
    add_inline_row(data, "grants", client=str(organisation.pk), note="contract 2024-17")
    response = staff.post(ADD_URL, data)
    assert response.status_code == 302, errors_shown(response)
    project = ProductionProject.objects.get(pk="77777777-77")
    assert project.declared_formats == ["settlement", "forecast_day_ahead"]
    assert project.contract_share == Decimal("0.4") and project.contract_end_date is None
    assert sorted(project.meters.values_list("meter_number", flat=True)) == ["77777777-77_1", "77777777-77_2"]
    grant = project.grants.get()
    assert grant.client == organisation and grant.granted_by == staff.user
    assert project.history.count() == 1 and Meter.history.count() == 2
    page = staff.get(reverse("admin:psr_productionproject_changelist") + f"?contract_type__id__exact={ppa.pk}")
    assert "77777777-77" in page.content.decode()


def test_the_admin_refuses_a_meter_number_already_used_by_another_project(staff, demo):
    Meter.objects.create(meter_number="55555555-55_1", project=_project())
    data = form_data(staff, ADD_URL, PROJECT_FORM)
    data.update(
        {
            "id": "88888888-88",
            "name": "Copy",
            "contract_type": str(ContractType.objects.get(code="PPA").pk),
            "contract_start_date_0": "2024-01-01",
            "contract_start_date_1": "00:00:00",
            "contract_rule": "100%",
            "timezone": "UTC",
        }
    )
    add_inline_row(data, "meters", meter_number="55555555-55_1")
    assert "already exists" in errors_shown(staff.post(ADD_URL, data))
    assert not ProductionProject.objects.filter(pk="88888888-88").exists()
