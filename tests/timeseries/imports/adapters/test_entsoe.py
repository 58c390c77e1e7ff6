"""The ENTSO-E adapters: MW per MTU read as MWh per UTC interval (clock changes included), missing cells as nothing,
bad cells as row errors, each layout recognised by its header alone, and the real Transparency Platform exports.
The per-unit layout is also imported end to end and read back from the API."""

import io
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from psr.services import external_identifier_add, psr_upsert
from tests.timeseries.helpers import SAMPLES, needs_samples, utc
from tests.timeseries.imports.helpers import errors, import_text, lines, read, records
from timeseries.imports.adapters import adapter_for, registry
from timeseries.imports.adapters.api_json import ADAPTER as API_JSON
from timeseries.imports.adapters.canonical import ADAPTER as CANONICAL
from timeseries.imports.adapters.entsoe import (
    FLOW_ADAPTER,
    GENERATION_ADAPTER,
    GENERATION_UNIT_ADAPTER,
    LOAD_ADAPTER,
    installed_capacities,
    is_installed_capacity,
)
from timeseries.imports.records import CapacityRecord, ImportFileError, ImportOptions, Record, RowError

ES, FR = "entsoe:BZN|ES", "entsoe:BZN|FR"
GENERATION_HEADER = (
    '"Area","MTU","Biomass  - Actual Aggregated [MW]","Fossil Gas  - Actual Aggregated [MW]",'
    '"Hydro Pumped Storage  - Actual Aggregated [MW]","Hydro Pumped Storage  - Actual Consumption [MW]"'
)
LOAD_HEADER = '"Time (UTC)","Day-ahead Total Load Forecast [MW] - BZN|ES","Actual Total Load [MW] - BZN|ES"'
FLOW_HEADER = '"Time (UTC)","BZN|FR > BZN|ES [MW]","BZN|ES > BZN|FR [MW]"'
CAPACITY_HEADER = '"Production Type","2022 [MW]"'
UNIT_HEADER = '"Time interval","Area","Type","Generation Unit","MTU","Generation [MW]","Consumption [MW]"'
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


# --- Actual Generation per Production Type ---------------------------------------------------------------------------


def test_generation_turns_mw_per_quarter_hour_into_mwh_per_type_of_the_rows_area():
    got = read(
        GENERATION_ADAPTER,
        lines(
            "\ufeff" + GENERATION_HEADER, '"BZN|ES","01.11.2022 00:00 - 01.11.2022 00:15 (UTC)","404","7048","","412"'
        ),
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
            lines(GENERATION_HEADER, '"BZN|ES","01.11.2022 00:00 - 01.11.2022 00:15 (UTC)","1","2","300","412"'),
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
            lines(
                GENERATION_HEADER,
                f'"BZN|ES","01.11.2022 00:00 - 01.11.2022 00:15 (UTC)","{missing}","0","{missing}","{missing}"',
            ),
        )
    )
    assert [(r.fuel_type, r.value) for r in got] == [("entsoe:Fossil Gas", 0.0)]


def test_generation_interval_length_comes_from_each_mtu():
    got = records(
        read(
            GENERATION_ADAPTER,
            lines(
                GENERATION_HEADER,
                '"BZN|DE-LU","01.11.2022 00:00 - 01.11.2022 01:00 (UTC)","100","","",""',
                '"BZN|DE-LU","01.11.2022 01:00 - 01.11.2022 01:30 (UTC)","100","","",""',
                '"BZN|DE-LU","01.11.2022 00:00 - 02.11.2022 00:00 (UTC)","100","","",""',
            ),
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
        lines(
            GENERATION_HEADER,
            '"BZN|ES","01.11.2022 00:00 - 01.11.2022 00:15 (UTC)","4o4","8","",""',
            '"BZN|ES","32.11.2022 00:00 - 01.11.2022 00:15 (UTC)","1","2","",""',
            '"BZN|ES","2022-11-01 00:15 - 2022-11-01 00:30","1","2","",""',
            '"BZN|ES","01.11.2022 00:30 - 01.11.2022 00:45 (UTC)","1"',
        ),
    )
    assert [(e.line, e.column, e.value) for e in errors(got)] == [
        (2, "Biomass  - Actual Aggregated [MW]", "4o4"),
        (3, "MTU", "32.11.2022 00:00 - 01.11.2022 00:15 (UTC)"),
        (4, "MTU", "2022-11-01 00:15 - 2022-11-01 00:30"),
        (5, "", "BZN|ES,01.11.2022 00:30 - 01.11.2022 00:45 (UTC),1"),  # too few fields: the row is shown
    ]
    # The good cell of the row with a bad one is still read.
    assert [(r.line, r.fuel_type, r.value) for r in got if isinstance(r, Record)] == [(2, "entsoe:Fossil Gas", 2.0)]


def test_generation_refuses_a_header_that_is_not_the_layout():
    with pytest.raises(ImportFileError, match="Area, MTU"):
        read(GENERATION_ADAPTER, lines('"Area","Biomass  - Actual Aggregated [MW]"'))


def test_generation_row_with_no_area_goes_to_the_chosen_psr_or_is_an_error():
    row = '"","01.11.2022 00:00 - 01.11.2022 00:15 (UTC)","4","","",""'
    text = lines(GENERATION_HEADER, row)
    assert [r.psr for r in read(GENERATION_ADAPTER, text, psr="EU-CE-ES")] == ["EU-CE-ES"]
    assert [(e.line, e.column) for e in errors(read(GENERATION_ADAPTER, text))] == [(2, "Area")]


def test_an_mtu_with_no_time_zone_needs_the_files_time_zone():
    row = '"BZN|ES","01.11.2022 00:00 - 01.11.2022 00:15","4","","",""'
    [error] = errors(read(GENERATION_ADAPTER, lines(GENERATION_HEADER, row)))
    assert "time zone" in error.reason
    [record] = read(GENERATION_ADAPTER, lines(GENERATION_HEADER, row), timezone=ZoneInfo("Europe/Madrid"))
    assert (record.start, record.end) == (utc(2022, 10, 31, 23), utc(2022, 10, 31, 23, 15))


def test_the_zone_written_in_the_file_wins_over_the_one_given():
    row = '"BZN|ES","01.11.2022 00:00 - 01.11.2022 00:15 (UTC)","4","","",""'
    [record] = read(GENERATION_ADAPTER, lines(GENERATION_HEADER, row), timezone=ZoneInfo("Europe/Madrid"))
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
    got = records(read(GENERATION_ADAPTER, lines(GENERATION_HEADER, *rows)))
    assert len(got) == 25
    assert got[0].start == utc(2022, 10, 29, 22) and got[-1].end == utc(2022, 10, 30, 23)
    for previous, record in pairwise(got):
        assert record.start == previous.end
    assert all(r.end - r.start == timedelta(hours=1) and r.value == 100.0 for r in got)
    assert [r.start for r in got[2:5]] == [utc(2022, 10, 30, 0), utc(2022, 10, 30, 1), utc(2022, 10, 30, 2)]


def test_autumn_quarter_hours_before_the_clocks_go_back_end_in_summer_time():
    quarters = [("02:00", "02:15"), ("02:15", "02:30"), ("02:30", "02:45"), ("02:45", "03:00")]
    got = records(read(GENERATION_ADAPTER, lines(GENERATION_HEADER, *_local_day("30.10.2022", quarters * 2))))
    assert [(r.start, r.end) for r in got] == [
        (utc(2022, 10, 30, 0, 0) + timedelta(minutes=15 * i), utc(2022, 10, 30, 0, 15) + timedelta(minutes=15 * i))
        for i in range(8)
    ]
    assert {r.value for r in got} == {25.0}


@pytest.mark.parametrize("written_end", ["02:00", "03:00"])
def test_spring_clock_change_day_skips_the_missing_hour(written_end):
    quarters = [("01:30", "01:45"), ("01:45", written_end), ("03:00", "03:15")]
    got = records(read(GENERATION_ADAPTER, lines(GENERATION_HEADER, *_local_day("27.03.2022", quarters))))
    assert [(r.start, r.end, r.value) for r in got] == [
        (utc(2022, 3, 27, 0, 30), utc(2022, 3, 27, 0, 45), 25.0),
        (utc(2022, 3, 27, 0, 45), utc(2022, 3, 27, 1, 0), 25.0),
        (utc(2022, 3, 27, 1, 0), utc(2022, 3, 27, 1, 15), 25.0),
    ]


def test_spring_time_that_does_not_exist_is_a_row_error():
    text = lines(GENERATION_HEADER, *_local_day("27.03.2022", [("02:00", "02:15")]))
    [error] = errors(read(GENERATION_ADAPTER, text))
    assert (error.line, error.column) == (2, "MTU") and "does not exist" in error.reason


def test_a_day_long_mtu_in_cet_cest_lasts_23_and_25_hours_on_clock_change_days():
    got = records(
        read(
            LOAD_ADAPTER,
            lines(
                '"Time (CET/CEST)","Actual Total Load [MW] - BZN|ES"',
                '"27.03.2022 00:00 - 28.03.2022 00:00","1000"',
                '"30.10.2022 00:00 - 31.10.2022 00:00","1000"',
            ),
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
        lines(
            LOAD_HEADER.replace("BZN|ES", "BZN|FR", 1),
            '"01.11.2022 00:00 - 01.11.2022 00:15","20111","20092"',
            '"01.11.2022 00:15 - 01.11.2022 00:30","n/e",""',
            '"01.11.2022 00:30 - 01.11.2022 00:45","-","0"',
        ),
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
            lines(
                FLOW_HEADER,
                '"01.11.2022 15:00 - 01.11.2022 16:00","410","8"',
                '"01.11.2022 16:00 - 01.11.2022 17:00","1215","N/A"',
            ),
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
    got = read(FLOW_ADAPTER, lines(FLOW_HEADER, '"01.11.2022 00:00 - 01.11.2022 00:15","-12","100"'))
    assert [(e.line, e.column, e.value) for e in errors(got)] == [(2, "BZN|FR > BZN|ES [MW]", "-12")]
    assert [(r.psr, r.quantity, r.value) for r in got if isinstance(r, Record)] == [
        (ES, "exports", 25.0),
        (FR, "imports", 25.0),
    ]


# --- Actual Generation per Generation Unit ---------------------------------------------------------------------------

ALMARAZ, MUELA = "entsoe:ALMARAZ 1", "entsoe:LA MUELA"
UTC_DAY = "01.11.2022 00:00 - 02.11.2022 00:00 (UTC)"


def _unit_file(blocks: list[tuple[str, str, str, list[tuple[str, str, str]]]]) -> str:
    """A per-unit file as the platform writes it: per block (day with its zone, type, unit name, rows) a heading row
    with the unit's averages, then its rows (time of day, generation, consumption) with the other cells empty."""
    text = [UNIT_HEADER]
    for day, production_type, name, rows in blocks:
        text.append(f'"{day}","CTA|ES","{production_type}","{name}",,"999 (VARY)","N/A"')
        text += [f',,,,"{mtu}","{generation}","{consumption}"' for mtu, generation, consumption in rows]
    return lines(*text)


def _hours(count: int = 24) -> list[str]:
    """The hourly MTUs of a day as the platform writes them: times of day, the last "23:00 - 00:00"."""
    return [f"{h:02d}:00 - {(h + 1) % 24:02d}:00" for h in range(count)]


def _local_hours(*, skip: int | None = None, repeat: int | None = None) -> list[str]:
    """The local hours of a clock-change day as the platform lists them: `skip` left out, `repeat` listed twice."""
    return [mtu for h, mtu in enumerate(_hours()) if h != skip for _ in range(2 if h == repeat else 1)]


def test_unit_hourly_rows_become_mwh_of_the_units_psr_and_the_heading_average_is_not_imported():
    rows = [(mtu, str(1000 + h), "") for h, mtu in enumerate(_hours())]
    got = records(read(GENERATION_UNIT_ADAPTER, "\ufeff" + _unit_file([(UTC_DAY, "Nuclear", "ALMARAZ 1", rows)])))
    # 24 hours of 1000..1023 MW: as many MWh each, labelled by their start in UTC; the heading's 999 is not there.
    assert len(got) == 24 and 999.0 not in {r.value for r in got}
    assert got[0] == Record(3, ALMARAZ, "generation", utc(2022, 11, 1, 0), utc(2022, 11, 1, 1), 1000.0, "MWh",
                            "entsoe:Nuclear")  # fmt: skip
    assert got[-1] == Record(26, ALMARAZ, "generation", utc(2022, 11, 1, 23), utc(2022, 11, 2), 1023.0, "MWh",
                             "entsoe:Nuclear")  # fmt: skip
    for previous, record in pairwise(got):
        assert record.start == previous.end


def test_unit_quarter_hours_are_a_quarter_of_the_mw_and_pumping_is_not_generation():
    quarters = [("00:00 - 00:15", "400", "0"), ("00:15 - 00:30", "0", "250"), ("00:30 - 00:45", "n/e", "250")]
    text = _unit_file([(UTC_DAY, "Hydro Pumped Storage", "LA MUELA", quarters)])
    got = records(read(GENERATION_UNIT_ADAPTER, text))
    assert [(r.psr, r.start, r.end, r.value, r.fuel_type) for r in got] == [
        (MUELA, utc(2022, 11, 1, 0, 0), utc(2022, 11, 1, 0, 15), 100.0, "entsoe:Hydro Pumped Storage"),
        (MUELA, utc(2022, 11, 1, 0, 15), utc(2022, 11, 1, 0, 30), 0.0, "entsoe:Hydro Pumped Storage"),
    ]


@pytest.mark.parametrize("missing", ["", "n/e", "N/A", " n/a ", "N/E"])
def test_unit_missing_values_give_no_record_and_no_error_and_a_zero_is_a_zero(missing):
    rows = [(mtu, missing if h % 2 else "0", "") for h, mtu in enumerate(_hours(4))]
    got = records(read(GENERATION_UNIT_ADAPTER, _unit_file([(UTC_DAY, "Fossil Gas", "BESOS 5", rows)])))
    assert [(r.line, r.start, r.value) for r in got] == [(3, utc(2022, 11, 1, 0), 0.0), (5, utc(2022, 11, 1, 2), 0.0)]


def test_unit_spring_clock_change_day_in_cet_cest_has_23_hours():
    hours = [(mtu, "100", "") for mtu in _local_hours(skip=2)]
    day = "27.03.2022 00:00 - 28.03.2022 00:00 (CET/CEST)"
    got = records(read(GENERATION_UNIT_ADAPTER, _unit_file([(day, "Nuclear", "ALMARAZ 1", hours)])))
    assert len(got) == 23
    assert (got[0].start, got[-1].end) == (utc(2022, 3, 26, 23), utc(2022, 3, 27, 22))
    assert [r.start for r in got[1:3]] == [utc(2022, 3, 27, 0), utc(2022, 3, 27, 1)]  # 01:00 CET, then 03:00 CEST
    assert all(r.end - r.start == timedelta(hours=1) and r.value == 100.0 for r in got)
    for previous, record in pairwise(got):
        assert record.start == previous.end


def test_unit_autumn_clock_change_day_has_25_hours_for_every_unit_of_the_file():
    hours = [(mtu, "100", "") for mtu in _local_hours(repeat=2)]
    day = "30.10.2022 00:00 - 31.10.2022 00:00 (CET/CEST)"
    text = _unit_file([(day, "Nuclear", "ALMARAZ 1", hours), (day, "Hydro Pumped Storage", "LA MUELA", hours)])
    got = records(read(GENERATION_UNIT_ADAPTER, text))
    for psr in (ALMARAZ, MUELA):
        unit = [r for r in got if r.psr == psr]
        assert len(unit) == 25, psr
        assert (unit[0].start, unit[-1].end) == (utc(2022, 10, 29, 22), utc(2022, 10, 30, 23))
        # 02:00 - 03:00 twice: first in summer time (00:00Z), then in winter time (01:00Z).
        assert [r.start for r in unit[2:5]] == [utc(2022, 10, 30, 0), utc(2022, 10, 30, 1), utc(2022, 10, 30, 2)]
        for previous, record in pairwise(unit):
            assert record.start == previous.end


def test_unit_bad_cells_are_row_errors_in_line_order_and_the_rest_is_read():
    got = read(
        GENERATION_UNIT_ADAPTER,
        lines(
            UNIT_HEADER,
            ',,,,"00:00 - 01:00","1012",""',
            f'"{UTC_DAY}","CTA|ES","Nuclear","ALMARAZ 1",,"1011 (VARY)","N/A"',
            ',,,,"01:00 - 02:00","1o12",""',
            ',,,,"02:00 - 02:60","1012",""',
            ',,,,"03:00 - 04:00","1012"',
            ',,,,"04:00 - 05:00","1012",""',
            ',,,,,"1012",""',
            ',,,,"03:00 - 04:00","1012",""',  # the times go back: the next day, outside the heading's day
            '"32.11.2022 00:00 - 02.11.2022 00:00 (UTC)","CTA|ES","Nuclear","ALMARAZ 2",,"1000 (VARY)",""',
            ',,,,"00:00 - 01:00","1000",""',
        ),
    )
    assert [(e.line, e.column, e.value) for e in errors(got)] == [
        (2, "MTU", "00:00 - 01:00"),
        (4, "Generation [MW]", "1o12"),
        (5, "MTU", "02:00 - 02:60"),
        (6, "", ",,,,03:00 - 04:00,1012"),
        (8, "MTU", ""),
        (9, "MTU", "03:00 - 04:00"),
        (10, "Time interval", "32.11.2022 00:00 - 02.11.2022 00:00 (UTC)"),
        (11, "MTU", "00:00 - 01:00"),
    ]
    assert "follows no heading row" in errors(got)[0].reason and "outside" in errors(got)[5].reason
    assert [(r.line, r.start) for r in got if isinstance(r, Record)] == [(7, utc(2022, 11, 1, 4))]
    assert [i.line for i in got] == sorted(i.line for i in got)


def test_unit_heading_naming_no_unit_goes_to_the_chosen_psr_or_is_an_error():
    text = _unit_file([(UTC_DAY, "Nuclear", "", [("00:00 - 01:00", "5", "")])])
    [record] = records(read(GENERATION_UNIT_ADAPTER, text, psr="EU-CE-ES-ALMARAZ-1"))
    assert (record.psr, record.fuel_type, record.value) == ("EU-CE-ES-ALMARAZ-1", "entsoe:Nuclear", 5.0)
    heading, row = read(GENERATION_UNIT_ADAPTER, text)
    assert (heading.line, heading.column) == (2, "Generation Unit") and "names no generation unit" in heading.reason
    assert (row.line, row.column) == (3, "MTU") and "follows no heading row" in row.reason


def test_unit_without_a_type_column_is_the_units_generation_without_a_fuel():
    got = records(
        read(
            GENERATION_UNIT_ADAPTER,
            lines(
                '"Time interval","Generation Unit","MTU","Generation [MW]"',
                f'"{UTC_DAY}","COFRENTES",,"1000 (VARY)"',
                ',,"00:00 - 00:15","1000"',
            ),
        )
    )
    assert [(r.psr, r.fuel_type, r.value) for r in got] == [("entsoe:COFRENTES", None, 250.0)]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ('"Time interval","Generation Unit","MTU"', "'generation \\[mw\\]' is missing"),
        ('"Generation Unit","MTU","Generation [MW]"', "'time interval' is missing"),
        ('"Time interval","MTU","Generation [MW]","Area"', "'generation unit' is missing"),
        (UNIT_HEADER + ',"Comment"', "'Comment' is none of them"),
        (UNIT_HEADER + ',"Generation  [MW]"', "there twice"),
    ],
)
def test_unit_layout_refuses_a_header_it_cannot_read_saying_why(header, message):
    assert not GENERATION_UNIT_ADAPTER.sniff(header)
    with pytest.raises(ImportFileError, match=message):
        read(GENERATION_UNIT_ADAPTER, header)


def test_unit_day_in_a_time_zone_we_do_not_know_is_a_row_error_naming_the_zone():
    text = _unit_file(
        [("01.11.2022 00:00 - 02.11.2022 00:00 (MSK)", "Nuclear", "ALMARAZ 1", [("00:00 - 01:00", "1", "")])]
    )
    heading, row = read(GENERATION_UNIT_ADAPTER, text)
    assert heading.line == 2 and "unknown time zone 'MSK'" in heading.reason
    assert row.line == 3 and "follows no heading row" in row.reason


def test_unit_layout_is_auto_detected_and_no_other_format_claims_it():
    head = _unit_file([(UTC_DAY, "Nuclear", "ALMARAZ 1", [("00:00 - 01:00", "1", "")])])
    assert adapter_for("auto", head) is GENERATION_UNIT_ADAPTER
    assert [name for name, adapter in registry().items() if adapter.sniff(head)] == ["entsoe-generation-unit"]


@pytest.fixture
def units(demo) -> None:
    """Two Spanish units known by their ENTSO-E names."""
    spain = psr_upsert(id="EU-CE-ES", name="Spain", topology_level="Bidding zone", timezone="Europe/Madrid")
    external_identifier_add(psr=spain, identifier="entsoe:BZN|ES")
    for psr_id, name, identifier in (
        ("EU-CE-ES-ALMARAZ-1", "Almaraz 1", ALMARAZ),
        ("EU-CE-ES-LA-MUELA", "La Muela", MUELA),
    ):
        unit = psr_upsert(
            id=psr_id,
            name=name,
            topology_level="Meter (Generator or Load)",
            parent="EU-CE-ES",
            timezone="Europe/Madrid",
        )
        external_identifier_add(psr=unit, identifier=identifier)


UNIT_FILE = "Actual Generation per Generation Unit_202203270000-202203280000_1.csv"


def test_unit_file_imports_and_the_api_serves_each_units_mwh(units, tmp_path, api):
    day = "27.03.2022 00:00 - 28.03.2022 00:00 (CET/CEST)"
    nuclear = [(mtu, "1010", "") for mtu in _local_hours(skip=2)]
    pumping = [(mtu, "n/e" if i < 2 else "240", "300") for i, mtu in enumerate(_local_hours(skip=2))]
    text = _unit_file([(day, "Nuclear", "ALMARAZ 1", nuclear), (day, "Hydro Pumped Storage", "LA MUELA", pumping)])
    job = import_text(tmp_path, text, UNIT_FILE)
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
    again = import_text(tmp_path, text, UNIT_FILE)
    assert (again.rows_inserted, again.rows_updated, again.rows_unchanged) == (0, 0, 44)


def test_unit_unknown_to_the_psrs_fails_the_import_naming_the_identifier_to_add(units, tmp_path):
    text = _unit_file([(UTC_DAY, "Fossil Gas", "BESOS 5", [(m, "500", "") for m in _hours(2)])])
    job = import_text(tmp_path, text, UNIT_FILE)
    assert job.status == "failed"
    reasons = {(e.line, e.value, e.reason) for e in job.errors.all()}
    reason = (
        "no PSR has the external identifier 'entsoe:BESOS 5': add it to the PSR's external identifiers in the admin."
    )
    assert reasons == {(3, "entsoe:BESOS 5", reason), (4, "entsoe:BESOS 5", reason)}


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
    got = list(installed_capacities(io.StringIO(text), "EU-CE-AL"))
    assert got == [
        CapacityRecord(2, "EU-CE-AL", "entsoe:Fossil Oil", utc(2022, 1, 1), utc(2023, 1, 1), 97.0),
        CapacityRecord(3, "EU-CE-AL", "entsoe:Solar", utc(2023, 1, 1), utc(2024, 1, 1), 12.5),
        RowError(4, "2022 [MW]", "lots", "not a number of MW."),
        CapacityRecord(4, "EU-CE-AL", "entsoe:Nuclear", utc(2023, 1, 1), utc(2024, 1, 1), 0.0),
    ]


def test_installed_capacity_refuses_another_layout():
    with pytest.raises(ImportFileError, match="Production Type"):
        list(installed_capacities(io.StringIO(LOAD_HEADER + "\n"), "EU-CE-AL"))


# --- The real samples ------------------------------------------------------------------------------------------------

ENTSOE = Path(SAMPLES) / "entsoe"


def sample(adapter, name: str) -> list[Record]:
    with open(ENTSOE / name, encoding="utf-8") as text:
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
    path = ENTSOE / "Installed Capacity per Production Type_202201010000-202301010000.csv"
    with open(path, encoding="utf-8") as text:
        assert is_installed_capacity(text.read(64 * 1024))
        text.seek(0)
        got = list(installed_capacities(text, "EU-CE-AL"))
    assert len(got) == 20 and all(isinstance(r, CapacityRecord) for r in got)
    year = (utc(2022, 1, 1), utc(2023, 1, 1))
    assert CapacityRecord(7, "EU-CE-AL", "entsoe:Fossil Oil", *year, 97.0) in got
    assert CapacityRecord(12, "EU-CE-AL", "entsoe:Hydro Run-of-river and poundage", *year, 527.0) in got
    assert CapacityRecord(13, "EU-CE-AL", "entsoe:Hydro Water Reservoir", *year, 1676.0) in got
    assert "entsoe:Total Grand capacity" not in {r.fuel_type for r in got}


@needs_samples
def test_real_generation_per_generation_unit_is_the_files_mw_as_mwh_per_hour():
    got = sample(GENERATION_UNIT_ADAPTER, "Actual Generation per Generation Unit_202304150000-202304160000_1.csv")
    # Almaraz 1 on 15 April 2023 (UTC): 24 hours, 967 MW at 00:00, 957 MW at 23:00; the heading's average is not there.
    assert len(got) == 24 and {(r.psr, r.quantity, r.fuel_type) for r in got} == {
        (ALMARAZ, "generation", "entsoe:Nuclear")
    }
    assert [(r.start, r.end) for r in got] == [
        (utc(2023, 4, 15, h), utc(2023, 4, 15, h) + timedelta(hours=1)) for h in range(24)
    ]
    assert [r.value for r in got[:3]] == [967.0, 967.0, 967.0]
    assert (got[14].line, got[14].value, got[-1].value) == (17, 959.0, 957.0)


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
    with open(ENTSOE / name, encoding="utf-8") as text:
        head = text.read(64 * 1024)
    assert not GENERATION_UNIT_ADAPTER.sniff(head)
    assert adapter_for("auto", head).name == fmt
