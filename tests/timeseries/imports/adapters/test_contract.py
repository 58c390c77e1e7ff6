"""The contract every adapter of the registry keeps, checked adapter by adapter on a sample of its format: it reads
its sample, auto-detection picks it and no other adapter's sniff claims it, what it yields is valid records of its
declared kind, and its name, label and kind are set. A new adapter needs a sample here, or this test fails."""

import json
import math
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from psr.choices import ReadingDirection, ReadingFormat, ReadingValidity, UnitStatus
from tests.timeseries.imports.helpers import errors, lines, read
from timeseries.choices import (
    ENERGY_QUANTITIES,
    FLOW_QUANTITIES,
    FUEL_QUANTITIES,
    READING_QUALITIES,
    WH_EXPONENT,
    Quality,
    Quantity,
    Timeframe,
)
from timeseries.imports.adapters import InventoryAdapter, adapter_for, adapters, registry
from timeseries.imports.files import HEAD_BYTES
from timeseries.imports.records import CapacityRecord, GeneratingUnit, Payload, ReadingRecord, Record

SAMPLE_DATA = os.environ.get("CDSC_SAMPLE_DATA")
METER_DATA = os.environ.get("CDSC_METER_DATA")
NO_SAMPLE = "the adapter {} has no sample in SAMPLES: give it one (a real file where there is one)"


@dataclass(frozen=True)
class Sample:
    """A small valid file of one format: written here, or a real sample's path under CDSC_SAMPLE_DATA."""

    text: str | None = None
    path: str | None = None  # under CDSC_SAMPLE_DATA
    meter_path: str | None = None  # under CDSC_METER_DATA (../shared/data/meters)
    psr: str | None = None  # the PSR chosen for a file that names no area


# Two of the API's responses saved together: generation by fuel with a reported total, and exports by neighbour.
API_RESPONSES = [
    {"id": "US-WECC-CISO", "unit": "MWh", "timeframe": "actual", "generation": [
        {"startDatetime": "2023-01-01T00:00:00Z", "endDatetime": "2023-01-01T01:00:00Z", "value": 100.0,
         "valueByFuelSource": [{"type": "Wind", "technology": None, "value": 60.0},
                               {"type": "Solar", "technology": "Photovoltaic", "value": 30}]},
    ], "next": None, "previous": None},
    {"id": "US-WECC-CISO", "unit": "MWh", "exports": [
        {"startDatetime": "2023-01-01T00:00:00Z", "endDatetime": "2023-01-01T01:00:00Z", "value": 5.0,
         "valueByConnectedPSR": [{"connectedPSR": "US-WECC-NEVP", "value": 5.0}]},
    ], "next": None, "previous": None},
]  # fmt: skip
SAMPLES = {
    "canonical-csv": Sample(
        text=lines(
            "psr,quantity,start,end,value,unit,fuel_type,connected_psr,timeframe,quality",
            "US-WECC-CISO,generation,2023-01-01T00:00:00Z,2023-01-01T01:00:00Z,1234.5,MWh,F01050100,,,measured",
            "US-WECC-CISO,imports,2023-01-01T00:00:00+01:00,2023-01-01T01:00:00+01:00,250,kWh,,US-WECC-NEVP,,1",
            "US-WECC-CISO,price,2023-01-01T00:00:00Z,2023-01-01T01:00:00Z,-12.5,USD,,,day-ahead,",
        )
    ),
    "meter-csv": Sample(
        text=lines(
            "meter_number,format,validity,direction,start,end,value,unit,quality",
            "55555555-55_1,settlement,total_gross,delivered,2024-03-01T00:00:00Z,2024-03-01T00:15:00Z,12.5,kWh,revenue",
            "55555555-55_1,forecast_day_ahead,contracted,delivered,2024-03-01T00:00:00-05:00,2024-03-01T01:00:00-05:00,"
            "40,kWh,",
            "55555555-55_2,scada,net_metering,net,2024-03-01T00:00:00Z,2024-03-01T00:15:00Z,-125,Wh,raw",
        )
    ),
    "greenbutton-xml": Sample(meter_path="greenbutton/pge_electric_interval_data.xml"),
    "scada-power-csv": Sample(meter_path="pv/serf_east_15min_ac_power.csv"),
    "api-json": Sample(text=json.dumps(API_RESPONSES)),
    "entsoe-generation": Sample(path="entsoe/Actual Generation per Production Type_202211010000-202211020000.csv"),
    "entsoe-load": Sample(path="entsoe/Total Load - Day Ahead _ Actual_202211010000-202211020000.csv"),
    "entsoe-flow": Sample(path="entsoe/Cross-Border Physical Flow_202211010000-202211020000.csv"),
    "entsoe-generation-unit": Sample(
        path="entsoe/Actual Generation per Generation Unit_202304150000-202304160000_1.csv"
    ),
    "eia930-fuel-type": Sample(path="eia930/CISO_generation_by_fuel_2021-06.csv"),
    "eia930-interchange": Sample(path="eia930/CISO_interchange_2021-06.csv"),
    "eia930-region": Sample(path="eia930/CISO_region_data_2022-06.csv"),
    "eia860m-inventory": Sample(path="eia930/CISO_generator_inventory_2021-06.csv"),
    "elexon-generation": Sample(path="elexon/generation_by_production_type_2022-01.csv", psr="GB"),
    "elexon-interconnectors": Sample(path="elexon/interconnector_flows_2022-08.csv", psr="GB"),
    "entsoe-capacity": Sample(
        path="entsoe/Installed Capacity per Production Type_202201010000-202301010000.csv", psr="EU-CE-AL"
    ),
    "elexon-capacity": Sample(path="elexon/installed_generation_capacity.csv", psr="GB"),
}
NAMES = list(registry())


@cache
def text_of(name: str) -> str | None:
    """The sample's text as the import reads it (line ends as they are, no byte order mark); None when it is a
    real sample and CDSC_SAMPLE_DATA is not set."""
    sample = SAMPLES[name]
    if sample.text is not None:
        return sample.text
    root, path = (METER_DATA, sample.meter_path) if sample.meter_path else (SAMPLE_DATA, sample.path)
    if not root:
        return None
    with (Path(root) / path).open(encoding="utf-8-sig", newline="") as file:
        return file.read()


def own_sample(name: str) -> str:
    """The adapter's sample; the test is skipped when it is a real sample that this machine does not have."""
    assert name in SAMPLES, NO_SAMPLE.format(name)
    text = text_of(name)
    if text is None:
        pytest.skip(
            "CDSC_SAMPLE_DATA or CDSC_METER_DATA is not set (the paths of ../shared/data/public and "
            "../shared/data/meters with the real samples)"
        )
    return text


def test_every_sample_is_of_a_registered_adapter():
    assert set(SAMPLES) <= set(NAMES), set(SAMPLES) - set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_it_has_a_sample(name):
    assert name in SAMPLES, NO_SAMPLE.format(name)


@pytest.mark.parametrize("name", NAMES)
def test_name_label_and_kind_are_set_and_the_name_is_the_adapters_alone(name):
    adapter = registry()[name]

    assert adapter.name == name and name == name.strip().lower() and " " not in name
    assert isinstance(adapter.label, str) and adapter.label.strip()
    assert isinstance(adapter.kind, Payload)
    assert [a.name for a in adapters()].count(name) == 1
    if adapter.kind == Payload.INVENTORY:
        assert isinstance(adapter, InventoryAdapter) and adapter.asset_info.strip()


@pytest.mark.parametrize("name", NAMES)
def test_it_reads_its_own_sample_and_auto_detection_picks_it(name):
    text = own_sample(name)
    adapter = registry()[name]

    assert adapter.sniff(text[:HEAD_BYTES])
    assert adapter_for("auto", text[:HEAD_BYTES]) is adapter
    items = read(adapter, text, psr=SAMPLES[name].psr)
    assert items and not errors(items), errors(items)[:5]


@pytest.mark.parametrize("name", NAMES)
def test_its_sniff_claims_no_other_adapters_sample(name):
    adapter = registry()[name]
    others = [other for other in SAMPLES if other != name and text_of(other) is not None]
    if not others:
        pytest.skip("CDSC_SAMPLE_DATA is not set (the path of ../shared/data/public with the real samples)")

    assert [other for other in others if adapter.sniff(text_of(other)[:HEAD_BYTES])] == []


@pytest.mark.parametrize("name", NAMES)
def test_what_it_yields_from_its_sample_is_valid_records_of_its_kind(name):
    text, sample, adapter = own_sample(name), SAMPLES[name], registry()[name]
    check = {
        Payload.TIMESERIES: _check_record,
        Payload.READINGS: _check_reading,
        Payload.CAPACITY: _check_capacity,
        Payload.INVENTORY: _check_unit,
    }

    for item in read(adapter, text, psr=sample.psr):
        check[adapter.kind](item, sample)


def _aware(value) -> bool:
    return value.tzinfo is not None and value.utcoffset() is not None


def _check_record(item, sample: Sample) -> None:
    """A value of an interval the row checks would take, names aside (those need the database)."""
    assert isinstance(item, Record), item
    assert isinstance(item.line, int) and item.line >= 1, item
    assert item.psr and item.quantity in Quantity.values, item
    assert _aware(item.start) and _aware(item.end) and item.end > item.start, item
    assert isinstance(item.value, float) and math.isfinite(item.value), item
    assert item.timeframe is None or item.timeframe in Timeframe.values, item
    assert item.quality in Quality.values, item
    if item.quantity in ENERGY_QUANTITIES:
        assert item.unit is None or item.unit in WH_EXPONENT, item
    else:
        assert item.unit, item  # a price names its currency
    assert not (item.fuel_type or item.technology) or item.quantity in FUEL_QUANTITIES, item
    assert not item.connected_psr or item.quantity in FLOW_QUANTITIES, item
    assert item.quantity not in FLOW_QUANTITIES or item.value >= 0, item


def _check_reading(item, sample: Sample) -> None:
    """A meter's reading of an interval, in an energy unit, in a stream the row checks would take."""
    assert isinstance(item, ReadingRecord), item
    assert isinstance(item.line, int) and item.line >= 1, item
    assert _aware(item.start) and _aware(item.end) and item.end > item.start, item
    assert isinstance(item.value, float) and math.isfinite(item.value), item

    # Names may come as written (the checks clean spaces and case once per stream; empty is the import's choice).
    def clean(name: str | None) -> str:
        return (name or "").strip().lower()

    assert item.unit.strip() in WH_EXPONENT and clean(item.direction) in ReadingDirection.values, item
    assert clean(item.quality) in {"", *READING_QUALITIES}, item
    assert clean(item.reading_format) in {"", *ReadingFormat.values}, item
    assert clean(item.validity) in {"", *ReadingValidity.values}, item


def _check_capacity(item, sample: Sample) -> None:
    """An installed capacity (MW) of the PSR chosen for the file, over a period."""
    assert isinstance(item, CapacityRecord), item
    assert item.psr == sample.psr and item.fuel_type, item
    assert _aware(item.start) and (item.end is None or (_aware(item.end) and item.end > item.start)), item
    assert isinstance(item.value, float) and math.isfinite(item.value) and item.value >= 0, item


def _check_unit(item, sample: Sample) -> None:
    """A generating unit named as the source names it: its area and fuels are resolved by the import's checks."""
    assert isinstance(item, GeneratingUnit), item
    assert item.area and (item.area_id, item.fuel_type_id, item.technology_id) == (None, None, None), item
    assert item.fuel_types and all(":" in code for code in item.fuel_types), item
    assert ":" in item.plant_key and ":" in item.unit_key and item.plant_id and item.unit_id, item
    assert isinstance(item.capacity, float) and math.isfinite(item.capacity) and item.capacity >= 0, item
    assert item.status in UnitStatus.values and _aware(item.period), item
    assert all(_aware(d) for d in (item.start, item.end) if d is not None), item
    assert item.start is None or item.end is None or item.end > item.start, item
    json.dumps(item.properties, allow_nan=False)  # asset info is JSON
