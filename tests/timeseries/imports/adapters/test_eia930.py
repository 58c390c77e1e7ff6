"""The EIA-930 adapters (fuel-type, interchange and region data, CSV and JSON): hour-ending periods become
start-labelled intervals, signed interchange becomes two non-negative flows, missing values write nothing, bad
cells are row errors; and, with CDSC_SAMPLE_DATA, the real samples read as published."""

import itertools
import json
from datetime import datetime
from pathlib import Path

import pytest

from tests.timeseries.helpers import HOUR, SAMPLES, needs_samples, utc
from tests.timeseries.imports.helpers import lines, read
from timeseries.imports.adapters.api_json import ADAPTER as API_JSON
from timeseries.imports.adapters.canonical import ADAPTER as CANONICAL
from timeseries.imports.adapters.eia930 import ADAPTERS, FUEL_TYPE_ADAPTER, INTERCHANGE_ADAPTER, REGION_ADAPTER
from timeseries.imports.records import ImportFileError, ImportOptions, Record, RowError

from .eia import FUEL_HEADER, HEADS, INTERCHANGE_HEADER, REGION_HEADER, api_json

CISO = "CISO,California Independent System Operator"


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
        lines(
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
        lines(FUEL_HEADER, f"2021-06-01T23,{CISO},OTH,Other,-202,megawatthours", f"2021-06-01T23,{CISO},COL,Coal,0,"),
    )

    assert [r.value for r in records] == [-202.0, 0.0]


def test_missing_values_give_no_record_and_no_error():
    records = read(
        FUEL_TYPE_ADAPTER,
        lines(
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
        lines(
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
        lines(FUEL_HEADER, "2021-06-01T01,CISO,NG,1205", "", f"2021-06-01T02,{CISO},NG,Natural gas,7,megawatthours"),
    )

    assert isinstance(records[0], RowError) and records[0].line == 2 and "expected 7 fields" in records[0].reason
    assert records[1:] == [gen("2021-06-01T02", 7.0, "NG", 4)]


def test_a_header_without_the_layout_columns_is_refused_listing_them():
    with pytest.raises(ImportFileError) as exc:
        read(FUEL_TYPE_ADAPTER, lines("period,respondent,value", "2021-06-01T01,CISO,5"))

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
        FUEL_TYPE_ADAPTER, lines(FUEL_HEADER, *(f"{p},{CISO},NG,Natural gas,1,megawatthours" for p in periods))
    )

    assert [r.start for r in records] == [utc(2021, 3, 14, h) for h in range(7, 12)]
    assert all(a.end == b.start for a, b in itertools.pairwise(records))


def test_local_hourly_periods_with_their_offset_become_utc_across_the_clock_changes():
    # The API's local-hourly frequency: local hour ending, with the UTC offset. Spring: 01-08 is followed by
    # 03-07 (02:00 local never happens); autumn: 01-07 then 01-08 (the hour that happens twice).
    spring = ["2021-03-14T01-08", "2021-03-14T03-07"]
    autumn = ["2021-11-07T01-07", "2021-11-07T01-08", "2021-11-07T02-08"]
    rows = [f"{p},{CISO},NG,Natural gas,1,megawatthours" for p in spring + autumn]
    records = read(FUEL_TYPE_ADAPTER, lines(FUEL_HEADER, *rows))

    assert [(r.start, r.end) for r in records] == [
        (utc(2021, 3, 14, 8), utc(2021, 3, 14, 9)),
        (utc(2021, 3, 14, 9), utc(2021, 3, 14, 10)),
        (utc(2021, 11, 7, 7), utc(2021, 11, 7, 8)),
        (utc(2021, 11, 7, 8), utc(2021, 11, 7, 9)),
        (utc(2021, 11, 7, 9), utc(2021, 11, 7, 10)),
    ]


def test_a_daily_period_is_a_row_error():
    [error] = read(FUEL_TYPE_ADAPTER, lines(FUEL_HEADER, f"2021-06-01,{CISO},NG,Natural gas,1,megawatthours"))

    assert error.column == "period" and "hourly" in error.reason


# ---------------------------------------------------------------- interchange data


def test_signed_interchange_becomes_a_non_negative_import_and_export_per_row():
    records = read(
        INTERCHANGE_ADAPTER,
        lines(
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
    records = read(INTERCHANGE_ADAPTER, lines(INTERCHANGE_HEADER, f"2021-06-01T00,{CISO},SRP,Salt River,,"))

    assert records == []


def test_interchange_with_no_neighbour_is_a_row_error():
    [error] = read(INTERCHANGE_ADAPTER, lines(INTERCHANGE_HEADER, f"2021-06-01T00,{CISO},,,-935,megawatthours"))

    assert (error.line, error.column) == (2, "toba")


# ---------------------------------------------------------------- region data


def test_region_data_gives_demand_forecast_and_total_net_generation_but_not_total_interchange():
    records = read(
        REGION_ADAPTER,
        lines(
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
    [error] = read(REGION_ADAPTER, lines(REGION_HEADER, f"2022-06-01T13,{CISO},CO2,Emissions,5,megawatthours"))

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
    assert [a.name for a in ADAPTERS] == ["eia930-fuel-type", "eia930-interchange", "eia930-region"]


# ---------------------------------------------------------------- the real samples


def sample(name: str) -> list:
    path = Path(SAMPLES) / "eia930" / name
    adapter = next((a for a in ADAPTERS if a.sniff(path.read_text(encoding="utf-8")[:65536])), None)
    with path.open(encoding="utf-8", newline="") as text:
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
