"""The spec's metadata endpoints (section 3.1): topology levels, fuel-source types and technologies."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from cdsc_site.api.pagination import envelope_pagination
from metadata import selectors

from .serializers import FuelSourceTechnologySerializer, FuelSourceTypeSerializer, TopologyLevelSerializer


class MetadataViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    filter_backends = []


@extend_schema_view(list=extend_schema(summary="List topology levels"))
class TopologyLevelViewSet(MetadataViewSet):
    """List the named topology levels of this system and their hierarchy numbers (spec 3.1.1)."""

    queryset = selectors.topology_level_list()
    serializer_class = TopologyLevelSerializer
    pagination_class = envelope_pagination("topology_levels", ("level", "id"))


@extend_schema_view(list=extend_schema(summary="List fuel-source types"))
class FuelSourceTypeViewSet(MetadataViewSet):
    """List the fuel-source types (AIB EECS energy-source codes) of this system (spec 3.1.2)."""

    queryset = selectors.fuel_source_type_list()
    serializer_class = FuelSourceTypeSerializer
    pagination_class = envelope_pagination("types", ("name", "id"))


@extend_schema_view(list=extend_schema(summary="List fuel-source technologies"))
class FuelSourceTechnologyViewSet(MetadataViewSet):
    """List the fuel-source technologies (AIB EECS technology codes) of this system (spec 3.1.3)."""

    queryset = selectors.fuel_source_technology_list()
    serializer_class = FuelSourceTechnologySerializer
    pagination_class = envelope_pagination("technologies", ("name", "id"))
