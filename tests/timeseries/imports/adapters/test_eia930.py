"""The EIA-930 adapters (fuel-type, interchange and region data, CSV and JSON) and the EIA-860M inventory reader:
hour-ending periods become start-labelled intervals, signed interchange becomes two non-negative flows, missing
values write nothing, bad cells are row errors; and, with CDSC_SAMPLE_DATA, the real samples read as published."""

import io
import itertools
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from psr.choices import UnitStatus
from timeseries.imports.adapters import adapter_for
from timeseries.imports.adapters.api_json import ADAPTER as API_JSON
from timeseries.imports.adapters.canonical import ADAPTER as CANONICAL
from timeseries.imports.adapters.eia930 import (
    ADAPTERS,
    FUEL_TYPE_ADAPTER,
    INTERCHANGE_ADAPTER,
    INVENTORY_ADAPTER,
    REGION_ADAPTER,
    GeneratorRow,
    generator_inventory_rows,
)
from timeseries.imports.records import GeneratingUnitRecord, ImportFileError, ImportOptions, Record, RowError

HOUR = timedelta(hours=1)
FUEL_HEADER = "period,respondent,respondent-name,fueltype,type-name,value,value-units"
INTERCHANGE_HEADER = "period,fromba,fromba-name,toba,toba-name,value,value-units"
REGION_HEADER = "period,respondent,respondent-name,type,type-name,value,value-units"
INVENTORY_HEADER = (
    "period,stateid,stateName,sector,sectorName,entityid,entityName,plantid,plantName,generatorid,unit,technology,"
    "energy_source_code,energy-source-desc,prime_mover_code,balancing_authority_code,balancing-authority-name,status,"
    "statusDescription,nameplate-capacity-mw,nameplate-capacity-mw-units"
)
CISO = "CISO,California Independent System Operator"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def read(adapter, text: str) -> list[Record | RowError]:
    return list(adapter.records(io.StringIO(text), ImportOptions()))


def csv_file(header: str, *rows: str) -> str:
    return "\n".join([header, *rows]) + "\n"


def api_json(*items: dict) -> str:
    """An EIA API v2 response as the API writes it: metadata, the data, then the request that was made."""
    return json.dumps(
        {
            "response": {"total": str(len(items)), "dateFormat": 'YYYY-MM-DD"T"HH24', "frequency": "hourly",
                         "data": list(items), "description": "Hourly demand ..."},
            "request": {"command": "/v2/electricity/rto/fuel-type-data/data/", "params": {"api_key": "x"}},
            "apiVersion": "2.1.8",
        }
    )  # fmt: skip


def gen(period: str, value: float, fuel: str, line: int) -> Record:
    """A generation record of CISO for the hour ENDING at `period` (UTC)."""
    end = datetime.fromisoformat(period + ":00+00:00")
    return Record(line, "eia:CISO", "generation", end - HOUR, end, value, "MWh", fuel_type=f"eia:{fuel}")


def flows(period: str, imports: float, exports: float, neighbour: str, line: int) -> list[Record]:
    end = datetime.fromisoformat(period + ":00+00:00")
    start, to = end - HOUR, f"eia:{neighbour}"
    return [
        Record(line, "eia:CISO", "imports", start, end, imports, "MWh", connected_psr=to),
        Record(line, "eia:CISO", "exports", start, end, exports, "MWh", connected_psr=to),
    ]


# ---------------------------------------------------------------- fuel-type data


def test_fuel_type_rows_become_generation_of_the_hour_ending_at_the_period():
    records = read(
        FUEL_TYPE_ADAPTER,
        csv_file(
            FUEL_HEADER,
            f"2021-06-01T00,{CISO},NG,Natural gas,10055,megawatthours",
            f"2021-06-01T00,{CISO},SUN,Solar,4410.5,megawatthours",
        ),
    )

    assert records == [gen("2021-06-01T00", 10055.0, "NG", 2), gen("2021-06-01T00", 4410.5, "SUN", 3)]
    # Hour ending 00:00Z on June 1st is the last hour of May 31st.
    assert records[0].start == utc(2021, 5, 31, 23) and records[0].end == utc(2021, 6, 1)


def test_negative_net_generation_is_kept_as_published_and_zero_is_a_value():
    records = read(
        FUEL_TYPE_ADAPTER,
        csv_file(
            FUEL_HEADER, f"2021-06-01T23,{CISO},OTH,Other,-202,megawatthours", f"2021-06-01T23,{CISO},COL,Coal,0,"
        ),
    )

    assert [r.value for r in records] == [-202.0, 0.0]


def test_missing_values_give_no_record_and_no_error():
    records = read(
        FUEL_TYPE_ADAPTER,
        csv_file(
            FUEL_HEADER,
            f"2021-06-01T01,{CISO},NG,Natural gas,,megawatthours",
            f"2021-06-01T01,{CISO},WND,Wind,n/e,megawatthours",
            f"2021-06-01T01,{CISO},WAT,Hydro, N/A ,megawatthours",
            f"2021-06-01T01,{CISO},NUC,Nuclear,n/a,megawatthours",
            f"2021-06-01T01,{CISO},SUN,Solar,12,megawatthours",
        ),
    )

    assert records == [gen("2021-06-01T01", 12.0, "SUN", 6)]


def test_bad_cells_are_row_errors_naming_line_column_and_value():
    records = read(
        FUEL_TYPE_ADAPTER,
        csv_file(
            FUEL_HEADER,
            f"2021-06-01T01,{CISO},NG,Natural gas,12O5,megawatthours",
            f"2021-06-01 01:00,{CISO},NG,Natural gas,1205,megawatthours",
            f"2021-02-30T01,{CISO},NG,Natural gas,1205,megawatthours",
            f"2021-06-01T02,{CISO},NG,Natural gas,1205,megawatts",
            f"2021-06-01T02,{CISO},,Natural gas,1205,megawatthours",
            f"2021-06-01T03,{CISO},NG,Natural gas,1205,megawatthours",
        ),
    )

    errors = [(e.line, e.column, e.value) for e in records if isinstance(e, RowError)]
    assert errors == [
        (2, "value", "12O5"),
        (3, "period", "2021-06-01 01:00"),
        (4, "period", "2021-02-30T01"),
        (5, "value-units", "megawatts"),
        (6, "fueltype", ""),
    ]
    assert [r for r in records if isinstance(r, Record)] == [gen("2021-06-01T03", 1205.0, "NG", 7)]


def test_a_row_of_the_wrong_width_is_a_row_error_and_reading_goes_on():
    records = read(
        FUEL_TYPE_ADAPTER,
        csv_file(FUEL_HEADER, "2021-06-01T01,CISO,NG,1205", "", f"2021-06-01T02,{CISO},NG,Natural gas,7,megawatthours"),
    )

    assert isinstance(records[0], RowError) and records[0].line == 2 and "expected 7 fields" in records[0].reason
    assert records[1:] == [gen("2021-06-01T02", 7.0, "NG", 4)]


def test_a_header_without_the_layout_columns_is_refused_listing_them():
    with pytest.raises(ImportFileError) as exc:
        read(FUEL_TYPE_ADAPTER, csv_file("period,respondent,value", "2021-06-01T01,CISO,5"))

    assert "'fueltype'" in str(exc.value) and "period, respondent, fueltype, value" in str(exc.value)


def test_an_empty_file_is_refused():
    with pytest.raises(ImportFileError, match="empty"):
        read(REGION_ADAPTER, "\n\n")


def test_a_bom_and_crlf_line_ends_are_read():
    text = "\ufeff" + FUEL_HEADER + "\r\n" + f"2021-06-01T00,{CISO},NG,Natural gas,10055,megawatthours\r\n"

    assert read(FUEL_TYPE_ADAPTER, text) == [gen("2021-06-01T00", 10055.0, "NG", 2)]


# ---------------------------------------------------------------- time: hour ending, UTC, local-hourly


def test_utc_periods_run_straight_through_the_us_spring_clock_change():
    # 2021-03-14: California goes from PST to PDT at 10:00Z. UTC periods have no gap and no repeat.
    periods = [f"2021-03-14T{h:02d}" for h in range(8, 13)]
    records = read(
        FUEL_TYPE_ADAPTER, csv_file(FUEL_HEADER, *(f"{p},{CISO},NG,Natural gas,1,megawatthours" for p in periods))
    )

    assert [r.start for r in records] == [utc(2021, 3, 14, h) for h in range(7, 12)]
    assert all(a.end == b.start for a, b in itertools.pairwise(records))


def test_local_hourly_periods_with_their_offset_become_utc_across_the_clock_changes():
    # The API's local-hourly frequency: local hour ending, with the UTC offset. Spring: 01-08 is followed by
    # 03-07 (02:00 local never happens); autumn: 01-07 then 01-08 (the hour that happens twice).
    spring = ["2021-03-14T01-08", "2021-03-14T03-07"]
    autumn = ["2021-11-07T01-07", "2021-11-07T01-08", "2021-11-07T02-08"]
    rows = [f"{p},{CISO},NG,Natural gas,1,megawatthours" for p in spring + autumn]
    records = read(FUEL_TYPE_ADAPTER, csv_file(FUEL_HEADER, *rows))

    assert [(r.start, r.end) for r in records] == [
        (utc(2021, 3, 14, 8), utc(2021, 3, 14, 9)),
        (utc(2021, 3, 14, 9), utc(2021, 3, 14, 10)),
        (utc(2021, 11, 7, 7), utc(2021, 11, 7, 8)),
        (utc(2021, 11, 7, 8), utc(2021, 11, 7, 9)),
        (utc(2021, 11, 7, 9), utc(2021, 11, 7, 10)),
    ]


def test_a_daily_period_is_a_row_error():
    [error] = read(FUEL_TYPE_ADAPTER, csv_file(FUEL_HEADER, f"2021-06-01,{CISO},NG,Natural gas,1,megawatthours"))

    assert error.column == "period" and "hourly" in error.reason


# ---------------------------------------------------------------- interchange data


def test_signed_interchange_becomes_a_non_negative_import_and_export_per_row():
    records = read(
        INTERCHANGE_ADAPTER,
        csv_file(
            INTERCHANGE_HEADER,
            f"2021-06-01T00,{CISO},SRP,Salt River Project,-935,megawatthours",
            f"2021-06-01T08,{CISO},TIDC,Turlock Irrigation District,168,megawatthours",
            f"2021-06-01T00,{CISO},PACW,PacifiCorp West,0,megawatthours",
        ),
    )

    # EIA's sign is from fromba's side: negative flows into CISO (an import), positive out of it (an export).
    assert records == [
        *flows("2021-06-01T00", 935.0, 0.0, "SRP", 2),
        *flows("2021-06-01T08", 0.0, 168.0, "TIDC", 3),
        *flows("2021-06-01T00", 0.0, 0.0, "PACW", 4),
    ]
    assert all(r.value >= 0 for r in records)


def test_missing_interchange_gives_neither_flow():
    records = read(INTERCHANGE_ADAPTER, csv_file(INTERCHANGE_HEADER, f"2021-06-01T00,{CISO},SRP,Salt River,,"))

    assert records == []


def test_interchange_with_no_neighbour_is_a_row_error():
    [error] = read(INTERCHANGE_ADAPTER, csv_file(INTERCHANGE_HEADER, f"2021-06-01T00,{CISO},,,-935,megawatthours"))

    assert (error.line, error.column) == (2, "toba")


# ---------------------------------------------------------------- region data


def test_region_data_gives_demand_forecast_and_total_net_generation_but_not_total_interchange():
    records = read(
        REGION_ADAPTER,
        csv_file(
            REGION_HEADER,
            f"2022-06-01T13,{CISO},D,Demand,22314,megawatthours",
            f"2022-06-01T13,{CISO},DF,Day-ahead demand forecast,21644,megawatthours",
            f"2022-06-01T13,{CISO},TI,Total interchange,-9284,megawatthours",
            f"2022-06-01T13,{CISO},NG,Net generation,12917,megawatthours",
        ),
    )

    start, end = utc(2022, 6, 1, 12), utc(2022, 6, 1, 13)
    assert records == [
        Record(2, "eia:CISO", "demand", start, end, 22314.0, "MWh"),
        Record(3, "eia:CISO", "demand", start, end, 21644.0, "MWh", timeframe="day-ahead"),
        Record(5, "eia:CISO", "generation", start, end, 12917.0, "MWh"),
    ]


def test_an_unknown_region_type_is_a_row_error_naming_it():
    [error] = read(REGION_ADAPTER, csv_file(REGION_HEADER, f"2022-06-01T13,{CISO},CO2,Emissions,5,megawatthours"))

    assert (error.line, error.column, error.value) == (2, "type", "CO2")


# ---------------------------------------------------------------- the API's JSON


def test_json_items_read_like_csv_rows_with_numbers_or_strings_and_null_as_missing():
    item = {"period": "2021-06-01T00", "respondent": "CISO", "respondent-name": "California Independent System "
            "Operator", "fueltype": "NG", "type-name": "Natural gas", "value-units": "megawatthours"}  # fmt: skip
    text = api_json({**item, "value": 10055}, {**item, "value": "4410.5"}, {**item, "value": None})

    records = read(FUEL_TYPE_ADAPTER, text)

    assert records == [gen("2021-06-01T00", 10055.0, "NG", 1), gen("2021-06-01T00", 4410.5, "NG", 2)]


def test_json_interchange_and_region_items():
    pair = {"period": "2021-06-01T05", "fromba": "CISO", "toba": "BPAT", "value": -1297, "value-units": "megawatthours"}
    demand = {"period": "2022-06-01T13", "respondent": "CISO", "type": "D", "value": 22314}

    assert read(INTERCHANGE_ADAPTER, api_json(pair)) == flows("2021-06-01T05", 1297.0, 0.0, "BPAT", 1)
    assert read(REGION_ADAPTER, api_json(demand)) == [
        Record(1, "eia:CISO", "demand", utc(2022, 6, 1, 12), utc(2022, 6, 1, 13), 22314.0, "MWh")
    ]


def test_json_bad_cells_point_to_the_item():
    items = [
        {"period": "2021-06-01T00", "respondent": "CISO", "fueltype": "NG", "value": "lots"},
        {"period": 2021, "respondent": "CISO", "fueltype": "NG", "value": 1},
    ]

    errors = read(FUEL_TYPE_ADAPTER, api_json(*items))

    assert [(e.line, e.column, e.value) for e in errors] == [
        (1, "response.data[0].value", "lots"),
        (2, "response.data[1].period", "2021"),
    ]


def test_json_of_another_layout_or_an_error_response_or_broken_json_is_refused():
    with pytest.raises(ImportFileError, match="fueltype"):
        read(FUEL_TYPE_ADAPTER, api_json({"period": "2021-06-01T00", "fromba": "CISO", "toba": "SRP", "value": 1}))
    with pytest.raises(ImportFileError, match="response"):
        read(FUEL_TYPE_ADAPTER, json.dumps({"error": "invalid api_key", "code": 403}))
    with pytest.raises(ImportFileError, match="not valid JSON"):
        read(
            FUEL_TYPE_ADAPTER,
            api_json({"period": "2021-06-01T00", "respondent": "CISO", "fueltype": "NG", "value": 1})[:-30],
        )


# ---------------------------------------------------------------- sniffing


HEADS = {
    "fuel": FUEL_HEADER,
    "interchange": INTERCHANGE_HEADER,
    "region": REGION_HEADER,
    "fuel-json": api_json({"period": "2021-06-01T00", "respondent": "CISO", "respondent-name": "x", "fueltype": "NG",
                           "type-name": "Natural gas", "value": 1, "value-units": "megawatthours"}),
    "interchange-json": api_json({"period": "2021-06-01T00", "fromba": "CISO", "fromba-name": "x", "toba": "SRP",
                                  "toba-name": "y", "value": 1, "value-units": "megawatthours"}),
    "region-json": api_json({"period": "2021-06-01T00", "respondent": "CISO", "respondent-name": "x", "type": "D",
                             "type-name": "Demand", "value": 1, "value-units": "megawatthours"}),
    "inventory": INVENTORY_HEADER,
    "inventory-json": api_json({"period": "2021-06", "plantid": "56143", "plantName": "R", "generatorid": "4",
                                "balancing_authority_code": "CISO", "nameplate-capacity-mw": 48}),
    "canonical": "psr,quantity,start,end,value",
    "api-json": '{"id": "US-WECC-CISO", "unit": "MWh", "demand": [{"startDatetime": "2022-06-01T00:00:00Z"',
    "entsoe-generation": '"Area","MTU","Biomass  - Actual Aggregated [MW]","Fossil Gas  - Actual Aggregated [MW]"',
    "entsoe-flow": '"Time (UTC)","BZN|FR > BZN|ES [MW]","BZN|ES > BZN|FR [MW]"',
    "elexon-flows": "recordType,settlementDate,startTimeOfHalfHrPeriod,intfrGeneration,intirlGeneration,activeFlag",
}  # fmt: skip


@pytest.mark.parametrize(
    ("adapter", "own"),
    [
        (FUEL_TYPE_ADAPTER, {"fuel", "fuel-json"}),
        (INTERCHANGE_ADAPTER, {"interchange", "interchange-json"}),
        (REGION_ADAPTER, {"region", "region-json"}),
    ],
)
def test_each_adapter_sniffs_its_own_layout_only(adapter, own):
    claimed = {name for name, head in HEADS.items() if adapter.sniff(head + "\n") or adapter.sniff("\ufeff" + head)}

    assert claimed == own


def test_the_other_adapters_do_not_claim_eia_files():
    eia = (
        "fuel",
        "interchange",
        "region",
        "fuel-json",
        "interchange-json",
        "region-json",
        "inventory",
        "inventory-json",
    )

    assert not [name for name in eia if CANONICAL.sniff(HEADS[name]) or API_JSON.sniff(HEADS[name])]


def test_adapter_names_are_distinct_format_names():
    assert [a.name for a in ADAPTERS] == [
        "eia930-fuel-type",
        "eia930-interchange",
        "eia930-region",
        "eia860m-inventory",
    ]


def test_the_inventory_adapter_claims_inventories_only_and_auto_detection_finds_it():
    claimed = {name for name, head in HEADS.items() if INVENTORY_ADAPTER.sniff(head + "\n")}

    assert claimed == {"inventory", "inventory-json"}
    assert INVENTORY_ADAPTER.sniff("\ufeff" + INVENTORY_HEADER)
    assert adapter_for("auto", INVENTORY_HEADER + "\n") is INVENTORY_ADAPTER
    assert adapter_for("auto", HEADS["inventory-json"]) is INVENTORY_ADAPTER
    assert (INVENTORY_ADAPTER.kind, adapter_for("eia860m-inventory", "anything")) == ("inventory", INVENTORY_ADAPTER)


# ---------------------------------------------------------------- generator inventory (EIA-860M)


def test_generator_inventory_rows_are_typed_with_quoted_names_and_empty_unit():
    text = csv_file(
        INVENTORY_HEADER,
        "2021-06,CA,California,ipp-non-chp,IPP Non-CHP,18320,Sunrise Power Co LLC,55182,Sunrise Power LLC,STG,CC1,"
        "Natural Gas Fired Combined Cycle,NG,Natural Gas,CA,CISO,California Independent System Operator,OP,Operating,"
        "264.0,MW",
        '2021-06,CA,California,ipp-non-chp,IPP Non-CHP,18194,"STS Hydropower, LLC",54654,Kekawaka Power House,KEK1,,'
        "Conventional Hydroelectric,WAT,Water,HY,CISO,California Independent System Operator,OA,Out of service but "
        "expected to return to service in next calendar year,4.9,MW",
    )

    first, second = generator_inventory_rows(io.StringIO(text))

    assert first == GeneratorRow(
        line=2, period="2021-06", plant_id=55182, plant_name="Sunrise Power LLC", generator_id="STG", unit="CC1",
        technology="Natural Gas Fired Combined Cycle", energy_source_code="NG", energy_source="Natural Gas",
        prime_mover="CA", balancing_authority="CISO", status="OP", status_description="Operating",
        nameplate_mw=264.0, entity_id="18320", entity_name="Sunrise Power Co LLC", state="CA", sector="ipp-non-chp",
    )  # fmt: skip
    assert (second.line, second.entity_name, second.unit, second.status, second.nameplate_mw) == (
        3, "STS Hydropower, LLC", None, "OA", 4.9,
    )  # fmt: skip


def test_generator_inventory_bad_capacity_or_plant_id_is_a_row_error():
    good = "2021-06,CA,California,s,S,1,E,{plant},P,G1,,Solar Photovoltaic,SUN,Solar,PV,CISO,C,OP,Operating,{mw},MW"
    text = csv_file(
        INVENTORY_HEADER,
        good.format(plant="60001", mw="x"),
        good.format(plant="60001", mw=""),
        good.format(plant="6OOO1", mw="5"),
        good.format(plant="60002", mw="0"),
    )

    rows = list(generator_inventory_rows(io.StringIO(text)))

    assert [(r.line, r.column) for r in rows[:3]] == [
        (2, "nameplate-capacity-mw"),
        (3, "nameplate-capacity-mw"),
        (4, "plantid"),
    ]
    assert isinstance(rows[3], GeneratorRow) and rows[3].nameplate_mw == 0.0


def test_generator_inventory_without_its_columns_is_refused():
    with pytest.raises(ImportFileError, match="nameplate-capacity-mw"):
        list(generator_inventory_rows(io.StringIO("plantid,plantName,generatorid\n1,P,G\n")))


def test_generator_inventory_from_the_api_json_with_its_mixed_case_keys():
    item = {"period": "2021-06", "plantid": "56143", "plantName": "Riverside Energy Resource Center",
            "generatorid": "4", "technology": "Natural Gas Fired Combustion Turbine", "energy_source_code": "NG",
            "prime_mover_code": "GT", "balancing_authority_code": "CISO", "status": "OP",
            "nameplate-capacity-mw": 48, "nameplate-capacity-mw-units": "MW"}  # fmt: skip

    [row] = generator_inventory_rows(io.StringIO(api_json(item)))

    assert (row.line, row.plant_id, row.plant_name, row.nameplate_mw, row.entity_name) == (
        1, 56143, "Riverside Energy Resource Center", 48.0, None,
    )  # fmt: skip


# ---------------------------------------------------------------- the eia860m-inventory adapter


def inventory_row(
    generator: str = "STG", status: str = "OP", es: str = "NG", pm: str = "CA", plant: str = "55182", mw: str = "264.0"
) -> str:
    return (
        f"2021-06,CA,California,ipp-non-chp,IPP Non-CHP,18320,Sunrise Power Co LLC,{plant},Sunrise Power LLC,"
        f"{generator},CC1,Natural Gas Fired Combined Cycle,{es},Natural Gas,{pm},CISO,California Independent System "
        f"Operator,{status},Status {status},{mw},MW"
    )


def units(text: str) -> list[GeneratingUnitRecord | RowError]:
    return list(INVENTORY_ADAPTER.records(io.StringIO(text), ImportOptions()))


def test_an_inventory_row_becomes_a_unit_of_its_plant_under_its_balancing_area():
    [unit] = units(csv_file(INVENTORY_HEADER, inventory_row()))

    assert unit == GeneratingUnitRecord(
        line=2, area="eia:CISO", plant_key="eia-plant:55182", plant_id="EIA-55182", plant_name="Sunrise Power LLC",
        unit_key="eia-generator:55182-STG", unit_id="EIA-55182-STG", unit_name="Sunrise Power LLC generator STG",
        fuel_types=("eia860:NG/CA", "eia860:NG"), capacity=264.0, status=UnitStatus.INSTALLED,
        start=utc(2021, 6, 1), end=None, period=utc(2021, 6, 1),
        properties={
            "technology": "Natural Gas Fired Combined Cycle", "prime_mover": "CA", "energy_source": "NG",
            "energy_source_description": "Natural Gas", "status": "OP", "status_description": "Status OP",
            "nameplate_capacity_mw": 264.0, "entity_id": "18320", "entity_name": "Sunrise Power Co LLC",
            "sector": "ipp-non-chp", "combined_cycle_unit": "CC1", "inventory_period": "2021-06",
        },
        state="CA", latitude=None, longitude=None,
    )  # fmt: skip


def test_generator_ids_with_spaces_and_hashes_make_url_safe_psr_ids_and_keep_their_identifier():
    first, second = units(csv_file(INVENTORY_HEADER, inventory_row("GT 1"), inventory_row("IG#2")))

    assert (first.unit_id, first.unit_key) == ("EIA-55182-GT_1", "eia-generator:55182-GT 1")
    assert (second.unit_id, second.unit_key) == ("EIA-55182-IG_2", "eia-generator:55182-IG#2")


@pytest.mark.parametrize(
    ("status", "expected", "start", "end"),
    [
        ("OP", UnitStatus.INSTALLED, utc(2021, 6, 1), None),
        ("SB", UnitStatus.INSTALLED, utc(2021, 6, 1), None),
        ("OA", UnitStatus.INSTALLED, utc(2021, 6, 1), None),
        ("OS", UnitStatus.RETIRED, None, utc(2021, 6, 1)),
        ("RE", UnitStatus.RETIRED, None, utc(2021, 6, 1)),
        ("P", UnitStatus.PLANNED, None, None),
        ("U", UnitStatus.PLANNED, None, None),
        ("TS", UnitStatus.PLANNED, None, None),
        ("op", UnitStatus.INSTALLED, utc(2021, 6, 1), None),
    ],
)
def test_the_status_says_whether_the_capacity_is_installed_and_from_or_until_when(status, expected, start, end):
    [unit] = units(csv_file(INVENTORY_HEADER, inventory_row(status=status)))

    assert (unit.status, unit.start, unit.end, unit.period) == (expected, start, end, utc(2021, 6, 1))
    assert unit.properties["status"] == status.upper()


def inventory_item(**changes) -> dict:
    item = {"period": "2021-06", "stateid": "CA", "plantid": "56143", "plantName": "Riverside Energy Resource Center",
            "generatorid": "4", "technology": "Natural Gas Fired Combustion Turbine", "energy_source_code": "NG",
            "prime_mover_code": "GT", "balancing_authority_code": "CISO", "status": "OP",
            "nameplate-capacity-mw": "48.3", "nameplate-capacity-mw-units": "MW"}  # fmt: skip
    item.update(changes)
    return item


def test_the_api_columns_date_the_capacity_and_locate_the_plant():
    installed, retired, out = units(
        api_json(
            inventory_item(**{"operating-year-month": "2006-06", "planned-retirement-year-month": "2030-12",
                              "latitude": "33.9528", "longitude": -117.4395, "county": "Riverside",
                              "net-summer-capacity-mw": 45.6}),
            inventory_item(generatorid="1", status="RE", **{"operating-year-month": "1990-01",
                                                            "retirement-year-month": "2021-03"}),
            inventory_item(generatorid="2", status="OS", **{"operating-year-month": "1990-01"}),
        )
    )  # fmt: skip

    assert (installed.start, installed.end, installed.latitude, installed.longitude) == (
        utc(2006, 6, 1), None, 33.9528, -117.4395,
    )  # fmt: skip
    kept = ("county", "net_summer_capacity_mw", "planned_retirement_year_month")
    assert {k: installed.properties[k] for k in kept} == {
        "county": "Riverside", "net_summer_capacity_mw": 45.6, "planned_retirement_year_month": "2030-12",
    }  # fmt: skip
    assert (retired.status, retired.start, retired.end) == (UnitStatus.RETIRED, utc(1990, 1, 1), utc(2021, 3, 1))
    # Out of service with no retirement month: it ends at the inventory's month, and its past is not known.
    assert (out.status, out.start, out.end) == (UnitStatus.RETIRED, None, utc(2021, 6, 1))


def test_an_unknown_status_or_an_unreadable_month_number_or_coordinate_is_a_row_error_naming_them():
    errors = units(
        api_json(
            inventory_item(status="XX"),
            inventory_item(**{"operating-year-month": "June 2006"}),
            inventory_item(**{"retirement-year-month": "2021-13"}),
            inventory_item(latitude="91"),
            inventory_item(longitude="west"),
            inventory_item(**{"net-summer-capacity-mw": "n.a."}),
            inventory_item(period="2021"),
            inventory_item(status="RE", **{"operating-year-month": "2021-05", "retirement-year-month": "2021-05"}),
        )
    )

    assert [(e.line, e.column, e.value) for e in errors] == [
        (1, "response.data[0].status", "XX"),
        (2, "response.data[1].operating-year-month", "June 2006"),
        (3, "response.data[2].retirement-year-month", "2021-13"),
        (4, "response.data[3].latitude", "91"),
        (5, "response.data[4].longitude", "west"),
        (6, "response.data[5].net-summer-capacity-mw", "n.a."),
        (7, "response.data[6].period", "2021"),
        (8, "response.data[7].retirement-year-month", "2021-05"),
    ]
    assert all(isinstance(e, RowError) for e in errors)
    assert "unknown EIA generator status" in errors[0].reason and "YYYY-MM" in errors[1].reason


def test_an_inventory_without_its_period_column_is_refused():
    header = INVENTORY_HEADER.replace("period,", "")
    with pytest.raises(ImportFileError, match="period"):
        units(csv_file(header, inventory_row().replace("2021-06,", "", 1)))


# ---------------------------------------------------------------- the real samples

SAMPLES = os.environ.get("CDSC_SAMPLE_DATA")
needs_samples = pytest.mark.skipif(
    not SAMPLES, reason="CDSC_SAMPLE_DATA is not set (the path of ../shared/data/public with the real EIA-930 samples)"
)


def sample(name: str) -> list:
    path = Path(SAMPLES) / "eia930" / name
    adapter = next((a for a in ADAPTERS if a.sniff(path.read_text(encoding="utf-8")[:65536])), None)
    with path.open(encoding="utf-8", newline="") as text:
        if name.startswith("CISO_generator_inventory"):
            return list(generator_inventory_rows(text))
        assert adapter is not None, f"no EIA-930 adapter recognises {name}"
        return list(adapter.records(text, ImportOptions()))


@needs_samples
def test_real_generation_by_fuel_sample():
    records = sample("CISO_generation_by_fuel_2021-06.csv")

    assert not [r for r in records if isinstance(r, RowError)]
    assert len(records) == 192  # 24 hours x 8 fuels
    assert {r.fuel_type for r in records} == {
        f"eia:{f}" for f in ("WAT", "OIL", "COL", "NG", "WND", "OTH", "NUC", "SUN")
    }
    assert {r.psr for r in records} == {"eia:CISO"}
    assert min(r.start for r in records) == utc(2021, 5, 31, 23) and max(r.end for r in records) == utc(2021, 6, 1, 23)
    # Lines 2, 5 and 44 of the file, read by eye: WAT 1818 and NG 10055 at 2021-06-01T00, SUN -7 at T05.
    assert gen("2021-06-01T00", 1818.0, "WAT", 2) in records
    assert gen("2021-06-01T00", 10055.0, "NG", 5) in records
    assert gen("2021-06-01T05", -7.0, "SUN", 44) in records


@needs_samples
def test_real_interchange_sample():
    records = sample("CISO_interchange_2021-06.csv")

    assert not [r for r in records if isinstance(r, RowError)]
    assert len(records) == 2 * 264  # 24 hours x 11 neighbours, an import and an export each
    neighbours = {r.connected_psr for r in records}
    assert neighbours == {
        f"eia:{b}" for b in ("PACW", "SRP", "BANC", "BPAT", "CEN", "IID", "LDWP", "NEVP", "AZPS", "WALC", "TIDC")
    }
    assert min(r.start for r in records) == utc(2021, 5, 31, 23) and max(r.end for r in records) == utc(2021, 6, 1, 23)
    # Line 3: SRP -935 at T00; line 57: BPAT -1297 at T05; line 100: TIDC 168 at T08; line 2: PACW 0 at T00.
    for expected in (
        flows("2021-06-01T00", 935.0, 0.0, "SRP", 3),
        flows("2021-06-01T05", 1297.0, 0.0, "BPAT", 57),
        flows("2021-06-01T08", 0.0, 168.0, "TIDC", 100),
        flows("2021-06-01T00", 0.0, 0.0, "PACW", 2),
    ):
        assert all(r in records for r in expected)


@needs_samples
def test_real_region_sample():
    records = sample("CISO_region_data_2022-06.csv")

    assert not [r for r in records if isinstance(r, RowError)]
    assert len(records) == 72  # 24 hours x D, DF, NG (TI is not imported)
    start, end = utc(2022, 6, 1, 12), utc(2022, 6, 1, 13)
    # Lines 54, 55 and 57 of the file: 2022-06-01T13 D 22314, DF 21644, NG 12917.
    assert Record(54, "eia:CISO", "demand", start, end, 22314.0, "MWh") in records
    assert Record(55, "eia:CISO", "demand", start, end, 21644.0, "MWh", timeframe="day-ahead") in records
    assert Record(57, "eia:CISO", "generation", start, end, 12917.0, "MWh") in records
    assert min(r.start for r in records) == utc(2022, 5, 31, 23) and max(r.end for r in records) == utc(2022, 6, 1, 23)


@needs_samples
def test_real_generator_inventory_sample():
    rows = sample("CISO_generator_inventory_2021-06.csv")

    assert not [r for r in rows if isinstance(r, RowError)]
    assert len(rows) == 2369
    assert {r.balancing_authority for r in rows} == {"CISO"}
    assert {r.status for r in rows} == {"OP", "OA", "OS", "SB"}
    # Line 2: Sunrise Power LLC (plant 55182), generator STG, unit CC1, 264.0 MW; the last line: Coalinga
    # Cogeneration (50131) K100, 38.4 MW, out of service.
    assert rows[0].line == 2 and (rows[0].plant_id, rows[0].generator_id, rows[0].nameplate_mw) == (55182, "STG", 264.0)
    assert (rows[-1].line, rows[-1].plant_id, rows[-1].generator_id, rows[-1].status) == (2370, 50131, "K100", "OS")
    assert rows[-1].nameplate_mw == 38.4


# The energy source / prime mover pairs of the inventory sample, read by eye.
SAMPLE_PAIRS = {
    "AB/ST", "DFO/IC", "GEO/BT", "GEO/ST", "JF/GT", "LFG/CA", "LFG/CT", "LFG/FC", "LFG/GT", "LFG/IC", "LFG/ST",
    "MSW/ST", "MWH/BA", "NG/CA", "NG/CS", "NG/CT", "NG/FC", "NG/GT", "NG/IC", "NG/ST", "NUC/ST", "OBG/CA", "OBG/CT",
    "OBG/FC", "OBG/GT", "OBG/IC", "OG/CA", "OG/GT", "OG/OT", "OG/ST", "OTH/ST", "PC/ST", "PG/GT", "PUR/ST", "RC/ST",
    "SUN/PV", "SUN/ST", "WAT/HY", "WAT/PS", "WDS/ST", "WH/ST", "WND/WT",
}  # fmt: skip


@needs_samples
def test_real_generator_inventory_sample_as_units():
    path = Path(SAMPLES) / "eia930" / "CISO_generator_inventory_2021-06.csv"
    assert adapter_for("auto", path.read_text(encoding="utf-8")[:65536]) is INVENTORY_ADAPTER
    with path.open(encoding="utf-8", newline="") as text:
        records = units(text.read())

    assert not [r for r in records if isinstance(r, RowError)]
    assert len(records) == 2369 and len({r.plant_key for r in records}) == 1310
    statuses = [r.properties["status"] for r in records]
    assert {s: statuses.count(s) for s in set(statuses)} == {"OP": 2175, "SB": 113, "OS": 63, "OA": 18}
    assert sum(r.status == UnitStatus.INSTALLED for r in records) == 2175 + 113 + 18
    assert {r.fuel_types[0].removeprefix("eia860:") for r in records} == SAMPLE_PAIRS
    assert len({r.unit_id for r in records}) == 2369  # URL-safe ids stay distinct
