"""Reads from the metadata app."""

from django.db.models import Q, QuerySet

from .models import FuelSourceTechnology, FuelSourceType, TopologyLevel


def topology_level_list() -> QuerySet[TopologyLevel]:
    return TopologyLevel.objects.all()


def fuel_source_type_list() -> QuerySet[FuelSourceType]:
    return FuelSourceType.objects.all()


def fuel_source_technology_list() -> QuerySet[FuelSourceTechnology]:
    return FuelSourceTechnology.objects.all()


def fuel_source_type_get(key: str) -> FuelSourceType | None:
    """A fuel type by its AIB code or its name (case-insensitive), as time series and capacities name them."""
    return FuelSourceType.objects.filter(Q(aib_code=key) | Q(name__iexact=key)).first()


def fuel_source_technology_get(key: str) -> FuelSourceTechnology | None:
    """A technology by its AIB code or its name (case-insensitive)."""
    return FuelSourceTechnology.objects.filter(Q(aib_code=key) | Q(name__iexact=key)).first()
