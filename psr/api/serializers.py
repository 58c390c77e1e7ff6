"""Response serializers with the spec's field names (section 3.2); they also describe the OpenAPI schema."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from psr.choices import PowerUnit
from psr.models import PowerSystemResource

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


class LocationSerializer(serializers.Serializer):
    main_address = MainAddressSerializer(allow_null=True)
    description = serializers.CharField(allow_null=True)
    geojson = serializers.JSONField(allow_null=True, help_text="A GeoJSON object (RFC 7946).")


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
