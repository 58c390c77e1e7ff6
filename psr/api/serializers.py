"""Response serializers with the spec's field names (section 3.2); they also describe the OpenAPI schema."""

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from psr.choices import PowerUnit, ReadingFormat, ReadingValidity
from psr.models import Meter, PowerSystemResource, ProductionProject
from psr.selectors import project_available_readings

LINK = {"allow_null": True, "help_text": "Absolute URL of the next/previous page, or null."}


class EnvelopeSerializer(serializers.Serializer):
    """A single-object response: its own fields, then the spec's `next` and `previous` (always null here)."""

    next = serializers.URLField(**LINK)
    previous = serializers.URLField(**LINK)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for key in ("next", "previous"):
            data[key] = data.pop(key)
        return data


class PowerSystemResourceSerializer(serializers.ModelSerializer):
    level = serializers.CharField(source="topology_level_id", help_text="The id of the PSR's topology level.")
    parent = serializers.CharField(source="parent_id", allow_null=True, help_text="Id of the parent PSR, if any.")

    class Meta:
        model = PowerSystemResource
        fields = ["id", "name", "level", "parent"]


# The schema's list item: the spec's four fields, and `geojson`, not required, since only `located=true` adds it.
@extend_schema_serializer(component_name="PowerSystemResource")
class LocatedPowerSystemResourceSerializer(PowerSystemResourceSerializer):
    """A PSR of the list; with `located=true` (beyond the spec), its GeoJSON location besides."""

    geojson = serializers.JSONField(
        source="location.geojson",
        required=False,
        help_text="Only with `located=true` (beyond the spec): the PSR's location as a GeoJSON object (RFC 7946), "
        "a point or an outline.",
    )

    class Meta(PowerSystemResourceSerializer.Meta):
        fields = [*PowerSystemResourceSerializer.Meta.fields, "geojson"]


# --- topology -----------------------------------------------------------------------------------------------


class PsrRefSerializer(serializers.Serializer):
    id = serializers.CharField()


@extend_schema_field({"oneOf": [{"$ref": "#/components/schemas/TopologyParent"}, {"type": "null"}]})
class ParentField(serializers.JSONField):
    pass


@extend_schema_field({"type": "array", "items": {"$ref": "#/components/schemas/TopologyChild"}})
class ChildrenField(serializers.JSONField):
    pass


class TopologySerializer(serializers.Serializer):
    parent = ParentField(required=False, help_text="Absent when numLevels=0; null for a PSR at the top.")
    connectedSiblings = PsrRefSerializer(many=True)
    children = ChildrenField(required=False, help_text="Absent when numLevels=0.")


class TopologyResponseSerializer(EnvelopeSerializer):
    id = serializers.CharField()
    topology = TopologySerializer()


# --- describe -----------------------------------------------------------------------------------------------


class TownDetailSerializer(serializers.Serializer):
    name = serializers.CharField(allow_null=True)
    state_or_province = serializers.CharField(allow_null=True)


class StreetDetailSerializer(serializers.Serializer):
    building_name = serializers.CharField(allow_null=True)
    display_address = serializers.CharField(allow_null=True)


class MainAddressSerializer(serializers.Serializer):
    postal_code = serializers.CharField(allow_null=True)
    town_detail = TownDetailSerializer()
    street_detail = StreetDetailSerializer()


# "object" here: allow_null adds the null (JSONField's own schema, any value, would match null in both branches).
@extend_schema_field({"type": "object", "description": "A GeoJSON object (RFC 7946), or null."})
class GeoJSONField(serializers.JSONField):
    """A GeoJSON object (a dict) or null."""


class LocationSerializer(serializers.Serializer):
    main_address = MainAddressSerializer(allow_null=True)
    description = serializers.CharField(allow_null=True)
    geojson = GeoJSONField(allow_null=True)


class AssetInfoSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField(allow_null=True)
    properties = serializers.DictField()


class ExternalIdentifierSerializer(serializers.Serializer):
    scheme = serializers.CharField(help_text="e.g. eia, entsoe, elexon")
    value = serializers.CharField(help_text="The PSR's id in that scheme, e.g. CISO or BZN|ES")


class DescribeSerializer(serializers.Serializer):
    name = serializers.CharField()
    level = serializers.CharField()
    parent = serializers.CharField(allow_null=True)
    timezone = serializers.CharField(help_text="IANA timezone name.")
    description = serializers.CharField(allow_null=True)
    external_identifiers = ExternalIdentifierSerializer(many=True)
    asset_info = AssetInfoSerializer(many=True)
    location = LocationSerializer(allow_null=True)


class DescribeResponseSerializer(EnvelopeSerializer):
    id = serializers.CharField()
    describe = DescribeSerializer()


# --- capacity -----------------------------------------------------------------------------------------------


class FuelSourceRefSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="Name of the fuel source type.")
    technology = serializers.CharField(allow_null=True, help_text="Name of the technology, if known.")


class CapacityItemSerializer(serializers.Serializer):
    fuelSource = FuelSourceRefSerializer()
    value = serializers.FloatField()
    startDatetime = serializers.DateTimeField()
    endDatetime = serializers.DateTimeField(allow_null=True, help_text="null while still operating.")


class CapacityResponseSerializer(EnvelopeSerializer):
    id = serializers.CharField()
    unit = serializers.ChoiceField(choices=PowerUnit.choices)
    capacity = CapacityItemSerializer(many=True)


class TransmissionCapacityItemSerializer(serializers.Serializer):
    connectedPSR = PsrRefSerializer()
    value = serializers.FloatField()
    startDatetime = serializers.DateTimeField(allow_null=True)
    endDatetime = serializers.DateTimeField(allow_null=True)


class TransmissionCapacityResponseSerializer(EnvelopeSerializer):
    id = serializers.CharField()
    unit = serializers.ChoiceField(choices=PowerUnit.choices)
    transmissionCapacity = TransmissionCapacityItemSerializer(many=True)


# --- production projects (seed 002) -----------------------------------------------------------------------------


class ProductionProjectSerializer(serializers.ModelSerializer):
    """A project with the seed's field names (its example's fields, then this server's additions)."""

    cds_productionproject_id = serializers.CharField(source="id")
    cds_created = serializers.DateTimeField(source="created")
    cds_modified = serializers.DateTimeField(source="modified")
    meter_number = serializers.SerializerMethodField(help_text="The numbers of the project's meters.")
    available_formats = serializers.SerializerMethodField(
        help_text="The reading formats the project's meters hold (as the operator declares them while they hold none)."
    )
    contract_type = serializers.CharField(source="contract_type.code")
    available_reading_validity = serializers.SerializerMethodField(
        help_text="The reading validities the project's meters hold (as declared while they hold none)."
    )
    contract_share = serializers.DecimalField(
        max_digits=7,
        decimal_places=6,
        coerce_to_string=False,
        allow_null=True,
        read_only=True,
        help_text="The share of production `contract_rule` names when it is a percentage (1 for 100%), else null.",
    )
    psr = serializers.CharField(source="psr_id", allow_null=True, help_text="The PSR of the grid model, if any.")
    fuel_type = serializers.CharField(source="fuel_type.name", allow_null=True, default=None)
    technology = serializers.CharField(source="technology.name", allow_null=True, default=None)

    class Meta:
        model = ProductionProject
        fields = [
            "cds_productionproject_id", "cds_created", "cds_modified", "contract_start_date", "contract_end_date",
            "meter_number", "available_formats", "contract_rule", "contract_type", "available_reading_validity",
            "timezone", "name", "contract_share", "psr", "fuel_type", "technology", "installed_capacity_mw",
        ]  # fmt: skip

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_meter_number(self, project: ProductionProject) -> list[str]:
        return [meter.meter_number for meter in project.meters.all()]

    @extend_schema_field({"type": "array", "items": {"type": "string", "enum": ReadingFormat.values}})
    def get_available_formats(self, project: ProductionProject) -> list[str]:
        return project_available_readings(project)[0]

    @extend_schema_field({"type": "array", "items": {"type": "string", "enum": ReadingValidity.values}})
    def get_available_reading_validity(self, project: ProductionProject) -> list[str]:
        return project_available_readings(project)[1]


class ProductionProjectResponseSerializer(ProductionProjectSerializer):
    """One project on its own, with the envelope's `next` and `previous` (null)."""

    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)

    class Meta(ProductionProjectSerializer.Meta):
        fields = [*ProductionProjectSerializer.Meta.fields, "next", "previous"]


class MeterDeviceSerializer(serializers.ModelSerializer):
    """A meter in WG3's meter-device shape, with the production project it belongs to."""

    cds_meterdevice_id = serializers.SerializerMethodField(help_text="This server's id of the meter.")
    cds_created = serializers.DateTimeField(source="created")
    cds_modified = serializers.DateTimeField(source="modified")
    meter_type = serializers.SerializerMethodField(help_text='"production": the meter of a production project.')
    current_servicepoints = serializers.SerializerMethodField(help_text="Always empty: no service points here.")
    previous_servicepoints = serializers.SerializerMethodField(help_text="Always empty: no service points here.")
    cds_productionproject_id = serializers.CharField(source="project_id")
    psr = serializers.CharField(source="psr_id", allow_null=True, help_text="The PSR the meter measures, if any.")

    class Meta:
        model = Meter
        fields = [
            "cds_meterdevice_id", "cds_created", "cds_modified", "meter_number", "meter_type",
            "current_servicepoints", "previous_servicepoints", "cds_productionproject_id", "psr", "description",
        ]  # fmt: skip

    def get_cds_meterdevice_id(self, meter: Meter) -> str:
        return str(meter.pk)

    def get_meter_type(self, meter: Meter) -> str:
        return "production"

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_current_servicepoints(self, meter: Meter) -> list[str]:
        return []

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_previous_servicepoints(self, meter: Meter) -> list[str]:
        return []
