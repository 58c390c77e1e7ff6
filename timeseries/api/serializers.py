"""Response shapes of the time-series endpoints, for the OpenAPI schema (responses are built as plain dicts)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from psr.choices import WG3_VALUE_TYPE, ReadingDirection, ReadingFormat, ReadingValidity
from timeseries.choices import (
    EMISSIONS_UNITS,
    ENERGY_UNITS,
    FLOW_QUANTITIES,
    FUEL_QUANTITIES,
    READING_QUALITIES,
    Quantity,
    Timeframe,
)
from timeseries.emissions import EMISSION_SOURCES, INTENSITY_UNIT

LINK = {"allow_null": True, "help_text": "Absolute URL of the next/previous page, or null."}


def value_sets_schema(description: str, value_object: dict) -> dict:
    """CDS-WG3-01's value sets as a JSON schema: one set per interval, each holding one value object or null."""
    return {
        "type": "array",
        "description": description,
        "items": {"type": "array", "minItems": 1, "maxItems": 1, "items": {"oneOf": [value_object, {"type": "null"}]}},
    }


PARTIAL_HELP = (
    "Present (true) on a resampled bucket cut by startDatetime or endDatetime: its start and end are those of the "
    "range, and its value holds what the range holds of the bucket (docs/spec-notes.md, partial buckets)."
)


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
    partial = serializers.BooleanField(required=False, help_text=PARTIAL_HELP)


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
    if quantity == Quantity.PRICE:
        unit = serializers.CharField(help_text="ISO 4217 currency code; values are per MWh.", allow_null=True)
    else:  # the EnergyUnit component the `unit` parameter takes (cdsc_site.api.schema)
        unit = serializers.ChoiceField(choices=ENERGY_UNITS, help_text="The unit of the values.")
    fields = {
        "id": serializers.CharField(),
        "unit": unit,
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


# --- emissions and carbon intensity --------------------------------------------------------------------------------


class EmissionsFuelValueSerializer(FuelSourceValueSerializer):
    value = serializers.FloatField(allow_null=True, min_value=0, help_text="tCO2e; null when no factor applies.")


class EmissionsIntervalSerializer(serializers.Serializer):
    startDatetime = serializers.DateTimeField()
    endDatetime = serializers.DateTimeField()
    value = serializers.FloatField(allow_null=True, min_value=0)
    valueByFuelSource = EmissionsFuelValueSerializer(many=True)
    reason = serializers.CharField(required=False, help_text="Why the value is null.")
    partial = serializers.BooleanField(required=False, help_text=PARTIAL_HELP)


class FactorUsedSerializer(serializers.Serializer):
    psr = serializers.CharField(help_text="The PSR whose generation the factor applied to.")
    type = serializers.CharField(help_text="The generation's fuel type.")
    technology = serializers.CharField(allow_null=True)
    value = serializers.FloatField(min_value=0, help_text="gCO2e/kWh.")
    basis = serializers.CharField()
    factorFuelType = serializers.CharField(help_text="The factor's own fuel type (a catalogue parent's if none).")
    technologySpecific = serializers.BooleanField()
    scope = serializers.CharField(allow_null=True, help_text="The PSR that set the factor; null: catalogue default.")
    source = serializers.CharField()
    validFrom = serializers.DateTimeField(allow_null=True)
    validUntil = serializers.DateTimeField(allow_null=True)


def _envelope(
    name: str, key: str, interval: serializers.Serializer, fields: dict, units: tuple[str, ...]
) -> type[serializers.Serializer]:
    return type(
        name,
        (serializers.Serializer,),
        {
            "id": serializers.CharField(),
            "unit": serializers.ChoiceField(choices=units, help_text="The unit of the values."),
            "timeframe": serializers.ChoiceField(choices=Timeframe.choices, required=False),
            "resolution": serializers.CharField(required=False),
            "rolledUp": serializers.BooleanField(required=False),
            "basis": serializers.ChoiceField(choices=["direct", "lifecycle"]),
            **fields,
            "factors": FactorUsedSerializer(many=True, required=False),
            key: interval,
            "next": serializers.URLField(**LINK),
            "previous": serializers.URLField(**LINK),
        },
    )


def emissions_response() -> type[serializers.Serializer]:
    return _envelope(
        "EmissionsResponse",
        "emissions",
        EmissionsIntervalSerializer(many=True),
        {
            "source": serializers.ChoiceField(
                choices=EMISSION_SOURCES,
                help_text="reported: the PSR's own reported emissions; mixed: a roll-up where some members report.",
            ),
            "reportedFor": serializers.ListField(child=serializers.CharField(), required=False),
            "missingFactors": serializers.ListField(child=serializers.CharField(), required=False),
        },
        EMISSIONS_UNITS,
    )


class MixItemSerializer(serializers.Serializer):
    type = serializers.CharField(allow_null=True, help_text="Fuel type; null for a fallback's energy.")
    technology = serializers.CharField(allow_null=True)
    fallback = serializers.CharField(required=False, help_text="The PSR whose fallback intensity this energy has.")
    share = serializers.FloatField(min_value=0, max_value=1)
    intensity = serializers.FloatField(allow_null=True, help_text="gCO2e/kWh of this share.")


class NeighbourShareSerializer(serializers.Serializer):
    connectedPSR = serializers.CharField()
    traced = serializers.BooleanField(help_text="False: a boundary, supplying its fallback intensity.")
    share = serializers.FloatField(
        min_value=0, max_value=1, help_text="Share of the PSR's supply (generation + inflow) that came from it."
    )
    intensity = serializers.FloatField(allow_null=True, help_text="gCO2e/kWh of what it supplies.")


class IntensityIntervalSerializer(serializers.Serializer):
    startDatetime = serializers.DateTimeField()
    endDatetime = serializers.DateTimeField()
    value = serializers.FloatField(allow_null=True, min_value=0, help_text="gCO2e/kWh; null with a reason.")
    energy = serializers.FloatField(
        required=False,
        help_text="MWh the intensity averages over: production, the generation; consumption, the PSR's supply "
        "(its generation plus what flowed in: what it consumed and what it passed on).",
    )
    mixByFuelSource = MixItemSerializer(many=True, required=False)
    mixByConnectedPSR = NeighbourShareSerializer(many=True, required=False)
    estimated = serializers.BooleanField(required=False)
    intervalsWithoutValue = serializers.IntegerField(required=False)
    reason = serializers.CharField(required=False)
    partial = serializers.BooleanField(required=False, help_text=PARTIAL_HELP)


class FallbackSerializer(serializers.Serializer):
    psr = serializers.CharField()
    kind = serializers.ChoiceField(choices=["declared", "estimated"])
    value = serializers.FloatField(help_text="gCO2e/kWh.")
    source = serializers.CharField()
    declaredFor = serializers.CharField(required=False, help_text="The ancestor whose declared intensity it is.")


def intensity_response() -> type[serializers.Serializer]:
    return _envelope(
        "CarbonIntensityResponse",
        "carbonIntensity",
        IntensityIntervalSerializer(many=True),
        {
            "method": serializers.ChoiceField(choices=["production", "consumption"]),
            "emissionsSource": serializers.ChoiceField(
                choices=EMISSION_SOURCES,
                help_text="reported: every traced PSR's emissions are its own reported ones; mixed: some are.",
            ),
            "reportedFor": serializers.ListField(child=serializers.CharField(), required=False),
            "traced": serializers.ListField(child=serializers.CharField(), required=False),
            "boundaries": serializers.ListField(child=serializers.CharField(), required=False),
            "fallbacks": FallbackSerializer(many=True, required=False),
        },
        (INTENSITY_UNIT,),
    )


class SupplyMixPartSerializer(serializers.Serializer):
    supply_type = serializers.CharField(help_text="Fuel type (/ technology), or 'imports from <PSR>' for a fallback.")
    share = serializers.FloatField(min_value=0, max_value=1)
    intensity_gco2e_kwh = serializers.FloatField(allow_null=True)


SUPPLY_MIX_VALUE_SETS = value_sets_schema(
    "One value set per interval from segment_start: [{intensity_gco2e_kwh, energy_mwh, supply_mix}], or [null] where "
    "the intensity is null.",
    {
        "type": "object",
        "required": ["intensity_gco2e_kwh", "energy_mwh", "supply_mix"],
        "properties": {
            "intensity_gco2e_kwh": {"type": "number"},
            "energy_mwh": {"type": "number"},
            "estimated": {"type": "boolean"},
            "supply_mix": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["supply_type", "share", "intensity_gco2e_kwh"],
                    "properties": {
                        "supply_type": {"type": "string"},
                        "share": {"type": "number", "minimum": 0, "maximum": 1},
                        "intensity_gco2e_kwh": {"type": ["number", "null"]},
                    },
                },
            },
        },
    },
)


@extend_schema_field(SUPPLY_MIX_VALUE_SETS)
class SupplyMixValuesField(serializers.JSONField):
    pass


class SupplyMixSegmentSerializer(serializers.Serializer):
    segment_start = serializers.DateTimeField()
    segment_end = serializers.DateTimeField()
    interval = serializers.IntegerField(min_value=1, help_text="Seconds per value set.")
    format = serializers.ListField(child=serializers.ChoiceField(choices=["supply_mix"]))
    values = SupplyMixValuesField()
    partial = serializers.BooleanField(
        required=False, help_text="Present (true): the segment is one bucket cut by the range (see `partial` above)."
    )


class SupplyMixResponseSerializer(serializers.Serializer):
    """format=supply-mix: the intensity as CDS-WG3-01 supply_mix value sets (an extension, docs/spec-notes.md)."""

    id = serializers.CharField()
    unit = serializers.ChoiceField(choices=[INTENSITY_UNIT])
    basis = serializers.ChoiceField(choices=["direct", "lifecycle"])
    method = serializers.ChoiceField(choices=["production", "consumption"])
    timeframe = serializers.ChoiceField(choices=Timeframe.choices, required=False)
    resolution = serializers.CharField(required=False)
    rolledUp = serializers.BooleanField(required=False)
    emissionsSource = serializers.ChoiceField(choices=EMISSION_SOURCES, required=False)
    reportedFor = serializers.ListField(child=serializers.CharField(), required=False)
    traced = serializers.ListField(child=serializers.CharField(), required=False)
    boundaries = serializers.ListField(child=serializers.CharField(), required=False)
    factors = FactorUsedSerializer(many=True, required=False)
    fallbacks = FallbackSerializer(many=True, required=False)
    supply_mix_segments = SupplyMixSegmentSerializer(many=True)
    next = serializers.URLField(**LINK)
    previous = serializers.URLField(**LINK)


# --- usage segments (meter readings, CDS-WG3-01) ------------------------------------------------------------------

VALUE_SET_SCHEMA = value_sets_schema(
    "One value set per interval from segment_start: [{value, quality}], or [null] where the reading is missing.",
    {
        "type": "object",
        "required": ["value", "quality"],
        "properties": {
            "value": {"type": "number", "description": "Energy of the interval in kWh."},
            "quality": {"type": "string", "enum": list(READING_QUALITIES)},
        },
    },
)


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
