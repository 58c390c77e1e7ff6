"""Emissions and carbon intensity of a PSR, next to the spec's time series and with their parameters, envelope and
errors: /timeseries/emissions (tCO2e by fuel) and /timeseries/carbon-intensity (gCO2e/kWh with its mix)."""

from dataclasses import replace
from datetime import datetime

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiTypes,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework.request import Request
from rest_framework.response import Response

from cdsc_site.api.errors import InvalidParameter
from cdsc_site.api.params import choice_param
from cdsc_site.api.renderers import FastJSONRenderer
from metadata.models import EmissionBasis
from timeseries import selectors
from timeseries.choices import EMISSIONS_UNITS, STORAGE_EMISSIONS_UNIT, Quantity
from timeseries.emissions import (
    CONSUMPTION,
    INTENSITY_UNIT,
    METHODS,
    PRODUCTION,
    ComputedPage,
    IntensityQuery,
    emissions_page,
    intensity_page,
)

from .renderers import TimeseriesCSVRenderer
from .serializers import SupplyMixResponseSerializer, emissions_response, intensity_response
from .views import LAYOUT_HELP, TimeseriesView, _parameters, layout_parameter

SUPPLY_MIX = "supply-mix"

DEFAULT_BASIS = EmissionBasis.LIFECYCLE
WIDE_INTENSITY_REFUSED = (
    "not offered for carbon intensity: an interval's supply is broken down two ways (by source and by neighbour), "
    "each part with a share and an intensity, which one row per interval cannot hold; use layout=long, which has "
    "them all, or format=supply-mix."
)
BASIS_HELP = (
    "Which emissions: `lifecycle` (cradle to grave, every source above zero; default) or `direct` (combustion at the "
    "plant only). docs/emissions.md lists the factors and their sources."
)


class _DerivedView(TimeseriesView):
    """A quantity computed from the store; `basis` (and `method`) are read once per request."""

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        self.basis = choice_param(request, "basis", EmissionBasis.values, default=DEFAULT_BASIS)

    def _bound(self) -> dict:
        return {"basis": self.basis}

    def _extra(self, page: selectors.TimeseriesPage) -> dict:
        return page.extra if isinstance(page, ComputedPage) else {}


class EmissionsView(_DerivedView):
    quantity = Quantity.EMISSIONS

    def _units(self) -> tuple[tuple[str, ...], str]:
        return EMISSIONS_UNITS, STORAGE_EMISSIONS_UNIT

    def _compute(self, query: selectors.TimeseriesQuery) -> selectors.TimeseriesPage:
        return emissions_page(query, basis=self.basis)

    def _extra(self, page: selectors.TimeseriesPage) -> dict:
        return {"basis": self.basis, **super()._extra(page)}

    def _wide_labels(self, query: selectors.TimeseriesQuery) -> dict[tuple, dict]:
        # Reported emissions where held, else computed from generation, or both in a roll-up (emissions_page): every
        # fuel either can answer with has its column.
        reported = selectors.series_set(query.psr, Quantity.EMISSIONS, query.timeframe).labels
        return selectors.series_set(query.psr, Quantity.GENERATION, query.timeframe).labels | reported


class SupplyMixRenderer(FastJSONRenderer):
    """`format=supply-mix`: the intensity in the shape of CDS-WG3-01's supply_mix value sets (docs/spec-notes.md)."""

    format = SUPPLY_MIX


class CarbonIntensityView(_DerivedView):
    quantity = "carbon-intensity"
    body_key = "carbonIntensity"
    renderer_classes = [FastJSONRenderer, TimeseriesCSVRenderer, SupplyMixRenderer]

    def get(self, request: Request, id: str) -> Response:
        response = super().get(request, id)
        if request.accepted_renderer.format == SUPPLY_MIX and isinstance(response, Response):
            response.data = supply_mix_body(response.data)
        return response

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        self.method = choice_param(request, "method", METHODS, default=CONSUMPTION)

    def _units(self) -> tuple[tuple[str, ...], str]:
        return (INTENSITY_UNIT,), INTENSITY_UNIT

    def _bound(self) -> dict:
        return {**super()._bound(), "method": self.method}

    def _wide_labels(self, query: selectors.TimeseriesQuery) -> dict[tuple, dict]:
        raise InvalidParameter("layout", WIDE_INTENSITY_REFUSED)

    def _compute(self, query: selectors.TimeseriesQuery) -> selectors.TimeseriesPage:
        # The clock of the page is the PSR's generation (and, traced, its flows): the query reads generation.
        base = replace(query, quantity=Quantity.GENERATION, unit=None)
        page = intensity_page(IntensityQuery(base=base, basis=self.basis, method=self.method))
        page.unit = INTENSITY_UNIT
        return page


def supply_mix_body(body: dict) -> dict:
    """An intensity response reshaped as CDS-WG3-01 value sets: runs of equal, contiguous intervals as segments,
    each interval one `supply_mix` value set ([null] where the intensity is null). The envelope and links stay."""
    segments: list[dict] = []
    for item in body["carbonIntensity"]:
        start, end = item["startDatetime"], item["endDatetime"]
        length = int((_instant(end) - _instant(start)).total_seconds())
        current = segments[-1] if segments else None
        # A partial bucket (cut by the range) is a segment of its own, whatever its length.
        joins = current is not None and current["segment_end"] == start and current["interval"] == length
        if not joins or current.get("partial") or item.get("partial"):
            current = {"segment_start": start, "segment_end": end, "interval": length, "format": ["supply_mix"],
                       "values": []}  # fmt: skip
            if item.get("partial"):
                current["partial"] = True
            segments.append(current)
        current["segment_end"] = end
        current["values"].append([_supply_mix_value(item)])
    head = {key: value for key, value in body.items() if key not in ("carbonIntensity", "next", "previous")}
    return {**head, "supply_mix_segments": segments, "next": body["next"], "previous": body["previous"]}


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _supply_mix_value(item: dict) -> dict | None:
    if item["value"] is None:
        return None
    mix = []
    for part in item.get("mixByFuelSource", []):
        if part.get("fallback"):
            supply_type = f"imports from {part['fallback']}"
        else:
            supply_type = part["type"] if not part["technology"] else f"{part['type']} / {part['technology']}"
        mix.append({"supply_type": supply_type, "share": part["share"], "intensity_gco2e_kwh": part["intensity"]})
    value = {"intensity_gco2e_kwh": item["value"], "energy_mwh": item["energy"], "supply_mix": mix}
    if item.get("estimated"):
        value["estimated"] = True
    return value


def _derived_parameters(quantity: str, units: tuple[str, ...], default_unit: str) -> list[OpenApiParameter]:
    params = [p for p in _parameters(Quantity.GENERATION) if p.name not in ("unit", "format", "layout")]
    if quantity == "carbon-intensity":
        params.append(layout_parameter("CSV layout: only `long` (default); `wide` is a 400 here. Ignored with JSON."))
    else:
        params.append(layout_parameter(LAYOUT_HELP))
    formats = ["json", "csv", SUPPLY_MIX] if quantity == "carbon-intensity" else ["json", "csv"]
    params.append(
        OpenApiParameter(
            "format",
            {"type": "string", "enum": formats},
            description="csv: one row per interval and item"
            + (
                "; supply-mix: the intervals as CDS-WG3-01 `supply_mix` value sets in segments (an extension, "
                "docs/spec-notes.md)."
                if quantity == "carbon-intensity"
                else "."
            ),
        )
    )
    params.append(
        OpenApiParameter(
            "unit",
            {"type": "string", "enum": list(units), "default": default_unit},
            description=f"Unit of the values (default {default_unit}).",
        )
    )
    params.append(
        OpenApiParameter(
            "basis",
            {"type": "string", "enum": EmissionBasis.values, "default": DEFAULT_BASIS},
            description=BASIS_HELP,
        )
    )
    if quantity == "carbon-intensity":
        params.append(
            OpenApiParameter(
                "method",
                {"type": "string", "enum": list(METHODS), "default": CONSUMPTION},
                description=f"`{PRODUCTION}`: emissions of the PSR's own generation over that generation. "
                f"`{CONSUMPTION}` (default): flow-traced, imports carrying the intensity of where they come from "
                "(Tranberg et al. 2019).",
            )
        )
    return params


EMISSIONS_EXAMPLE = {
    "id": "US-WECC-CISO",
    "unit": "tCO2e",
    "basis": "lifecycle",
    "source": "computed",
    "factors": [
        {
            "psr": "US-WECC-CISO",
            "type": "Fossil - Gaseous - Natural gas - Unspecified",
            "technology": None,
            "value": 490.0,
            "basis": "lifecycle",
            "factorFuelType": "Fossil - Gaseous - Natural gas - Unspecified",
            "technologySpecific": False,
            "scope": None,
            "source": "IPCC AR5 WG III, Annex III, Table A.III.2 (Gas - Combined Cycle), 2014",
            "validFrom": None,
            "validUntil": None,
        }
    ],
    "emissions": [
        {
            "startDatetime": "2023-06-01T00:00:00Z",
            "endDatetime": "2023-06-01T01:00:00Z",
            "value": 4410.0,
            "valueByFuelSource": [
                {"technology": None, "type": "Fossil - Gaseous - Natural gas - Unspecified", "value": 4410.0}
            ],
        }
    ],
    "next": None,
    "previous": None,
}

INTENSITY_EXAMPLE = {
    "id": "EU-CE-ES",
    "unit": "gCO2e/kWh",
    "basis": "lifecycle",
    "method": "consumption",
    "resolution": "PT1H",
    "emissionsSource": "computed",
    "traced": ["EU-CE-ES", "EU-CE-FR", "EU-CE-PT"],
    "boundaries": ["EU-CE-BE"],
    "factors": [],
    "carbonIntensity": [
        {
            "startDatetime": "2023-06-01T00:00:00Z",
            "endDatetime": "2023-06-01T01:00:00Z",
            "value": 152.3,
            "energy": 25000.0,
            "mixByFuelSource": [
                {
                    "technology": None,
                    "type": "Fossil - Gaseous - Natural gas - Unspecified",
                    "share": 0.25,
                    "intensity": 490.0,
                },
                {
                    "technology": None,
                    "type": "Nuclear - Solid - Radioactive fuel - Unspecified",
                    "share": 0.45,
                    "intensity": 12.0,
                },
                {
                    "technology": None,
                    "type": "Renewable - Mechanical source or other - Wind - Unspecified",
                    "share": 0.3,
                    "intensity": 11.0,
                },
            ],
            "mixByConnectedPSR": [{"connectedPSR": "EU-CE-FR", "traced": True, "share": 0.08, "intensity": 40.1}],
        }
    ],
    "next": None,
    "previous": None,
}


def _schema(
    view: type[TimeseriesView],
    units: tuple[tuple[str, ...], str],
    summary: str,
    description: str,
    response,
    examples: dict[str, dict],
) -> type:
    return extend_schema(
        methods=["GET"],
        summary=summary,
        description=description,
        parameters=_derived_parameters(view.quantity, units[0], units[1]),
        responses={(200, "application/json"): response, (200, "text/csv"): OpenApiTypes.STR},
        examples=[
            OpenApiExample(name, value=value, response_only=True, media_type="application/json")
            for name, value in examples.items()
        ],
        tags=["emissions"],
    )(view)


EmissionsView = _schema(
    EmissionsView,
    (EMISSIONS_UNITS, STORAGE_EMISSIONS_UNIT),
    "Emissions of a PSR",
    "Tonnes of CO2-equivalent per interval with their breakdown by fuel. Reported emissions where the PSR (or a "
    "member of a roll-up) holds its own (`source`: reported or mixed), else generation x the emission factor that "
    "applies, listed in `factors`. Negative generation (charging, pumping) emits nothing. A fuel with no factor "
    "gives null with a `reason`, never zero. Same parameters, envelope, paging and roll-up as the spec's series.",
    emissions_response(),
    {"one interval": EMISSIONS_EXAMPLE},
)
CarbonIntensityView = _schema(
    CarbonIntensityView,
    ((INTENSITY_UNIT,), INTENSITY_UNIT),
    "Carbon intensity of a PSR",
    "Grams of CO2-equivalent per kWh per interval, with the mix it was computed from: each fuel's share of the "
    "energy (and its intensity) and, flow-traced, each neighbour's share. `production`: the PSR's own generation. "
    "`consumption`: the PSR's generation plus its imports with the mix of where they come from, traced over every "
    "PSR connected by flows (`traced`); ends whose generation is not held supply their declared intensity, else the "
    "catalogue's Unspecified factor (`estimated`). Intervals at the tracing step (the longest interval involved), "
    "or aggregated to `resolution` weighted by energy. No generation: null with a `reason`.",
    PolymorphicProxySerializer(
        component_name="CarbonIntensityOrSupplyMix",
        serializers=[intensity_response(), SupplyMixResponseSerializer],
        resource_type_field_name=None,
    ),
    {"one interval": INTENSITY_EXAMPLE, "format=supply-mix": supply_mix_body(INTENSITY_EXAMPLE)},
)
