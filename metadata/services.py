"""Writes to the metadata app: topology levels and the fuel-source catalogue."""

import csv
from dataclasses import dataclass
from pathlib import Path

from django.db import models, transaction

from .catalogue import CatalogueEntry, read_catalogue
from .models import EmissionFactor, FuelSourceTechnology, FuelSourceType, SourceFuelMapping, TopologyLevel


@dataclass(frozen=True)
class CatalogueSyncResult:
    created: int
    updated: int
    unchanged: int


def catalogue_sync(
    *,
    entries: list[CatalogueEntry] | None = None,
    fuel_type_model: type[models.Model] = FuelSourceType,
    technology_model: type[models.Model] = FuelSourceTechnology,
) -> CatalogueSyncResult:
    """Create or rename catalogue rows by AIB code. Rows the operator added (other codes, no code) are left alone.

    The model classes are parameters so that the data migration can pass its historical models.
    """
    entries = read_catalogue() if entries is None else entries
    created = updated = unchanged = 0
    with transaction.atomic():
        for entry in entries:
            model = fuel_type_model if entry.is_fuel_type else technology_model
            row = model.objects.filter(aib_code=entry.code).first()
            if row is None:
                # An operator may already hold the name without the code: attach the code to it.
                row = model.objects.filter(name__iexact=entry.name, aib_code__isnull=True).first()
                if row is None:
                    model.objects.create(aib_code=entry.code, name=entry.name)
                    created += 1
                    continue
            if row.name == entry.name and row.aib_code == entry.code:
                unchanged += 1
                continue
            row.name, row.aib_code = entry.name, entry.code
            row.save(update_fields=["name", "aib_code"])
            updated += 1
    return CatalogueSyncResult(created=created, updated=updated, unchanged=unchanged)


def topology_level_upsert(*, id: str, level: int, description: str = "", cim_class: str = "") -> TopologyLevel:
    """Create or update a topology level, validated like an admin edit."""
    with transaction.atomic():
        obj = TopologyLevel.objects.filter(pk=id).first() or TopologyLevel(id=id)
        obj.level, obj.description, obj.cim_class = level, description, cim_class
        obj.full_clean()
        obj.save()
    return obj


SOURCE_MAPPINGS_FILE = Path(__file__).resolve().parent / "data" / "source_fuel_mappings.csv"


def source_mappings_sync(
    *,
    mapping_model: type[models.Model] = SourceFuelMapping,
    fuel_type_model: type[models.Model] = FuelSourceType,
    technology_model: type[models.Model] = FuelSourceTechnology,
) -> int:
    """Add the shipped default mappings of source fuel codes that have none; returns how many were added.

    A mapping the operator edited or added is never changed. The model classes are parameters so that the data
    migration can pass its historical models.
    """
    with SOURCE_MAPPINGS_FILE.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    created = 0
    with transaction.atomic():
        for row in rows:
            if mapping_model.objects.filter(source=row["source"], code__iexact=row["code"]).exists():
                continue
            mapping_model.objects.create(
                source=row["source"],
                code=row["code"],
                fuel_type=fuel_type_model.objects.get(aib_code=row["fuel_type"]),
                technology=technology_model.objects.get(aib_code=row["technology"]) if row["technology"] else None,
                note=row["note"],
            )
            created += 1
    return created


EMISSION_FACTORS_FILE = Path(__file__).resolve().parent / "data" / "emission_factors.csv"


def emission_factors_sync(
    *,
    factor_model: type[models.Model] = EmissionFactor,
    fuel_type_model: type[models.Model] = FuelSourceType,
    technology_model: type[models.Model] = FuelSourceTechnology,
) -> int:
    """Add the shipped default emission factors (docs/emissions.md) that are not there; returns how many were added.

    A default is there when a factor of the same fuel type, technology and basis with no validity period exists,
    shipped or the operator's: a figure the operator edited is never overwritten. The model classes are
    parameters so that the data migration can pass its historical models.
    """
    with EMISSION_FACTORS_FILE.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    created = 0
    with transaction.atomic():
        for row in rows:
            fuel_type = fuel_type_model.objects.get(aib_code=row["fuel_type"])
            technology = technology_model.objects.get(aib_code=row["technology"]) if row["technology"] else None
            existing = factor_model.objects.filter(
                fuel_type=fuel_type, technology=technology, basis=row["basis"], valid_from=None, valid_until=None
            )
            if existing.exists():
                continue
            factor_model.objects.create(
                fuel_type=fuel_type,
                technology=technology,
                basis=row["basis"],
                value=float(row["value"]),
                source_document=row["source_document"],
                source_table=row["source_table"],
                source_year=int(row["source_year"]) if row["source_year"] else None,
                source_url=row["source_url"],
                note=row["note"],
                shipped=True,
            )
            created += 1
    return created
