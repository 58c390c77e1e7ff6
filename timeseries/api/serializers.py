"""Response shapes of the time-series endpoints, for the OpenAPI schema (responses are built as plain dicts)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from psr.choices import WG3_VALUE_TYPE, ReadingDirection, ReadingFormat, ReadingValidity
from timeseries.choices import FLOW_QUANTITIES, FUEL_QUANTITIES, READING_QUALITIES, Quantity, Timeframe

LINK = {"allow_null": True, "help_text": "Absolute URL of the next/previous page, or null."}


class FuelSourceValueSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="Name of the fuel source type.")
    technology = serializers.CharField(allow_null=True, help_text="Name of the technology, if known.")
    value = serializers.FloatField()


class ConnectedPSRValueSerializer(serializers.Serializer):
    connectedPSR = serializers.CharField(help_text="Id of the connected PSR.")
    value = serializers.FloatField(min_value=0)


class IntervalSerializer(serializers.Serializer):
    startDatetime = serializers.DateTimeField()
    endDatetime = serializers.DateTimeField()
    value = serializers.FloatField()


class FuelIntervalSerializer(IntervalSerializer):
    valueByFuelSource = FuelSourceValueSerializer(many=True)


class FlowIntervalSerializer(IntervalSerializer):
    value = serializers.FloatField(min_value=0)
    valueByConnectedPSR = ConnectedPSRValueSerializer(many=True)


def response_serializer(quantity: str) -> type[serializers.Serializer]:
    """The response of one quantity: the spec's fields, then the optional extra fields, then the links."""
    if quantity in FUEL_QUANTITIES:
        interval = FuelIntervalSerializer
    elif quantity in FLOW_QUANTITIES:
        interval = FlowIntervalSerializer
    else:
        interval = IntervalSerializer
    unit_help = "ISO 4217 currency code; values are per MWh." if quantity == Quantity.PRICE else "Wh, kWh, MWh or GWh."
    fields = {
        "id": serializers.CharField(),
        "unit": serializers.CharField(help_text=unit_help, allow_null=quantity == Quantity.PRICE),
        "timeframe": serializers.ChoiceField(
            choices=Timeframe.choices,
            required=quantity == Quantity.PRICE,
            help_text="Present for prices, and for other quantities when the `timeframe` parameter is given.",
        ),
        "resolution": serializers.CharField(required=False, help_text="Present when the values were resampled."),
        "rolledUp": serializers.BooleanField(
            required=False,
            help_text="Present (true) when the PSR holds no series of its own and the values are "
            "summed over its descendants.",
        ),
        quantity: interval(many=True),
        "next": serializers.URLField(**LINK),
        "previous": serializers.URLField(**LINK),
    }
    return type(f"{quantity.title()}Response", (serializers.Serializer,), fields)


# --- usage segments (meter readings, CDS-WG3-01) ------------------------------------------------------------------

VALUE_SET_SCHEMA = {
    "type": "array",
    "description": "One value set per interval from segment_start: [{value, quality}], or [null] where the reading "
    "is missing.",
    "items": {
        "type": "array",
        "minItems": 1,
        "maxItems": 1,
        "items": {
            "oneOf": [
                {
                    "type": "object",
                    "required": ["value", "quality"],
                    "properties": {
                        "value": {"type": "number", "description": "Energy of the interval in kWh."},
                        "quality": {"type": "string", "enum": list(READING_QUALITIES)},
                    },
                },
                {"type": "null"},
            ]
        },
    },
}


@extend_schema_field(VALUE_SET_SCHEMA)
class ValueSetsField(serializers.JSONField):
    pass


class UsageSegmentSerializer(serializers.Serializer):
    cds_usagesegment_id = serializers.CharField(help_text="'<stream id>-<segment_start in epoch seconds>'.")
    cds_created = serializers.DateTimeField(help_text="When the segment's oldest reading was written.")
    cds_modified = serializers.DateTimeField(help_text="When the segment's newest reading was written.")
    related_meterdevices = serializers.ListField(child=serializers.CharField(), help_text="cds_meterdevice_id.")
    related_productionprojects = serializers.ListField(
        child=serializers.CharField(), help_text="cds_productionproject_id."
    )
    segment_start = serializers.DateTimeField(help_text="The start of the first reading.")
    segment_end = serializers.DateTimeField(help_text="The end of the last reading.")
    interval = serializers.IntegerField(min_value=1, help_text="Seconds per value set.")
    format = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(set(WG3_VALUE_TYPE.values()))),
        help_text="WG3 value type of the stream's direction.",
    )
    values = ValueSetsField()
    reading_format = serializers.ChoiceField(choices=ReadingFormat.choices)
    reading_validity = serializers.ChoiceField(choices=ReadingValidity.choices)
    direction = serializers.ChoiceField(choices=ReadingDirection.choices)


class UsageSegmentsResponseSerializer(serializers.Serializer):
    usage_segments = UsageSegmentSerializer(many=True)
    next = serializers.URLField(**LINK)
    previous = serializers.URLField(**LINK)
