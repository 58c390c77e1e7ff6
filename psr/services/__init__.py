"""Writes to the grid model, one object at a time, each validated exactly as the admin validates it (full_clean).
The bulk write of a generator inventory is in `inventory.py`."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from metadata.models import FuelSourceTechnology, FuelSourceType, TopologyLevel

from ..choices import PowerUnit
from ..models import (
    AssetInfo,
    Connection,
    ExternalIdentifier,
    InstalledCapacity,
    Location,
    PowerSystemResource,
    TransmissionCapacity,
)


def _save(obj: models.Model) -> Any:
    """Validate (fields, clean(), constraints) then save, in one transaction; raises ValidationError."""
    with transaction.atomic():
        obj.full_clean()
        obj.save()
    return obj


def psr_upsert(
    *,
    id: str,
    topology_level: TopologyLevel | str,
    name: str = "",
    parent: PowerSystemResource | str | None = None,
    timezone: str = "UTC",
    description: str = "",
) -> PowerSystemResource:
    """Create a PSR, or update the one with this id. Cycles, bad ids, unknown timezones are refused."""
    psr = PowerSystemResource.objects.filter(pk=id).first() or PowerSystemResource(id=id)
    psr.name, psr.timezone, psr.description = name, timezone, description
    psr.topology_level_id = topology_level.pk if isinstance(topology_level, TopologyLevel) else topology_level
    psr.parent_id = parent.pk if isinstance(parent, PowerSystemResource) else parent
    return _save(psr)


def location_set(*, psr: PowerSystemResource, **fields: Any) -> Location:
    """Create or replace the location of a PSR (address fields, description, geojson)."""
    location = Location.objects.filter(psr=psr).first() or Location(psr=psr)
    for field in ("postal_code", "town_name", "state_or_province", "building_name", "display_address", "description"):
        setattr(location, field, fields.pop(field, ""))
    location.geojson = fields.pop("geojson", None)
    if fields:
        raise TypeError(f"unknown location fields: {', '.join(sorted(fields))}")
    return _save(location)


def asset_info_set(
    *, psr: PowerSystemResource, name: str, description: str = "", properties: dict | None = None
) -> AssetInfo:
    """Create or update the asset info item of this name on a PSR."""
    item = AssetInfo.objects.filter(psr=psr, name=name).first() or AssetInfo(psr=psr, name=name)
    item.description, item.properties = description, {} if properties is None else properties
    return _save(item)


def external_identifier_add(*, psr: PowerSystemResource, identifier: str) -> ExternalIdentifier:
    """Attach an external id written 'scheme:value' (eia:CISO, entsoe:BZN|ES); a no-op if already there."""
    scheme, sep, value = identifier.partition(":")
    if not sep or not value:
        raise ValidationError(f"'{identifier}' is not written 'scheme:value' (e.g. eia:CISO).")
    existing = ExternalIdentifier.objects.filter(psr=psr, scheme=scheme, value=value).first()
    return existing or _save(ExternalIdentifier(psr=psr, scheme=scheme, value=value))


def connection_ensure(*, psr: PowerSystemResource, connected_psr: PowerSystemResource) -> Connection:
    """Connect two PSRs (symmetric); returns the existing connection if they already are."""
    existing = Connection.objects.filter(
        models.Q(psr=psr, connected_psr=connected_psr) | models.Q(psr=connected_psr, connected_psr=psr)
    ).first()
    return existing or _save(Connection(psr=psr, connected_psr=connected_psr))


def installed_capacity_set(
    *,
    psr: PowerSystemResource,
    fuel_type: FuelSourceType,
    value: float,
    start_datetime: datetime,
    technology: FuelSourceTechnology | None = None,
    end_datetime: datetime | None = None,
    unit: str = PowerUnit.MW,
) -> InstalledCapacity:
    """Record installed capacity; the row with the same PSR, fuel, technology and start is updated."""
    row = InstalledCapacity.objects.filter(
        psr=psr, fuel_type=fuel_type, technology=technology, start_datetime=start_datetime
    ).first() or InstalledCapacity(psr=psr, fuel_type=fuel_type, technology=technology, start_datetime=start_datetime)
    row.value, row.unit, row.end_datetime = value, unit, end_datetime
    return _save(row)


def transmission_capacity_set(
    *,
    psr: PowerSystemResource,
    connected_psr: PowerSystemResource,
    value: float,
    unit: str = PowerUnit.MW,
    start_datetime: datetime | None = None,
    end_datetime: datetime | None = None,
) -> TransmissionCapacity:
    """Record the transmission capacity between two connected PSRs (same pair and start: updated)."""
    row = TransmissionCapacity.objects.filter(
        psr=psr, connected_psr=connected_psr, start_datetime=start_datetime
    ).first() or TransmissionCapacity(psr=psr, connected_psr=connected_psr, start_datetime=start_datetime)
    row.value, row.unit, row.end_datetime = value, unit, end_datetime
    return _save(row)
