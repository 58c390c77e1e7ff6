"""Response shapes of the time-series endpoints, for the OpenAPI schema (responses are built as plain dicts)."""

from rest_framework import serializers

from timeseries.choices import FLOW_QUANTITIES, FUEL_QUANTITIES, Quantity, Timeframe

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
