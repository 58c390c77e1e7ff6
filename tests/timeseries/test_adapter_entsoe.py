"""The ENTSO-E adapters: MW per MTU read as MWh per UTC interval (clock changes included), missing cells as nothing,
bad cells as row errors, each layout recognised by its header alone, and the real Transparency Platform exports.
The per-unit layout (no real sample: see docs/spec-notes.md) is also imported end to end and read back from the API."""

import io
import os
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from psr.services import external_identifier_add, psr_upsert
from timeseries.adapters import adapter_for, registry
from timeseries.adapters.api_json import ADAPTER as API_JSON
from timeseries.adapters.canonical_csv import ADAPTER as CANONICAL
from timeseries.adapters.entsoe import (
    FLOW_ADAPTER,
    GENERATION_ADAPTER,
    GENERATION_UNIT_ADAPTER,
    LOAD_ADAPTER,
    CapacityRow,
    installed_capacity_rows,
    is_installed_capacity,
)
from timeseries.imports.jobs import import_job_create, import_job_run
from timeseries.imports.records import ImportFileError, ImportOptions, Record, RowError

ES, FR = "entsoe:BZN|ES", "entsoe:BZN|FR"
GENERATION_HEADER = (
    '"Area","MTU","Biomass  - Actual Aggregated [MW]","Fossil Gas  - Actual Aggregated [MW]",'
    '"Hydro Pumped Storage  - Actual Aggregated [MW]","Hydro Pumped Storage  - Actual Consumption [MW]"'
)
LOAD_HEADER = '"Time (UTC)","Day-ahead Total Load Forecast [MW] - BZN|ES","Actual Total Load [MW] - BZN|ES"'
FLOW_HEADER = '"Time (UTC)","BZN|FR > BZN|ES [MW]","BZN|ES > BZN|FR [MW]"'
CAPACITY_HEADER = '"Production Type","2022 [MW]"'
UNIT_HEADER = (
    '"Area","Production Type","Generation Unit","Code","MTU (UTC)","Actual Generation Output [MW]",'
    '"Actual Consumption [MW]"'
)
CANONICAL_HEADER = "psr,quantity,start,end,value"
API_JSON_HEAD = '{"id": "US-WECC-CISO", "unit": "MWh", "generation": []}'
HEADERS = {
    "generation": GENERATION_HEADER,
    "load": LOAD_HEADER,
    "flow": FLOW_HEADER,
    "capacity": CAPACITY_HEADER,
    "unit": UNIT_HEADER,
    "canonical": CANONICAL_HEADER,
    "api-json": API_JSON_HEAD,
}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def read(adapter, *lines: str, **options) -> list[Record | RowError]:
    return list(adapter.records(io.StringIO("\n".join(lines) + "\n"), ImportOptions(**options)))


def records(items: list) -> list[Record]:
    assert not [i for i in items if isinstance(i, RowError)]
    return items


def errors(items: list) -> list[RowError]:
    return [i for i in items if isinstance(i, RowError)]


# --- Actual Generation per Production Type ---------------------------------------------------------------------------


def test_generation_turns_mw_per_quarter_hour_into_mwh_per_type_of_the_rows_area():
    got = read(
        GENERATION_ADAPTER,
        "\ufeff" + GENERATION_HEADER,
        '"BZN|ES","01.11.2022 00:00 - 01.11.2022 00:15 (UTC)","404","7048","","412"',
    )
    start, end = utc(2022, 11, 1, 0, 0), utc(2022, 11, 1, 0, 15)
    assert records(got) == [
        Record(2, ES, "generation", start, end, 101.0, "MWh", "entsoe:Biomass"),
        Record(2, ES, "generation", start, end, 1762.0, "MWh", "entsoe:Fossil Gas"),
    ]


def test_generation_leaves_out_pumped_storage_consumption_but_keeps_its_generation():
    got = records(
        read(
            GENERATION_ADAPTER,
            GENERATION_HEADER,
            '"BZN|ES","01.11.2022 00:00 - 01.11.2022 00:15 (UTC)","1","2","300","412"',
        )
    )
    assert [(r.fuel_type, r.value) for r in got] == [
        ("entsoe:Biomass", 0.25),
        ("entsoe:Fossil Gas", 0.5),
        ("entsoe:Hydro Pumped Storage", 75.0),
    ]


@pytest.mark.parametrize("missing", ["", "n/e", "N/A", " n/a ", "N/E"])
def test_generation_missing_cells_give_no_record_and_a_zero_is_a_zero(missing):
    got = records(
        read(
            GENERATION_ADAPTER,
            GENERATION_HEADER,
            f'"BZN|ES","01.11.2022 00:00 - 01.11.2022 00:15 (UTC)","{missing}","0","{missing}","{missing}"',
        )
    )
    assert [(r.fuel_type, r.value) for r in got] == [("entsoe:Fossil Gas", 0.0)]


def test_generation_interval_length_comes_from_each_mtu():
    got = records(
        read(
            GENERATION_ADAPTER,
            GENERATION_HEADER,
            '"BZN|DE-LU","01.11.2022 00:00 - 01.11.2022 01:00 (UTC)","100","","",""',
            '"BZN|DE-LU","01.11.2022 01:00 - 01.11.2022 01:30 (UTC)","100","","",""',
            '"BZN|DE-LU","01.11.2022 00:00 - 02.11.2022 00:00 (UTC)","100","","",""',
        )
    )
    assert [(r.psr, r.start, r.end, r.value) for r in got] == [
        ("entsoe:BZN|DE-LU", utc(2022, 11, 1, 0), utc(2022, 11, 1, 1), 100.0),
        ("entsoe:BZN|DE-LU", utc(2022, 11, 1, 1), utc(2022, 11, 1, 1, 30), 50.0),
        ("entsoe:BZN|DE-LU", utc(2022, 11, 1), utc(2022, 11, 2), 2400.0),
    ]


def test_generation_bad_cells_are_row_errors_naming_line_and_column():
    got = read(
        GENERATION_ADAPTER,
        GENERATION_HEADER,
        '"BZN|ES","01.11.2022 00:00 - 01.11.2022 00:15 (UTC)","4o4","8","",""',
        '"BZN|ES","32.11.2022 00:00 - 01.11.2022 00:15 (UTC)","1","2","",""',
        '"BZN|ES","2022-11-01 00:15 - 2022-11-01 00:30","1","2","",""',
        '"BZN|ES","01.11.2022 00:30 - 01.11.2022 00:45 (UTC)","1"',
    )
    assert [(e.line, e.column, e.value) for e in errors(got)] == [
        (2, "Biomass  - Actual Aggregated [MW]", "4o4"),
        (3, "MTU", "32.11.2022 00:00 - 01.11.2022 00:15 (UTC)"),
        (4, "MTU", "2022-11-01 00:15 - 2022-11-01 00:30"),
        (5, "", ""),
    ]
    # The good cell of the row with a bad one is still read.
    assert [(r.line, r.fuel_type, r.value) for r in got if isinstance(r, Record)] == [(2, "entsoe:Fossil Gas", 2.0)]


def test_generation_refuses_a_header_that_is_not_the_layout():
    with pytest.raises(ImportFileError, match="Area, MTU"):
        read(GENERATION_ADAPTER, '"Area","Biomass  - Actual Aggregated [MW]"')


def test_generation_row_with_no_area_goes_to_the_chosen_psr_or_is_an_error():
    row = '"","01.11.2022 00:00 - 01.11.2022 00:15 (UTC)","4","","",""'
    assert [r.psr for r in read(GENERATION_ADAPTER, GENERATION_HEADER, row, psr="EU-CE-ES")] == ["EU-CE-ES"]
    assert [(e.line, e.column) for e in errors(read(GENERATION_ADAPTER, GENERATION_HEADER, row))] == [(2, "Area")]


def test_an_mtu_with_no_time_zone_needs_the_files_time_zone():
    row = '"BZN|ES","01.11.2022 00:00 - 01.11.2022 00:15","4","","",""'
    [error] = errors(read(GENERATION_ADAPTER, GENERATION_HEADER, row))
    assert "time zone" in error.reason
    [record] = read(GENERATION_ADAPTER, GENERATION_HEADER, row, timezone=ZoneInfo("Europe/Madrid"))
    assert (record.start, record.end) == (utc(2022, 10, 31, 23), utc(2022, 10, 31, 23, 15))


def test_the_zone_written_in_the_file_wins_over_the_one_given():
    row = '"BZN|ES","01.11.2022 00:00 - 01.11.2022 00:15 (UTC)","4","","",""'
    [record] = read(GENERATION_ADAPTER, GENERATION_HEADER, row, timezone=ZoneInfo("Europe/Madrid"))
    assert record.start == utc(2022, 11, 1)


# --- Clock changes in CET/CEST ---------------------------------------------------------------------------------------


def _local_day(day: str, hours: list[str]) -> list[str]:
    return [f'"BZN|ES","{day} {a} - {day} {b} (CET/CEST)","100","","",""' for a, b in hours]


def test_autumn_clock_change_day_in_cet_cest_has_25_hours_one_after_the_other():
    labels = [f"{h:02d}:00" for h in range(24)]
    hours = [(a, b) for a, b in zip(labels, [*labels[1:], "00:00"], strict=True)]
    hours = [*hours[:3], ("02:00", "03:00"), *hours[3:]]  # the platform lists 02:00 - 03:00 twice
    rows = _local_day("30.10.2022", hours)
    rows[-1] = rows[-1].replace("30.10.2022 00:00 (CET", "31.10.2022 00:00 (CET")
    got = records(read(GENERATION_ADAPTER, GENERATION_HEADER, *rows))
    assert len(got) == 25
    assert got[0].start == utc(2022, 10, 29, 22) and got[-1].end == utc(2022, 10, 30, 23)
    for previous, record in pairwise(got):
        assert record.start == previous.end
    assert all(r.end - r.start == timedelta(hours=1) and r.value == 100.0 for r in got)
    assert [r.start for r in got[2:5]] == [utc(2022, 10, 30, 0), utc(2022, 10, 30, 1), utc(2022, 10, 30, 2)]


def test_autumn_quarter_hours_before_the_clocks_go_back_end_in_summer_time():
    quarters = [("02:00", "02:15"), ("02:15", "02:30"), ("02:30", "02:45"), ("02:45", "03:00")]
    got = records(read(GENERATION_ADAPTER, GENERATION_HEADER, *_local_day("30.10.2022", quarters * 2)))
    assert [(r.start, r.end) for r in got] == [
        (utc(2022, 10, 30, 0, 0) + timedelta(minutes=15 * i), utc(2022, 10, 30, 0, 15) + timedelta(minutes=15 * i))
        for i in range(8)
    ]
    assert {r.value for r in got} == {25.0}


@pytest.mark.parametrize("written_end", ["02:00", "03:00"])
def test_spring_clock_change_day_skips_the_missing_hour(written_end):
    quarters = [("01:30", "01:45"), ("01:45", written_end), ("03:00", "03:15")]
    got = records(read(GENERATION_ADAPTER, GENERATION_HEADER, *_local_day("27.03.2022", quarters)))
    assert [(r.start, r.end, r.value) for r in got] == [
        (utc(2022, 3, 27, 0, 30), utc(2022, 3, 27, 0, 45), 25.0),
        (utc(2022, 3, 27, 0, 45), utc(2022, 3, 27, 1, 0), 25.0),
        (utc(2022, 3, 27, 1, 0), utc(2022, 3, 27, 1, 15), 25.0),
    ]


def test_spring_time_that_does_not_exist_is_a_row_error():
    [error] = errors(read(GENERATION_ADAPTER, GENERATION_HEADER, *_local_day("27.03.2022", [("02:00", "02:15")])))
    assert (error.line, error.column) == (2, "MTU") and "does not exist" in error.reason


def test_a_day_long_mtu_in_cet_cest_lasts_23_and_25_hours_on_clock_change_days():
    got = records(
        read(
            LOAD_ADAPTER,
            '"Time (CET/CEST)","Actual Total Load [MW] - BZN|ES"',
            '"27.03.2022 00:00 - 28.03.2022 00:00","1000"',
            '"30.10.2022 00:00 - 31.10.2022 00:00","1000"',
        )
    )
    assert [(r.start, r.end, r.value) for r in got] == [
        (utc(2022, 3, 26, 23), utc(2022, 3, 27, 22), 23000.0),
        (utc(2022, 10, 29, 22), utc(2022, 10, 30, 23), 25000.0),
    ]


# --- Total Load ------------------------------------------------------------------------------------------------------


def test_load_actual_is_demand_and_the_forecast_is_day_ahead_demand_of_the_column_area():
    got = read(
        LOAD_ADAPTER,
        LOAD_HEADER.replace("BZN|ES", "BZN|FR", 1),
        '"01.11.2022 00:00 - 01.11.2022 00:15","20111","20092"',
        '"01.11.2022 00:15 - 01.11.2022 00:30","n/e",""',
        '"01.11.2022 00:30 - 01.11.2022 00:45","-","0"',
    )
    start, end = utc(2022, 11, 1, 0, 0), utc(2022, 11, 1, 0, 15)
    assert [r for r in got if isinstance(r, Record)] == [
        Record(2, FR, "demand", start, end, 5027.75, "MWh", timeframe="day-ahead"),
        Record(2, ES, "demand", start, end, 5023.0, "MWh", timeframe=None),
        Record(4, ES, "demand", end + timedelta(minutes=15), end + timedelta(minutes=30), 0.0, "MWh"),
    ]
    assert [(e.line, e.column, e.value) for e in errors(got)] == [
        (4, "Day-ahead Total Load Forecast [MW] - BZN|FR", "-")
    ]


def test_load_refuses_unknown_columns():
    with pytest.raises(ImportFileError, match="Total Load"):
        read(LOAD_ADAPTER, LOAD_HEADER + ',"Week-ahead Total Load Forecast [MW] - BZN|ES"')


# --- Cross-Border Physical Flow --------------------------------------------------------------------------------------


def test_flow_is_an_export_of_one_side_and_an_import_of_the_other():
    got = records(
        read(
            FLOW_ADAPTER,
            FLOW_HEADER,
            '"01.11.2022 15:00 - 01.11.2022 16:00","410","8"',
            '"01.11.2022 16:00 - 01.11.2022 17:00","1215","N/A"',
        )
    )
    h15, h16, h17 = utc(2022, 11, 1, 15), utc(2022, 11, 1, 16), utc(2022, 11, 1, 17)
    assert got == [
        Record(2, FR, "exports", h15, h16, 410.0, "MWh", connected_psr=ES),
        Record(2, ES, "imports", h15, h16, 410.0, "MWh", connected_psr=FR),
        Record(2, ES, "exports", h15, h16, 8.0, "MWh", connected_psr=FR),
        Record(2, FR, "imports", h15, h16, 8.0, "MWh", connected_psr=ES),
        Record(3, FR, "exports", h16, h17, 1215.0, "MWh", connected_psr=ES),
        Record(3, ES, "imports", h16, h17, 1215.0, "MWh", connected_psr=FR),
    ]


def test_flow_of_a_quarter_hour_is_a_quarter_of_the_mw_and_a_negative_flow_is_a_row_error():
    got = read(FLOW_ADAPTER, FLOW_HEADER, '"01.11.2022 00:00 - 01.11.2022 00:15","-12","100"')
    assert [(e.line, e.column, e.value) for e in errors(got)] == [(2, "BZN|FR > BZN|ES [MW]", "-12")]
    assert [(r.psr, r.quantity, r.value) for r in got if isinstance(r, Record)] == [
        (ES, "exports", 25.0),
        (FR, "imports", 25.0),
    ]


# --- Actual Generation per Generation Unit ---------------------------------------------------------------------------

ALMARAZ, MUELA = "entsoe:18WAMB-1234567-8", "entsoe:18WMUELA-12345-X"


def _unit_rows(header_zone: str, blocks: list[tuple[str, str, str, str, list[tuple[str, str, str]]]]) -> list[str]:
    """A per-unit file: per block (type, name, code, heading MTU) a heading row with the day average, then its rows
    (MTU, generation, consumption) with the unit cells left empty."""
    lines = [UNIT_HEADER.replace("(UTC)", f"({header_zone})")]
    for production_type, name, code, heading, rows in blocks:
        lines.append(f'"BZN|ES","{production_type}","{name}","{code}","{heading}","999",""')
        lines += [f'"","","","","{mtu}","{generation}","{consumption}"' for mtu, generation, consumption in rows]
    return lines


def _hours(day: str, count: int = 24) -> list[str]:
    """The hourly MTUs of a day written as the platform writes them (the last ends at 00:00 of the next day)."""
    d, m, y = (int(p) for p in day.split("."))
    next_day = (datetime(y, m, d) + timedelta(days=1)).strftime("%d.%m.%Y")
    return [f"{day} {h:02d}:00 - {day if h < 23 else next_day} {(h + 1) % 24:02d}:00" for h in range(count)]


def test_unit_hourly_rows_become_mwh_of_the_units_psr_and_the_day_heading_is_not_imported():
    rows = [(mtu, str(1000 + h), "") for h, mtu in enumerate(_hours("01.11.2022"))]
    lines = _unit_rows(
        "UTC", [("Nuclear", "Almaraz 1", "18WAMB-1234567-8", "01.11.2022 00:00 - 02.11.2022 00:00", rows)]
    )
    got = records(read(GENERATION_UNIT_ADAPTER, "\ufeff" + lines[0], *lines[1:]))
    # 24 hours of 1000..1023 MW: as many MWh each, labelled by their start in UTC; the heading's 999 is not there.
    assert len(got) == 24 and 999.0 not in {r.value for r in got}
    assert got[0] == Record(3, ALMARAZ, "generation", utc(2022, 11, 1, 0), utc(2022, 11, 1, 1), 1000.0, "MWh",
                            "entsoe:Nuclear")  # fmt: skip
    assert got[-1] == Record(26, ALMARAZ, "generation", utc(2022, 11, 1, 23), utc(2022, 11, 2), 1023.0, "MWh",
                             "entsoe:Nuclear")  # fmt: skip
    for previous, record in pairwise(got):
        assert record.start == previous.end


def test_unit_quarter_hours_are_a_quarter_of_the_mw_and_pumping_is_not_generation():
    quarters = [
        ("01.11.2022 00:00 - 01.11.2022 00:15", "400", "0"),
        ("01.11.2022 00:15 - 01.11.2022 00:30", "0", "250"),
        ("01.11.2022 00:30 - 01.11.2022 00:45", "n/e", "250"),
    ]
    lines = _unit_rows(
        "UTC",
        [("Hydro Pumped Storage", "La Muela", "18WMUELA-12345-X", "01.11.2022 00:00 - 01.11.2022 01:00", quarters)],
    )
    got = records(read(GENERATION_UNIT_ADAPTER, *lines))
    assert [(r.start, r.end, r.value, r.fuel_type) for r in got] == [
        (utc(2022, 11, 1, 0, 0), utc(2022, 11, 1, 0, 15), 100.0, "entsoe:Hydro Pumped Storage"),
        (utc(2022, 11, 1, 0, 15), utc(2022, 11, 1, 0, 30), 0.0, "entsoe:Hydro Pumped Storage"),
    ]


@pytest.mark.parametrize("missing", ["", "n/e", "N/A", " n/a ", "N/E"])
def test_unit_missing_values_give_no_record_and_no_error_and_a_zero_is_a_zero(missing):
    rows = [(mtu, missing if h % 2 else "0", "") for h, mtu in enumerate(_hours("01.11.2022", 4))]
    lines = _unit_rows(
        "UTC", [("Fossil Gas", "Besos 5", "18WBES5-1234567Z", "01.11.2022 00:00 - 02.11.2022 00:00", rows)]
    )
    got = records(read(GENERATION_UNIT_ADAPTER, *lines))
    assert [(r.line, r.start, r.value) for r in got] == [(3, utc(2022, 11, 1, 0), 0.0), (5, utc(2022, 11, 1, 2), 0.0)]


def test_unit_spring_clock_change_day_in_cet_cest_has_23_hours():
    hours = [(f"{a} - {b}", "100", "") for a, b in _local_hours("27.03.2022", skip=2)]
    lines = _unit_rows(
        "CET/CEST", [("Nuclear", "Almaraz 1", "18WAMB-1234567-8", "27.03.2022 00:00 - 28.03.2022 00:00", hours)]
    )
    got = records(read(GENERATION_UNIT_ADAPTER, *lines))
    assert len(got) == 23
    assert (got[0].start, got[-1].end) == (utc(2022, 3, 26, 23), utc(2022, 3, 27, 22))
    assert [r.start for r in got[1:3]] == [utc(2022, 3, 27, 0), utc(2022, 3, 27, 1)]  # 01:00 CET, then 03:00 CEST
    assert all(r.end - r.start == timedelta(hours=1) and r.value == 100.0 for r in got)
    for previous, record in pairwise(got):
        assert record.start == previous.end


def test_unit_autumn_clock_change_day_has_25_hours_for_every_unit_of_the_file():
    hours = [(f"{a} - {b}", "100", "") for a, b in _local_hours("30.10.2022", repeat=2)]
    day = "30.10.2022 00:00 - 31.10.2022 00:00"
    lines = _unit_rows(
        "CET/CEST",
        [
            ("Nuclear", "Almaraz 1", "18WAMB-1234567-8", day, hours),
            ("Hydro Pumped Storage", "La Muela", "", day, hours),
        ],
    )
    got = records(read(GENERATION_UNIT_ADAPTER, *lines))
    for psr in (ALMARAZ, "entsoe:La Muela"):
        unit = [r for r in got if r.psr == psr]
        assert len(unit) == 25, psr
        assert (unit[0].start, unit[-1].end) == (utc(2022, 10, 29, 22), utc(2022, 10, 30, 23))
        # 02:00 - 03:00 twice: first in summer time (00:00Z), then in winter time (01:00Z).
        assert [r.start for r in unit[2:5]] == [utc(2022, 10, 30, 0), utc(2022, 10, 30, 1), utc(2022, 10, 30, 2)]
        for previous, record in pairwise(unit):
            assert record.start == previous.end


def test_unit_autumn_repeated_hour_is_read_per_unit_when_the_units_take_turns_row_by_row():
    hours = _local_hours("30.10.2022", repeat=2)[1:5]  # 01:00, 02:00, 02:00 again, 03:00
    rows = [
        f'"BZN|ES","Nuclear","","{code}","{a} - {b}","100",""'
        for a, b in hours
        for code in ("18WAMB-1234567-8", "18WAMB-2345678-9")
    ]
    got = records(read(GENERATION_UNIT_ADAPTER, UNIT_HEADER.replace("(UTC)", "(CET/CEST)"), *rows))
    for psr in (ALMARAZ, "entsoe:18WAMB-2345678-9"):
        assert [r.start for r in got if r.psr == psr] == [
            utc(2022, 10, 29, 23),
            utc(2022, 10, 30, 0),
            utc(2022, 10, 30, 1),
            utc(2022, 10, 30, 2),
        ], psr


def _local_hours(day: str, *, skip: int | None = None, repeat: int | None = None) -> list[tuple[str, str]]:
    """The local hours of a clock-change day as the platform lists them: `skip` left out, `repeat` listed twice."""
    d, m, y = (int(p) for p in day.split("."))
    next_day = (datetime(y, m, d) + timedelta(days=1)).strftime("%d.%m.%Y")
    hours = []
    for h in range(24):
        if h == skip:
            continue
        end = f"{next_day} 00:00" if h == 23 else f"{day} {h + 1:02d}:00"
        hours += [(f"{day} {h:02d}:00", end)] * (2 if h == repeat else 1)
    return hours


def test_unit_identifier_is_the_code_else_an_eic_given_with_the_name_else_the_name():
    header = UNIT_HEADER
    rows = [
        '"BZN|ES","Nuclear","Almaraz 1","18WAMB-1234567-8","01.11.2022 00:00 - 01.11.2022 01:00","1",""',
        '"BZN|ES","Nuclear","Almaraz 2 (18WAMB-2345678-9)","","01.11.2022 00:00 - 01.11.2022 01:00","2",""',
        '"BZN|ES","Nuclear","18WTRILLO-12345Q","","01.11.2022 00:00 - 01.11.2022 01:00","3",""',
        '"BZN|ES","Nuclear","Cofrentes","","01.11.2022 00:00 - 01.11.2022 01:00","4",""',
    ]
    got = records(read(GENERATION_UNIT_ADAPTER, header, *rows))
    assert [(r.psr, r.value) for r in got] == [
        (ALMARAZ, 1.0),
        ("entsoe:18WAMB-2345678-9", 2.0),
        ("entsoe:18WTRILLO-12345Q", 3.0),
        ("entsoe:Cofrentes", 4.0),
    ]


def test_unit_flat_rows_naming_the_unit_each_time_are_all_data():
    rows = [f'"BZN|ES","Fossil Gas","","18WBES5-1234567Z","{mtu}","200",""' for mtu in _hours("01.11.2022", 3)]
    got = records(read(GENERATION_UNIT_ADAPTER, UNIT_HEADER, *rows))
    assert [(r.line, r.start, r.value) for r in got] == [
        (2, utc(2022, 11, 1, 0), 200.0),
        (3, utc(2022, 11, 1, 1), 200.0),
        (4, utc(2022, 11, 1, 2), 200.0),
    ]


def test_unit_heading_without_an_mtu_names_the_unit_of_the_rows_below():
    got = records(
        read(
            GENERATION_UNIT_ADAPTER,
            UNIT_HEADER,
            '"BZN|ES","Nuclear","Almaraz 1","18WAMB-1234567-8","","1011.5","0"',
            '"","","","","01.11.2022 00:00 - 01.11.2022 01:00","1012",""',
        )
    )
    assert [(r.line, r.psr, r.value) for r in got] == [(3, ALMARAZ, 1012.0)]


def test_unit_bad_cells_are_row_errors_in_line_order_and_the_rest_is_read():
    got = read(
        GENERATION_UNIT_ADAPTER,
        UNIT_HEADER,
        '"BZN|ES","Nuclear","Almaraz 1","18WAMB-1234567-8","01.11.2022 00:00 - 02.11.2022 00:00","1011",""',
        '"","","","","01.11.2022 00:00 - 01.11.2022 01:00","1o12",""',
        '"","","","","32.11.2022 01:00 - 01.11.2022 02:00","1012",""',
        '"","","","","01.11.2022 02:00 - 01.11.2022 03:00","1012"',
        '"","","","","01.11.2022 03:00 - 01.11.2022 04:00","1012",""',
        '"BZN|ES","Nuclear","Trillo","","","1000",""',
    )
    assert [(e.line, e.column, e.value) for e in errors(got)] == [
        (3, "Actual Generation Output [MW]", "1o12"),
        (4, "MTU (UTC)", "32.11.2022 01:00 - 01.11.2022 02:00"),
        (5, "", ""),
        (7, "MTU (UTC)", ""),
    ]
    assert [(r.line, r.start) for r in got if isinstance(r, Record)] == [(6, utc(2022, 11, 1, 3))]
    assert [i.line for i in got] == sorted(i.line for i in got)


def test_unit_rows_naming_no_unit_go_to_the_chosen_psr_or_are_errors():
    row = '"BZN|ES","Nuclear","","","01.11.2022 00:00 - 01.11.2022 01:00","5",""'
    [record] = records(read(GENERATION_UNIT_ADAPTER, UNIT_HEADER, row, psr="EU-CE-ES-ALMARAZ-1"))
    assert (record.psr, record.fuel_type, record.value) == ("EU-CE-ES-ALMARAZ-1", "entsoe:Nuclear", 5.0)
    [error] = read(GENERATION_UNIT_ADAPTER, UNIT_HEADER, row)
    assert (error.line, error.column) == (2, "Code") and "names no generation unit" in error.reason
    # A heading row naming nothing and holding no value (an interval heading) is not an error.
    assert read(GENERATION_UNIT_ADAPTER, UNIT_HEADER, '"","","","","01.11.2022 00:00 - 02.11.2022 00:00","",""') == []


def test_unit_without_a_production_type_is_the_units_generation_without_a_fuel():
    got = records(
        read(
            GENERATION_UNIT_ADAPTER,
            '"Generation Unit","MTU","Actual Generation Output [MW]"',
            '"Cofrentes","01.11.2022 00:00 - 01.11.2022 00:15 (UTC)","1000"',
        )
    )
    assert [(r.psr, r.fuel_type, r.value) for r in got] == [("entsoe:Cofrentes", None, 250.0)]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ('"Generation Unit","Code","MTU (UTC)"', "required"),
        ('"Code","Actual Generation Output [MW]"', "required"),
        ('"MTU (UTC)","Actual Generation Output [MW]","Area"', "required"),
        (UNIT_HEADER + ',"Comment"', "'Comment' is none of them"),
        (UNIT_HEADER + ',"Generation [MW]"', "same column"),
    ],
)
def test_unit_layout_refuses_a_header_it_cannot_read_saying_why(header, message):
    assert not GENERATION_UNIT_ADAPTER.sniff(header)
    with pytest.raises(ImportFileError, match=message):
        read(GENERATION_UNIT_ADAPTER, header)


def test_unit_layout_with_a_time_zone_we_do_not_know_is_recognised_and_refused_naming_the_zone():
    header = UNIT_HEADER.replace("(UTC)", "(MSK)")
    assert GENERATION_UNIT_ADAPTER.sniff(header)
    with pytest.raises(ImportFileError, match="unknown time zone 'MSK'"):
        read(GENERATION_UNIT_ADAPTER, header)


def test_unit_layout_is_auto_detected_and_no_other_format_claims_it():
    head = (
        UNIT_HEADER
        + '\n"BZN|ES","Nuclear","Almaraz 1","18WAMB-1234567-8","01.11.2022 00:00 - 01.11.2022 01:00","1",""\n'
    )
    assert adapter_for("auto", head) is GENERATION_UNIT_ADAPTER
    assert [name for name, adapter in registry().items() if adapter.sniff(head)] == ["entsoe-generation-unit"]
    assert GENERATION_UNIT_ADAPTER.sniff('"Generation Unit","MTU (CET/CEST)","Generation [MW]","Consumption [MW]"')


@pytest.fixture
def units(demo) -> None:
    """Two Spanish units: Almaraz 1 known by its EIC code, La Muela by its name."""
    spain = psr_upsert(id="EU-CE-ES", name="Spain", topology_level="Bidding zone", timezone="Europe/Madrid")
    external_identifier_add(psr=spain, identifier="entsoe:BZN|ES")
    for psr_id, name, identifier in (
        ("EU-CE-ES-ALMARAZ-1", "Almaraz 1", ALMARAZ),
        ("EU-CE-ES-LA-MUELA", "La Muela", "entsoe:La Muela"),
    ):
        unit = psr_upsert(
            id=psr_id,
            name=name,
            topology_level="Meter (Generator or Load)",
            parent="EU-CE-ES",
            timezone="Europe/Madrid",
        )
        external_identifier_add(psr=unit, identifier=identifier)


def _import(tmp_path, lines: list[str], **options):
    path = tmp_path / "Actual Generation per Generation Unit_202203270000-202203280000.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return import_job_run(job_id=import_job_create(source_path=str(path), **options).pk)


def test_unit_file_imports_and_the_api_serves_each_units_mwh(units, tmp_path, api):
    day = "27.03.2022 00:00 - 28.03.2022 00:00"
    nuclear = [(f"{a} - {b}", "1010", "") for a, b in _local_hours("27.03.2022", skip=2)]
    pumping = [
        (f"{a} - {b}", "n/e" if i < 2 else "240", "300") for i, (a, b) in enumerate(_local_hours("27.03.2022", skip=2))
    ]
    lines = _unit_rows(
        "CET/CEST",
        [
            ("Nuclear", "Almaraz 1", "18WAMB-1234567-8", day, nuclear),
            ("Hydro Pumped Storage", "La Muela", "", day, pumping),
        ],
    )
    job = _import(tmp_path, lines)
    assert job.status == "succeeded", (job.message, [e.reason for e in job.errors.all()[:5]])
    assert (job.detected_format, job.rows_inserted, job.rows_rejected) == ("entsoe-generation-unit", 23 + 21, 0)
    window = "startDatetime=2022-03-26T23:00:00Z&endDatetime=2022-03-27T22:00:00Z"
    almaraz = api.get(f"/power-system-resources/EU-CE-ES-ALMARAZ-1/timeseries/generation?{window}").json()
    hours = almaraz["generation"]
    assert len(hours) == 23  # the spring day has 23 hours
    assert (hours[1]["startDatetime"], hours[1]["endDatetime"]) == ("2022-03-27T00:00:00Z", "2022-03-27T01:00:00Z")
    assert {h["value"] for h in hours} == {1010.0}  # 1010 MW for an hour
    [nuclear_fuel] = hours[0]["valueByFuelSource"]
    assert nuclear_fuel["type"].startswith("Nuclear") and nuclear_fuel["value"] == 1010.0
    muela = api.get(f"/power-system-resources/EU-CE-ES-LA-MUELA/timeseries/generation?{window}").json()["generation"]
    # The first two hours are n/e (no point, not zero); the 300 MW of pumping are not generation.
    assert muela[0]["startDatetime"] == "2022-03-27T01:00:00Z"
    assert [h["value"] for h in muela] == [240.0] * 21
    again = _import(tmp_path, lines)
    assert (again.rows_inserted, again.rows_updated, again.rows_unchanged) == (0, 0, 44)


def test_unit_unknown_to_the_psrs_fails_the_import_naming_the_identifier_to_add(units, tmp_path):
    rows = [(mtu, "500", "") for mtu in _hours("01.11.2022", 2)]
    lines = _unit_rows(
        "UTC", [("Fossil Gas", "Besos 5", "18WBES5-1234567Z", "01.11.2022 00:00 - 02.11.2022 00:00", rows)]
    )
    job = _import(tmp_path, lines)
    assert job.status == "failed"
    reasons = {(e.line, e.value, e.reason) for e in job.errors.all()}
    reason = (
        "no PSR has the external identifier 'entsoe:18WBES5-1234567Z': add it to the PSR's external identifiers "
        "in the admin."
    )
    assert reasons == {(3, "entsoe:18WBES5-1234567Z", reason), (4, "entsoe:18WBES5-1234567Z", reason)}


# --- Sniffing --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("adapter", "own"),
    [
        (GENERATION_ADAPTER, "generation"),
        (LOAD_ADAPTER, "load"),
        (FLOW_ADAPTER, "flow"),
        (GENERATION_UNIT_ADAPTER, "unit"),
    ],
)
def test_each_adapter_recognises_its_own_header_and_no_other(adapter, own):
    claimed = [name for name, header in HEADERS.items() if adapter.sniff("\ufeff" + header + "\n1,2\n")]
    assert claimed == [own]


def test_other_time_zone_notes_in_headers_are_still_recognised():
    assert GENERATION_ADAPTER.sniff(GENERATION_HEADER.replace('"MTU"', '"MTU (CET/CEST)"'))
    assert LOAD_ADAPTER.sniff(LOAD_HEADER.replace("Time (UTC)", "Time (CET/CEST)"))
    assert FLOW_ADAPTER.sniff(FLOW_HEADER.replace("Time (UTC)", "Time (CET/CEST)"))


def test_the_installed_capacity_header_is_recognised_and_the_others_are_not():
    assert [name for name, header in HEADERS.items() if is_installed_capacity(header)] == ["capacity"]


def test_canonical_and_api_json_do_not_claim_entsoe_headers():
    for header in (GENERATION_HEADER, LOAD_HEADER, FLOW_HEADER, CAPACITY_HEADER, UNIT_HEADER):
        assert not CANONICAL.sniff(header) and not API_JSON.sniff(header)


# --- Installed Capacity per Production Type --------------------------------------------------------------------------


def test_installed_capacity_rows_leave_out_the_total_and_missing_cells():
    text = "\n".join(
        [
            '"Production Type","2022 [MW]","2023 [MW]"',
            '"Fossil Oil","97","n/e"',
            '"Solar","","12.5"',
            '"Nuclear","lots","0"',
            '"Total Grand capacity","2300","2400"',
        ]
    )
    got = list(installed_capacity_rows(io.StringIO(text)))
    assert got == [
        CapacityRow(2, "Fossil Oil", 2022, 97.0),
        CapacityRow(3, "Solar", 2023, 12.5),
        RowError(4, "2022 [MW]", "lots", "not a number of MW."),
        CapacityRow(4, "Nuclear", 2023, 0.0),
    ]


def test_installed_capacity_refuses_another_layout():
    with pytest.raises(ImportFileError, match="Production Type"):
        list(installed_capacity_rows(io.StringIO(LOAD_HEADER + "\n")))


# --- The real samples ------------------------------------------------------------------------------------------------

SAMPLES = Path(os.environ.get("CDSC_SAMPLE_DATA", ".")) / "entsoe"
needs_samples = pytest.mark.skipif(
    not os.environ.get("CDSC_SAMPLE_DATA"), reason="CDSC_SAMPLE_DATA is not set (path of the real sample data)"
)


def sample(adapter, name: str) -> list[Record]:
    with open(SAMPLES / name, encoding="utf-8") as text:
        assert adapter.sniff(text.read(64 * 1024))
        text.seek(0)
        return records(list(adapter.records(text, ImportOptions())))


@needs_samples
def test_real_generation_per_production_type():
    got = sample(GENERATION_ADAPTER, "Actual Generation per Production Type_202211010000-202211020000.csv")
    # 96 quarter hours x 19 types: Hydro Pumped Storage's generation is empty all day, its consumption is left out.
    assert len(got) == 96 * 19
    assert {r.psr for r in got} == {ES} and {r.quantity for r in got} == {"generation"}
    assert "entsoe:Hydro Pumped Storage" not in {r.fuel_type for r in got}
    assert (got[0].start, got[-1].end) == (utc(2022, 11, 1), utc(2022, 11, 2))
    by_key = {(r.line, r.fuel_type): r for r in got}
    q0, q1 = utc(2022, 11, 1, 0, 0), utc(2022, 11, 1, 0, 15)
    # Line 2, 00:00-00:15: Biomass 404 MW, Fossil Gas 7048 MW, Nuclear 4980 MW.
    assert by_key[2, "entsoe:Biomass"] == Record(2, ES, "generation", q0, q1, 101.0, "MWh", "entsoe:Biomass")
    assert by_key[2, "entsoe:Fossil Gas"].value == 1762.0
    assert by_key[2, "entsoe:Nuclear"].value == 1245.0
    # Line 50, 12:00-12:15: Solar 9312 MW; line 97, 23:45-24:00: Wind Onshore 1508 MW.
    solar = by_key[50, "entsoe:Solar"]
    assert (solar.start, solar.end, solar.value) == (utc(2022, 11, 1, 12), utc(2022, 11, 1, 12, 15), 2328.0)
    wind = by_key[97, "entsoe:Wind Onshore"]
    assert (wind.start, wind.value) == (utc(2022, 11, 1, 23, 45), 377.0)


@needs_samples
def test_real_total_load():
    got = sample(LOAD_ADAPTER, "Total Load - Day Ahead _ Actual_202211010000-202211020000.csv")
    assert len(got) == 96 * 2
    assert (got[0].start, got[-1].end) == (utc(2022, 11, 1), utc(2022, 11, 2))
    q0, q1 = utc(2022, 11, 1, 0, 0), utc(2022, 11, 1, 0, 15)
    # Line 2: forecast 20111 MW, actual 20092 MW; line 97: forecast 19751 MW, actual 20128 MW.
    assert got[:2] == [
        Record(2, ES, "demand", q0, q1, 5027.75, "MWh", timeframe="day-ahead"),
        Record(2, ES, "demand", q0, q1, 5023.0, "MWh", timeframe=None),
    ]
    assert [(r.line, r.value, r.timeframe) for r in got[-2:]] == [(97, 4937.75, "day-ahead"), (97, 5032.0, None)]


@needs_samples
def test_real_cross_border_physical_flow():
    got = sample(FLOW_ADAPTER, "Cross-Border Physical Flow_202211010000-202211020000.csv")
    assert len(got) == 24 * 2 * 2
    assert (got[0].start, got[-1].end) == (utc(2022, 11, 1), utc(2022, 11, 2))
    # Line 17, 15:00-16:00: FR > ES 410 MW, ES > FR 8 MW.
    line17 = {(r.psr, r.quantity, r.connected_psr): r.value for r in got if r.line == 17}
    assert line17 == {
        (FR, "exports", ES): 410.0,
        (ES, "imports", FR): 410.0,
        (ES, "exports", FR): 8.0,
        (FR, "imports", ES): 8.0,
    }
    assert {r.start for r in got if r.line == 17} == {utc(2022, 11, 1, 15)}


@needs_samples
def test_real_installed_capacity():
    path = SAMPLES / "Installed Capacity per Production Type_202201010000-202301010000.csv"
    with open(path, encoding="utf-8") as text:
        assert is_installed_capacity(text.read(64 * 1024))
        text.seek(0)
        got = list(installed_capacity_rows(text))
    assert len(got) == 20 and all(isinstance(r, CapacityRow) for r in got)
    assert CapacityRow(7, "Fossil Oil", 2022, 97.0) in got
    assert CapacityRow(12, "Hydro Run-of-river and poundage", 2022, 527.0) in got
    assert CapacityRow(13, "Hydro Water Reservoir", 2022, 1676.0) in got
    assert "Total Grand capacity" not in {r.production_type for r in got}


@needs_samples
@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("Actual Generation per Production Type_202211010000-202211020000.csv", "entsoe-generation"),
        ("Total Load - Day Ahead _ Actual_202211010000-202211020000.csv", "entsoe-load"),
        ("Cross-Border Physical Flow_202211010000-202211020000.csv", "entsoe-flow"),
        ("Installed Capacity per Production Type_202201010000-202301010000.csv", "entsoe-capacity"),
    ],
)
def test_real_samples_are_detected_as_their_own_format_not_as_the_per_unit_one(name, fmt):
    with open(SAMPLES / name, encoding="utf-8") as text:
        head = text.read(64 * 1024)
    assert not GENERATION_UNIT_ADAPTER.sniff(head)
    assert adapter_for("auto", head).name == fmt
