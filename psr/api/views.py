"""The spec's PSR endpoints (section 3.2): list, describe, topology, capacity, transmission capacity."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from cdsc_site.api.pagination import envelope_pagination
from cdsc_site.api.params import choice_param, int_param
from cdsc_site.clients.authentication import ApiKeyAuthentication
from cdsc_site.clients.permissions import ApiClientOrStaff
from psr import selectors
from psr.choices import PowerUnit
from psr.filtersets import (
    SEARCH_MAX_LENGTH,
    MeterDeviceFilterSet,
    PowerSystemResourceFilterSet,
    ProductionProjectFilterSet,
)
from psr.models import Meter, PowerSystemResource, ProductionProject
from psr.validators import PSR_ID_PATTERN

from .access import visible_to_caller
from .serializers import (
    CapacityResponseSerializer,
    DescribeResponseSerializer,
    LocatedPowerSystemResourceSerializer,
    MeterDeviceSerializer,
    PowerSystemResourceSerializer,
    ProductionProjectResponseSerializer,
    ProductionProjectSerializer,
    TopologyResponseSerializer,
    TransmissionCapacityResponseSerializer,
)

MAX_NUM_LEVELS = 100
EMPTY_LINKS = {"next": None, "previous": None}

PSR_ID_PARAM = OpenApiParameter(
    "id",
    {"type": "string", "pattern": PSR_ID_PATTERN, "maxLength": 128},
    OpenApiParameter.PATH,
    description="The PSR id, e.g. US-WECC-CISO.",
)
UNIT_PARAM = OpenApiParameter(
    "unit", str, enum=PowerUnit.values, default=PowerUnit.MW, description="Unit of the values (default MW)."
)


class PowerSystemResourceViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Power system resources: the list (spec 3.2.1) and, per PSR, its sub-resources."""

    queryset = selectors.psr_list().select_related("topology_level")
    serializer_class = PowerSystemResourceSerializer
    filterset_class = PowerSystemResourceFilterSet
    pagination_class = envelope_pagination("power_system_resources", ("id",))
    lookup_field = "id"
    lookup_value_regex = PSR_ID_PATTERN.strip("^$")

    def _located(self) -> bool:
        return self.action == "list" and self.request.query_params.get("located") == "true"

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset.select_related("location") if self._located() else queryset

    def get_serializer_class(self) -> type:
        # The filter refuses any other value of `located`, so "true" here is exactly when the filter applies.
        return LocatedPowerSystemResourceSerializer if self._located() else super().get_serializer_class()

    def get_object(self) -> PowerSystemResource:
        psr_id = self.kwargs["id"]
        psr = selectors.psr_get(psr_id)
        if psr is None:
            raise NotFound(f"There is no power system resource '{psr_id}'.")
        return psr

    def _respond(self, body: dict, serializer_class: type) -> Response:
        return Response(serializer_class({**body, **EMPTY_LINKS}).data)

    @extend_schema(
        summary="List power system resources",
        description=(
            "Id, name, topology level and parent of every PSR, optionally filtered by level or parent. Beyond the "
            "spec, `search` finds PSRs by id, name or external identifier, and `located=true` lists the PSRs that "
            "have a GeoJSON location with that location in each item (the item schema then has `geojson`)."
        ),
        parameters=[
            OpenApiParameter(
                "search",
                {"type": "string", "maxLength": SEARCH_MAX_LENGTH},
                description=PowerSystemResourceFilterSet.base_filters["search"].extra["help_text"],
            ),
            OpenApiParameter(
                "located",
                {"type": "string", "enum": ["true", "false"], "default": "false"},
                description=PowerSystemResourceFilterSet.base_filters["located"].extra["help_text"],
            ),
        ],
        responses=LocatedPowerSystemResourceSerializer,
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Describe a PSR",
        description="Location (address, GeoJSON), asset info and other descriptive metadata of a PSR (spec 3.2.3).",
        parameters=[PSR_ID_PARAM],
        responses=DescribeResponseSerializer,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def describe(self, request: Request, id: str) -> Response:
        return self._respond(selectors.psr_describe(psr=self.get_object()), DescribeResponseSerializer)

    @extend_schema(
        summary="Topology around a PSR",
        description=(
            "The PSR's parents, children and connected siblings, `numLevels` levels up and down (spec 3.2.2). "
            "numLevels=1 (the default) gives the direct parent and children."
        ),
        parameters=[
            PSR_ID_PARAM,
            OpenApiParameter(
                "numLevels",
                {"type": "integer", "minimum": 0, "maximum": MAX_NUM_LEVELS, "default": 1},
                description=f"Levels above and below to include, 0 to {MAX_NUM_LEVELS}.",
            ),
        ],
        responses=TopologyResponseSerializer,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def topology(self, request: Request, id: str) -> Response:
        num_levels = int_param(request, "numLevels", default=1, minimum=0, maximum=MAX_NUM_LEVELS)
        return self._respond(
            selectors.psr_topology(psr=self.get_object(), num_levels=num_levels), TopologyResponseSerializer
        )

    @extend_schema(
        summary="Installed capacity of a PSR",
        description="Installed capacity by fuel type and technology over time (spec 3.2.4).",
        parameters=[PSR_ID_PARAM, UNIT_PARAM],
        responses=CapacityResponseSerializer,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def capacity(self, request: Request, id: str) -> Response:
        unit = choice_param(request, "unit", PowerUnit.values, default=PowerUnit.MW)
        return self._respond(selectors.psr_capacity(psr=self.get_object(), unit=unit), CapacityResponseSerializer)

    @extend_schema(
        summary="Transmission capacity of a PSR",
        description="Transmission capacity between the PSR and each PSR it is connected to (spec 3.2.5).",
        parameters=[PSR_ID_PARAM, UNIT_PARAM],
        responses=TransmissionCapacityResponseSerializer,
    )
    @action(detail=True, methods=["get"], url_path="transmission-capacity", filter_backends=[], pagination_class=None)
    def transmission_capacity(self, request: Request, id: str) -> Response:
        unit = choice_param(request, "unit", PowerUnit.values, default=PowerUnit.MW)
        return self._respond(
            selectors.psr_transmission_capacity(psr=self.get_object(), unit=unit),
            TransmissionCapacityResponseSerializer,
        )


PROJECT_ID_PARAM = OpenApiParameter(
    "cds_productionproject_id",
    {"type": "string", "pattern": PSR_ID_PATTERN, "maxLength": 64},
    OpenApiParameter.PATH,
    description="The project id, e.g. 55555555-55.",
)


@extend_schema(tags=["production-projects"])
class ProductionProjectViewSet(viewsets.ReadOnlyModelViewSet):
    """Production projects (seed 002): private. Staff (logged in to the admin) see every project, an API client
    the projects it is granted; anyone else gets 401, and a project not visible is a 404, as one that does not
    exist."""

    serializer_class = ProductionProjectSerializer
    filterset_class = ProductionProjectFilterSet
    pagination_class = envelope_pagination("production_projects", ("id",))
    authentication_classes = [ApiKeyAuthentication, SessionAuthentication]
    permission_classes = [ApiClientOrStaff]
    lookup_field = "cds_productionproject_id"
    lookup_value_regex = PSR_ID_PATTERN.strip("^$")

    def get_queryset(self):
        return visible_to_caller(self, ProductionProject, selectors.production_projects_visible)

    def get_object(self) -> ProductionProject:
        project_id = self.kwargs["cds_productionproject_id"]
        project = self.get_queryset().filter(pk=project_id).first()
        if project is None:
            raise NotFound(f"There is no production project '{project_id}'.")
        return project

    @extend_schema(
        summary="List production projects",
        description="The production projects this caller may see (granted to its API key; all for staff), with "
        "their contract and meter numbers. Filters take space-separated lists and intersect.",
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="One production project",
        parameters=[PROJECT_ID_PARAM],
        responses=ProductionProjectResponseSerializer,
    )
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        project = self.get_object()
        body = ProductionProjectSerializer(project, context=self.get_serializer_context()).data
        return Response({**body, **EMPTY_LINKS})


@extend_schema(tags=["production-projects"])
class MeterDeviceViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """WG3 meter devices: the meters of the production projects the caller may see (so that a usage segment's
    `related_meterdevices` resolve). Private, like the projects."""

    serializer_class = MeterDeviceSerializer
    filterset_class = MeterDeviceFilterSet
    # WG3: most recently modified first.
    pagination_class = envelope_pagination("meter_devices", ("-modified", "-id"))
    authentication_classes = [ApiKeyAuthentication, SessionAuthentication]
    permission_classes = [ApiClientOrStaff]

    def get_queryset(self):
        return visible_to_caller(self, Meter, selectors.meters_visible)

    @extend_schema(
        summary="List meter devices",
        description="The meters of the production projects this caller may see, in WG3's meter-device shape, most "
        "recently modified first.",
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)
