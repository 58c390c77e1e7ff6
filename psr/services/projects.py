"""Writes of production projects (seed 002): a project with its contract, its meters, and grants to API clients."""

from datetime import datetime

from django.db import transaction

from cdsc_site.clients.models import ApiClient

from ..models import ContractType, Meter, PowerSystemResource, ProductionProject, ProductionProjectGrant


@transaction.atomic
def production_project_upsert(
    *,
    id: str,
    name: str,
    contract_type: str,
    contract_start_date: datetime,
    contract_rule: str,
    timezone: str,
    contract_end_date: datetime | None = None,
    declared_formats: list[str] | None = None,
    declared_validities: list[str] | None = None,
    psr: PowerSystemResource | None = None,
    fuel_type=None,
    technology=None,
    installed_capacity_mw: float | None = None,
) -> ProductionProject:
    """Create or update the project `id` (validated whole); its contract type is created on first use."""
    kind, _ = ContractType.objects.get_or_create(code=contract_type)
    project = ProductionProject.objects.filter(pk=id).first() or ProductionProject(id=id)
    values = {
        "name": name,
        "contract_type": kind,
        "contract_start_date": contract_start_date,
        "contract_end_date": contract_end_date,
        "contract_rule": contract_rule,
        "timezone": timezone,
        "declared_formats": declared_formats or [],
        "declared_validities": declared_validities or [],
        "psr": psr,
        "fuel_type": fuel_type,
        "technology": technology,
        "installed_capacity_mw": installed_capacity_mw,
    }
    for field, value in values.items():
        setattr(project, field, value)
    project.full_clean()
    project.save()
    return project


@transaction.atomic
def meter_upsert(
    *, meter_number: str, project: ProductionProject, psr: PowerSystemResource | None = None, description: str = ""
) -> Meter:
    """Create or update the meter `meter_number` of `project` (a meter belongs to one project)."""
    meter = Meter.objects.filter(meter_number=meter_number).first() or Meter(meter_number=meter_number)
    meter.project, meter.psr, meter.description = project, psr, description
    meter.full_clean()
    meter.save()
    return meter


@transaction.atomic
def production_project_grant(*, project: ProductionProject, client: ApiClient, note: str = "") -> None:
    """Let `client`'s keys read `project` (once; granting again changes nothing)."""
    ProductionProjectGrant.objects.get_or_create(project=project, client=client, defaults={"note": note})
