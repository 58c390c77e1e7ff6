"""Serializers with the spec's field names (section 3.1)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from metadata.models import FuelSourceTechnology, FuelSourceType, TopologyLevel


class TopologyLevelSerializer(serializers.ModelSerializer):
    cimClass = serializers.CharField(source="cim_class", allow_blank=True)

    class Meta:
        model = TopologyLevel
        fields = ["id", "level", "description", "cimClass"]


class FuelSourceTypeSerializer(serializers.ModelSerializer):
    """Field list of spec 3.1.2 (`external_reference`, `external_id`) plus `aibCode` as its example shows."""

    external_id = serializers.CharField(source="aib_code", allow_null=True)
    aibCode = serializers.CharField(source="aib_code", allow_null=True)

    class Meta:
        model = FuelSourceType
        fields = ["name", "external_reference", "external_id", "aibCode"]


class ExternalReferenceSerializer(serializers.Serializer):
    sourceDocument = serializers.CharField(source="external_reference")
    aibCode = serializers.CharField(source="aib_code", allow_null=True)


class FuelSourceTechnologySerializer(serializers.ModelSerializer):
    """Field list of spec 3.1.3: `name` and `externalReference: {sourceDocument, aibCode}`."""

    externalReference = serializers.SerializerMethodField()

    class Meta:
        model = FuelSourceTechnology
        fields = ["name", "externalReference"]

    @extend_schema_field(ExternalReferenceSerializer)
    def get_externalReference(self, obj: FuelSourceTechnology) -> dict:
        return ExternalReferenceSerializer(obj).data
