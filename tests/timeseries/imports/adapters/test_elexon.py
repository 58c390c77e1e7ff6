"""The Elexon BMRS adapters: settlement periods timed in UK local time (46 and 50 on clock-change days), MW over half
hours as MWh, signed interconnector flows as imports and exports, revisions, and the real samples."""

import io
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from tests.timeseries.helpers import SAMPLES, needs_samples, utc
from tests.timeseries.imports.helpers import errors, lines, read
from timeseries.imports.adapters.capacity import ELEXON_ADAPTER as CAPACITY_ADAPTER
from timeseries.imports.adapters.elexon import GENERATION_ADAPTER, INTERCONNECTOR_ADAPTER
from timeseries.imports.records import CapacityRecord, ImportFileError, ImportOptions, Record, RowError

GB = "GB"
HALF_HOUR = timedelta(minutes=30)

GEN_HEADER = (
    "DocumentType,BusinessType,ProcessType,TimeSeriesID,Quantity,CurveType,Resolution,SettlementDate,"
    "SettlementPeriod,PowerSystemResourceType,ActiveFlag,DocumentID,DocumentRevNum,datetime"
)
FLOW_HEADER = (
    "recordType,settlementDate,startTimeOfHalfHrPeriod,intfrGeneration,intirlGeneration,intnedGeneration,"
    "intewGeneration,intnemGeneration,intelecGeneration,intifa2Generation,intnslGeneration,activeFlag"
)
CAPACITY_HEADER = (
    "DocumentType,BusinessType,ProcessType,TimeSeriesID,Quantity,Resolution,Year,PowerSystemResourceType,"
    "ActiveFlag,DocumentID,DocumentRevNum"
)
OTHER_HEADERS = {
    "canonical csv": "psr,quantity,start,end,value",
    "entsoe generation": '"Area","MTU","Biomass  - Actual Aggregated [MW]","Fossil Gas  - Actual Aggregated [MW]"',
    "entsoe flows": '"Time (UTC)","BZN|FR > BZN|ES [MW]","BZN|ES > BZN|FR [MW]"',
    "entsoe capacity": '"Production Type","2022 [MW]"',
    "entsoe load": '"Time (UTC)","Day-ahead Total Load Forecast [MW] - BZN|ES","Actual Total Load [MW] - BZN|ES"',
    "eia fuel": "period,respondent,respondent-name,fueltype,type-name,value,value-units",
    "eia interchange": "period,fromba,fromba-name,toba,toba-name,value,value-units",
    "eia region": "period,respondent,respondent-name,type,type-name,value,value-units",
    "api json": '{"id": "US-WECC-CISO", "unit": "MWh", "generation": []}',
}


def gen_row(day: str, period: int, type_: str, mw: str, *, active: str = "Y", revision: int = 1) -> str:
    return (
        f"Actual generation per type,Production,Realised,TS-1,{mw},Sequential fixed size block,PT30M,{day},"
        f"{period},{type_},{active},DOC-1,{revision},"
    )


def flow_row(day: str, period, *values, active: str = "Y") -> str:
    cells = [str(v) for v in values] + ["0"] * (8 - len(values))
    return f"INTOUTHH,{day},{period},{','.join(cells)},{active}"


def generation(*rows: str, psr: str | None = GB, header: str = GEN_HEADER) -> list[Record | RowError]:
    return read(GENERATION_ADAPTER, lines(header, *rows), psr=psr)


def flows(*rows: str, psr: str | None = GB, header: str = FLOW_HEADER) -> list[Record | RowError]:
    return read(INTERCONNECTOR_ADAPTER, lines(header, *rows), psr=psr)


def capacities(*rows: str) -> list[CapacityRecord | RowError]:
    return read(CAPACITY_ADAPTER, lines(CAPACITY_HEADER, *rows), psr=GB)


def capacity(line: int, type_: str, year: int, mw: float) -> CapacityRecord:
    """GB's capacity of a BMRS type for a year: from 1 January to 1 January."""
    return CapacityRecord(line, GB, f"elexon:{type_}", utc(year, 1, 1), utc(year + 1, 1, 1), mw)


def gen(line: int, start: datetime, mwh: float, type_: str) -> Record:
    return Record(line, GB, "generation", start, start + HALF_HOUR, mwh, "MWh", f"elexon:{type_}")


# ---------------------------------------------------------------- generation: values


def test_generation_mw_over_half_hours_become_mwh_for_the_chosen_psr_with_the_elexon_fuel_key():
    items = generation(
        gen_row("2022-01-01", 47, "Biomass", "1771.0"),
        gen_row("2022-01-01", 47, "Wind Onshore", "5601.031"),
        gen_row("2022-01-01", 1, "Solar", "0.0"),
    )

    assert items == [
        gen(2, utc(2022, 1, 1, 23, 0), 885.5, "Biomass"),
        gen(3, utc(2022, 1, 1, 23, 0), 2800.5155, "Wind Onshore"),
        gen(4, utc(2022, 1, 1, 0, 0), 0.0, "Solar"),  # a zero is a real zero
    ]
    assert items[0].start.utcoffset() == timedelta(0)


def test_generation_without_a_psr_asks_for_one():
    with pytest.raises(ImportFileError, match="choose the PSR"):
        generation(gen_row("2022-01-01", 1, "Solar", "1"), psr=None)


def test_generation_missing_values_give_no_record_and_no_error():
    items = generation(
        gen_row("2022-01-01", 1, "Solar", ""),
        gen_row("2022-01-01", 1, "Nuclear", "n/e"),
        gen_row("2022-01-01", 1, "Biomass", " N/A "),
        gen_row("2022-01-01", 1, "Other", "n/a"),
        gen_row("2022-01-01", 1, "Fossil Gas", "2848.0"),
    )

    assert items == [gen(6, utc(2022, 1, 1), 1424.0, "Fossil Gas")]


def test_generation_bad_cells_are_row_errors_naming_line_and_column():
    items = generation(
        gen_row("2022-01-01", 1, "Solar", "lots"),
        gen_row("2022-13-01", 1, "Solar", "1"),
        gen_row("2022-01-01", "x", "Solar", "1"),
        gen_row("2022-01-01", 49, "Solar", "1"),
        gen_row("2022-03-27", 47, "Solar", "1"),  # the spring day has 46
        gen_row("2022-01-01", 0, "Solar", "1"),
        gen_row("2022-01-02", 1, "Solar", "inf"),
        gen_row("2022-01-03", 1, "Solar", "2"),
    )

    assert [(e.line, e.column, e.value) for e in errors(items)] == [
        (2, "Quantity", "lots"),
        (3, "SettlementDate", "2022-13-01"),
        (4, "SettlementPeriod", "x"),
        (5, "SettlementPeriod", "49"),
        (6, "SettlementPeriod", "47"),
        (7, "SettlementPeriod", "0"),
        (8, "Quantity", "inf"),
    ]
    assert "1 to 46" in errors(items)[4].reason
    assert items[-1] == gen(9, utc(2022, 1, 3), 1.0, "Solar")


def test_generation_file_without_the_layout_columns_lists_what_is_expected():
    with pytest.raises(ImportFileError) as exc:
        generation(header="Quantity,SettlementDate,datetime")

    assert "SettlementPeriod" in str(exc.value) and "PowerSystemResourceType" in str(exc.value)


def test_generation_reads_a_byte_order_mark_and_crlf_line_ends():
    text = "\ufeff" + GEN_HEADER + "\r\n" + gen_row("2022-01-01", 2, "Nuclear", "6805.0") + "\r\n"

    assert read(GENERATION_ADAPTER, text, psr=GB) == [gen(2, utc(2022, 1, 1, 0, 30), 3402.5, "Nuclear")]


# ---------------------------------------------------------------- generation: active flag and revisions


def test_generation_rows_not_active_are_superseded_and_skipped():
    items = generation(
        gen_row("2022-01-01", 1, "Solar", "5", active="N", revision=1),
        gen_row("2022-01-01", 1, "Solar", "7", revision=2),
    )

    assert items == [gen(3, utc(2022, 1, 1), 3.5, "Solar")]


@pytest.mark.parametrize("order", ["older first", "newer first"])
def test_generation_latest_revision_of_a_period_and_type_wins_whatever_its_place(order):
    old, new = gen_row("2022-01-01", 1, "Solar", "10", revision=1), gen_row("2022-01-01", 1, "Solar", "20", revision=2)
    rows = [old, new] if order == "older first" else [new, old]

    items = generation(*rows, gen_row("2022-01-01", 1, "Nuclear", "100"))

    assert items == [
        gen(3 if order == "older first" else 2, utc(2022, 1, 1), 10.0, "Solar"),
        gen(4, utc(2022, 1, 1), 50.0, "Nuclear"),
    ]


def test_generation_same_period_and_type_twice_with_the_same_revision_is_a_row_error():
    items = generation(gen_row("2022-01-01", 1, "Solar", "10"), gen_row("2022-01-01", 1, "Solar", "20"))

    assert items[0] == RowError(3, "PowerSystemResourceType", "Solar", items[0].reason)
    assert "line 2" in items[0].reason
    assert items[1] == gen(2, utc(2022, 1, 1), 5.0, "Solar")


def test_generation_file_grouped_by_type_rather_than_period_reads_whole():
    items = generation(
        gen_row("2022-01-01", 1, "Solar", "1"),
        gen_row("2022-01-01", 2, "Solar", "2"),
        gen_row("2022-01-01", 1, "Nuclear", "3"),
        gen_row("2022-01-01", 2, "Nuclear", "4"),
    )

    assert not errors(items)
    assert len({(r.start, r.fuel_type) for r in items}) == 4


def test_generation_revision_coming_back_after_other_periods_is_an_error_not_a_second_record():
    items = generation(
        gen_row("2022-01-01", 1, "Solar", "1", revision=1),
        gen_row("2022-01-01", 2, "Solar", "2", revision=1),
        gen_row("2022-01-01", 1, "Solar", "9", revision=2),  # cannot replace what was already emitted
        gen_row("2022-01-01", 1, "Solar", "0", revision=0),  # older than the one kept: superseded
    )

    records = [i for i in items if isinstance(i, Record)]
    assert [(r.start, r.value) for r in records] == [(utc(2022, 1, 1), 0.5), (utc(2022, 1, 1, 0, 30), 1.0)]
    assert [(e.line, e.column) for e in errors(items)] == [(4, "PowerSystemResourceType")]
    assert "sort the file by settlement period" in errors(items)[0].reason


# ---------------------------------------------------------------- settlement periods on clock-change days


def _day(day: str, periods: int) -> list[Record]:
    items = generation(*(gen_row(day, p, "Nuclear", "100") for p in range(1, periods + 1)))
    assert not errors(items)
    return items


def _contiguous(records: list[Record]) -> bool:
    # Each half an hour long, each starting where the previous one ends: no gap, no overlap.
    return all(r.end - r.start == HALF_HOUR for r in records) and all(a.end == b.start for a, b in pairwise(records))


def test_spring_clock_change_day_has_46_periods_from_gmt_midnight():
    records = _day("2022-03-27", 46)

    # 00:00 and 00:30 GMT, then the clocks jump from 01:00 GMT to 02:00 BST: period 3 is 02:00 local = 01:00Z.
    assert [r.start for r in records[:4]] == [
        utc(2022, 3, 27, 0, 0),
        utc(2022, 3, 27, 0, 30),
        utc(2022, 3, 27, 1, 0),
        utc(2022, 3, 27, 1, 30),
    ]
    assert (records[-1].start, records[-1].end) == (utc(2022, 3, 27, 22, 30), utc(2022, 3, 27, 23, 0))  # BST midnight
    assert _contiguous(records)


def test_autumn_clock_change_day_has_50_periods_from_bst_midnight():
    records = _day("2022-10-30", 50)

    # Local midnight is 23:00Z the day before; the hour 01:00-02:00 local comes twice (BST, then GMT).
    assert [r.start for r in records[:4]] == [
        utc(2022, 10, 29, 23, 0),
        utc(2022, 10, 29, 23, 30),
        utc(2022, 10, 30, 0, 0),
        utc(2022, 10, 30, 0, 30),
    ]
    assert records[4].start == utc(2022, 10, 30, 1, 0)  # period 5: 01:00 GMT, the repeated hour
    assert (records[-1].start, records[-1].end) == (utc(2022, 10, 30, 23, 30), utc(2022, 10, 31, 0, 0))
    assert _contiguous(records)


def test_clock_change_days_refuse_the_periods_they_do_not_have():
    items = generation(gen_row("2022-03-27", 47, "Nuclear", "1"), gen_row("2022-10-30", 51, "Nuclear", "1"))

    assert [(e.line, e.value) for e in errors(items)] == [(2, "47"), (3, "51")]
    assert not [i for i in items if isinstance(i, Record)]


def test_summer_day_starts_at_bst_midnight_and_joins_the_next_day():
    records = _day("2022-08-01", 48) + _day("2022-08-02", 1)

    assert records[0].start == utc(2022, 7, 31, 23, 0)
    assert records[47].end == records[48].start == utc(2022, 8, 1, 23, 0)
    assert _contiguous(records)


def test_interconnector_periods_follow_the_same_clock_change_rules():
    spring = [r for r in flows(*(flow_row("2022-03-27", p, 2) for p in range(1, 47))) if r.quantity == "imports"]
    autumn = [r for r in flows(*(flow_row("2022-10-30", p, 2) for p in range(1, 51))) if r.quantity == "imports"]
    intfr = [r for r in spring if r.connected_psr == "elexon:INTFR"]
    intfr_autumn = [r for r in autumn if r.connected_psr == "elexon:INTFR"]

    assert [r.start for r in intfr[:4]] == [utc(2022, 3, 27, 0, m) for m in (0, 30)] + [
        utc(2022, 3, 27, 1, m) for m in (0, 30)
    ]
    assert intfr[-1].start == utc(2022, 3, 27, 22, 30) and len(intfr) == 46
    assert intfr_autumn[0].start == utc(2022, 10, 29, 23, 0) and intfr_autumn[3].start == utc(2022, 10, 30, 0, 30)
    assert intfr_autumn[-1].start == utc(2022, 10, 30, 23, 30) and len(intfr_autumn) == 50
    assert _contiguous(intfr) and _contiguous(intfr_autumn)


# ---------------------------------------------------------------- interconnector flows


def flow(line: int, quantity: str, start: datetime, mwh: float, name: str) -> Record:
    return Record(line, GB, quantity, start, start + HALF_HOUR, mwh, "MWh", None, None, f"elexon:{name}")


def test_interconnector_signed_mw_become_non_negative_imports_and_exports_in_mwh():
    items = flows("INTOUTHH,2022-08-01,1,-1030,16,0,,n/e,N/A,-1024,-884,Y")
    start = utc(2022, 7, 31, 23, 0)

    assert items == [
        flow(2, "imports", start, 0.0, "INTFR"),
        flow(2, "exports", start, 515.0, "INTFR"),
        flow(2, "imports", start, 8.0, "INTIRL"),
        flow(2, "exports", start, 0.0, "INTIRL"),
        flow(2, "imports", start, 0.0, "INTNED"),  # a zero flow: a real zero both ways
        flow(2, "exports", start, 0.0, "INTNED"),
        flow(2, "imports", start, 0.0, "INTIFA2"),
        flow(2, "exports", start, 512.0, "INTIFA2"),
        flow(2, "imports", start, 0.0, "INTNSL"),
        flow(2, "exports", start, 442.0, "INTNSL"),
    ]
    assert all(str(r.value) != "-0.0" for r in items)


def test_interconnector_without_a_psr_asks_for_one():
    with pytest.raises(ImportFileError, match="choose the PSR"):
        flows(flow_row("2022-08-01", 1, 5), psr=None)


def test_interconnector_bad_cells_are_row_errors_and_keep_the_whole_row_out():
    items = flows(
        flow_row("2022-08-01", 1, 5, "x"),
        flow_row("2022-08-01", 49, 5),
        flow_row("2022-08-01", "", 5),
        flow_row("01/08/2022", 3, 5),
        flow_row("2022-08-01", 4, 5),
    )

    assert [(e.line, e.column, e.value) for e in errors(items)] == [
        (2, "intirlGeneration", "x"),
        (3, "startTimeOfHalfHrPeriod", "49"),
        (4, "startTimeOfHalfHrPeriod", ""),
        (5, "settlementDate", "01/08/2022"),
    ]
    assert {r.line for r in items if isinstance(r, Record)} == {6}


def test_interconnector_inactive_rows_are_skipped_and_a_repeated_period_is_an_error():
    items = flows(
        flow_row("2022-08-01", 1, 100, active="N"),
        flow_row("2022-08-01", 1, 200),
        flow_row("2022-08-01", 1, 300),
    )

    assert flow(3, "imports", utc(2022, 7, 31, 23), 100.0, "INTFR") in items
    assert [(e.line, e.column) for e in errors(items)] == [(4, "startTimeOfHalfHrPeriod")]
    assert "line 3" in errors(items)[0].reason


def test_interconnector_columns_are_read_from_the_header_whatever_their_names_and_order():
    header = "settlementDate,startTimeOfHalfHrPeriod,intgrnlGeneration,intvklGeneration"
    items = flows("2022-08-01,1,-10,20", header=header)

    assert {(r.connected_psr, r.quantity, r.value) for r in items} == {
        ("elexon:INTGRNL", "imports", 0.0),
        ("elexon:INTGRNL", "exports", 5.0),
        ("elexon:INTVKL", "imports", 10.0),
        ("elexon:INTVKL", "exports", 0.0),
    }


def test_interconnector_file_without_its_columns_lists_what_is_expected():
    with pytest.raises(ImportFileError, match="startTimeOfHalfHrPeriod"):
        flows(header="settlementDate,intfrGeneration")
    with pytest.raises(ImportFileError, match="intfrGeneration"):
        flows(header="settlementDate,startTimeOfHalfHrPeriod,activeFlag")


# ---------------------------------------------------------------- sniffing


@pytest.mark.parametrize("prefix", ["", "\ufeff"])
def test_each_adapter_recognises_its_own_header_only(prefix):
    assert GENERATION_ADAPTER.sniff(prefix + GEN_HEADER + "\n" + gen_row("2022-01-01", 1, "Solar", "1"))
    assert INTERCONNECTOR_ADAPTER.sniff(prefix + FLOW_HEADER + "\n" + flow_row("2022-08-01", 1, 1))
    assert not GENERATION_ADAPTER.sniff(prefix + FLOW_HEADER)
    assert not INTERCONNECTOR_ADAPTER.sniff(prefix + GEN_HEADER)
    assert not GENERATION_ADAPTER.sniff(prefix + CAPACITY_HEADER)
    assert not INTERCONNECTOR_ADAPTER.sniff(prefix + CAPACITY_HEADER)


@pytest.mark.parametrize("name", OTHER_HEADERS)
def test_the_adapters_do_not_claim_other_layouts(name):
    head = OTHER_HEADERS[name] + "\n"

    assert not GENERATION_ADAPTER.sniff(head)
    assert not INTERCONNECTOR_ADAPTER.sniff(head)


def test_adapter_names_are_lowercase_and_dashed():
    assert (GENERATION_ADAPTER.name, INTERCONNECTOR_ADAPTER.name) == ("elexon-generation", "elexon-interconnectors")


# ---------------------------------------------------------------- installed capacity


def cap_row(year, type_: str, mw: str, *, active: str = "Y", revision: int = 1, resolution: str = "P1Y") -> str:
    return (
        f"Installed generation per type,Installed generation,Year ahead,TS-1,{mw},{resolution},{year},{type_},"
        f"{active},DOC-1,{revision}"
    )


def test_installed_capacity_rows_give_line_type_year_and_mw():
    items = capacities(cap_row(2021, "Wind Onshore", "12937"), cap_row(2022, "Other renewable", "1549"))

    assert items == [
        capacity(2, "Wind Onshore", 2021, 12937.0),
        capacity(3, "Other renewable", 2022, 1549.0),
    ]


def test_installed_capacity_skips_missing_and_inactive_rows_and_keeps_the_latest_revision():
    items = capacities(
        cap_row(2022, "Solar", ""),
        cap_row(2022, "Nuclear", "n/e"),
        cap_row(2022, "Biomass", "100", active="N"),
        cap_row(2022, "Fossil Gas", "2", revision=2),
        cap_row(2022, "Fossil Gas", "1", revision=1),
        cap_row(2022, "Fossil Oil", "0"),
    )

    assert items == [capacity(5, "Fossil Gas", 2022, 2.0), capacity(7, "Fossil Oil", 2022, 0.0)]


def test_installed_capacity_bad_cells_are_row_errors():
    items = capacities(
        cap_row("next", "Solar", "1"),
        cap_row(2022, "Solar", "many"),
        cap_row(2022, "Wind Onshore", "5", resolution="PT30M"),
        cap_row(2023, "Solar", "1"),
        cap_row(2023, "Solar", "2"),
    )

    assert [(i.line, i.column, i.value) for i in errors(items)] == [
        (2, "Year", "next"),
        (3, "Quantity", "many"),
        (4, "Resolution", "PT30M"),
        (6, "PowerSystemResourceType", "Solar"),
    ]
    assert capacity(5, "Solar", 2023, 1.0) in items


def test_installed_capacity_file_without_its_columns_lists_what_is_expected():
    with pytest.raises(ImportFileError, match="Year"):
        read(CAPACITY_ADAPTER, GEN_HEADER + "\n", psr=GB)


# ---------------------------------------------------------------- the real samples


def _sample(name: str) -> io.TextIOWrapper:
    return (Path(SAMPLES) / "elexon" / name).open(encoding="utf-8")


@needs_samples
def test_real_generation_sample_reads_with_the_published_numbers():
    with _sample("generation_by_production_type_2022-01.csv") as text:
        items = list(GENERATION_ADAPTER.records(text, ImportOptions(psr=GB)))

    assert not errors(items)
    assert len(items) == 517  # 47 periods (1..47 of 2022-01-01) x 11 types, one row each
    # Line 2: Biomass, period 47, 1771.0 MW, datetime (period end) 23:30Z.
    assert items[0] == gen(2, utc(2022, 1, 1, 23, 0), 885.5, "Biomass")
    # Line 516: Wind Onshore, period 1, 4653.628 MW; line 518: Solar, period 1, 0.0 MW.
    assert gen(516, utc(2022, 1, 1, 0, 0), 2326.814, "Wind Onshore") in items
    assert items[-1] == gen(518, utc(2022, 1, 1, 0, 0), 0.0, "Solar")
    assert min(r.start for r in items) == utc(2022, 1, 1, 0, 0)
    assert max(r.end for r in items) == utc(2022, 1, 1, 23, 30)
    assert {r.fuel_type for r in items} == {
        "elexon:Biomass",
        "elexon:Fossil Gas",
        "elexon:Fossil Hard coal",
        "elexon:Fossil Oil",
        "elexon:Hydro Pumped Storage",
        "elexon:Hydro Run-of-river and poundage",
        "elexon:Nuclear",
        "elexon:Other",
        "elexon:Solar",
        "elexon:Wind Offshore",
        "elexon:Wind Onshore",
    }


@needs_samples
def test_real_interconnector_sample_reads_with_the_published_numbers():
    with _sample("interconnector_flows_2022-08.csv") as text:
        items = list(INTERCONNECTOR_ADAPTER.records(text, ImportOptions(psr=GB)))

    assert not errors(items)
    assert len(items) == 96 * 8 * 2  # 2 days x 48 periods, 8 interconnectors, imports and exports
    first, last = utc(2022, 7, 31, 23, 0), utc(2022, 8, 2, 22, 30)  # BST: local midnight is 23:00Z
    # Line 2: 2022-08-01 period 1, intfr -1030 and intirl 16.
    assert flow(2, "exports", first, 515.0, "INTFR") in items
    assert flow(2, "imports", first, 0.0, "INTFR") in items
    assert flow(2, "imports", first, 8.0, "INTIRL") in items
    # Line 97: 2022-08-02 period 48, intew 136 and intnsl -654.
    assert flow(97, "imports", last, 68.0, "INTEW") in items
    assert flow(97, "exports", last, 327.0, "INTNSL") in items
    assert min(r.start for r in items) == first and max(r.start for r in items) == last
    assert {r.connected_psr for r in items} == {
        f"elexon:{n}" for n in ("INTFR", "INTIRL", "INTNED", "INTEW", "INTNEM", "INTELEC", "INTIFA2", "INTNSL")
    }


@needs_samples
def test_real_installed_capacity_sample_reads_every_year_and_type():
    with _sample("installed_generation_capacity.csv") as text:
        items = list(CAPACITY_ADAPTER.records(text, ImportOptions(psr=GB)))

    assert not errors(items)
    assert len(items) == 34  # 12 types for 2021, 11 for 2022 and 2023 (no Fossil Oil)
    assert items[0] == capacity(2, "Wind Onshore", 2021, 12937.0)
    assert capacity(24, "Hydro Pumped Storage", 2022, 1928.0) in items  # its own document
    assert items[-1] == capacity(35, "Biomass", 2023, 4438.0)
    assert "elexon:Other renewable" in {i.fuel_type for i in items}


def test_generation_latest_revision_without_a_value_withdraws_the_earlier_value():
    items = generation(
        gen_row("2022-01-01", 1, "Solar", "10", revision=1), gen_row("2022-01-01", 1, "Solar", "", revision=2)
    )

    assert items == []


def test_generation_is_read_as_a_stream_a_settlement_period_at_a_time():
    rows = [gen_row("2022-01-01", p, "Nuclear", "100") for p in range(1, 49)]
    text = io.StringIO("\n".join([GEN_HEADER, *rows]) + "\n")

    first = next(iter(GENERATION_ADAPTER.records(text, ImportOptions(psr=GB))))

    assert first == gen(2, utc(2022, 1, 1), 50.0, "Nuclear")
    assert len(text.read().splitlines()) >= 45  # the rest of the file is still unread
