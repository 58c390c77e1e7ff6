"""The SCADA power-log adapter: the real PVDAQ log of a small solar plant (15-minute AC power in W, -07:00), and small
logs written here for units, time zones, gaps and bad rows."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.timeseries.imports.adapters.meters import meter_sample
from tests.timeseries.imports.adapters.test_contract import _check_reading
from tests.timeseries.imports.helpers import errors, lines, read, records
from timeseries.imports.adapters.scada import ADAPTER
from timeseries.imports.files import HEAD_BYTES
from timeseries.imports.records import ImportFileError, ReadingRecord

PV = "pv/serf_east_15min_ac_power.csv"
QUARTER = timedelta(minutes=15)
MINUS_7 = timedelta(hours=-7)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ---------------------------------------------------------------- the real sample


def test_pv_log_gives_one_net_reading_per_row_of_its_10000_rows():
    got = records(read(ADAPTER, meter_sample(PV)))

    assert len(got) == 10_000
    assert {(r.unit, r.direction, r.quality, r.end - r.start) for r in got} == {("Wh", "net", "raw", QUARTER)}
    assert {(r.meter, r.reading_format, r.validity) for r in got} == {(None, None, None)}


def test_pv_log_first_interval_starts_at_7_utc_its_minus_7_offset_honoured():
    first = records(read(ADAPTER, meter_sample(PV)))[0]

    assert (first.start, first.end) == (utc(2016, 7, 1, 7, 0), utc(2016, 7, 1, 7, 15))
    assert first.start.utcoffset() == MINUS_7 and first.line == 2


def test_pv_log_energy_of_a_row_is_its_power_times_a_quarter_hour():
    text = meter_sample(PV)
    # Line 42 of the file: "2016-07-01 10:00:00-07:00,1816.6" (W, average over the quarter from 10:00 local).
    assert text.splitlines()[41] == "2016-07-01 10:00:00-07:00,1816.6"

    [row] = [r for r in records(read(ADAPTER, text)) if r.line == 42]
    assert (row.start, row.end) == (utc(2016, 7, 1, 17, 0), utc(2016, 7, 1, 17, 15))
    assert row.value == pytest.approx(1816.6 * 0.25) and row.unit == "Wh"


def test_pv_log_keeps_negative_night_values_as_they_are():
    text = meter_sample(PV)
    negative_rows = sum(1 for line in text.splitlines()[1:] if ",-" in line)

    got = records(read(ADAPTER, text))
    assert negative_rows == 4767
    assert sum(1 for r in got if r.value < 0) == negative_rows
    assert got[0].value == pytest.approx(-2.8601 * 0.25)  # midnight: the inverter's standby draw


def test_pv_log_is_sniffed_and_keeps_the_reading_record_contract():
    text = meter_sample(PV)

    assert ADAPTER.sniff(text[:HEAD_BYTES])
    for item in read(ADAPTER, text):
        _check_reading(item, None)


# ---------------------------------------------------------------- units, zones, gaps


def test_a_power_kw_column_gives_kwh_over_the_detected_step():
    text = lines("timestamp,power_kw", "2024-03-01T00:00:00Z,40", "2024-03-01T01:00:00Z,20", "2024-03-01T02:00:00Z,10")

    got = records(read(ADAPTER, text))
    assert [(r.start, r.end, r.value, r.unit) for r in got] == [
        (utc(2024, 3, 1, 0), utc(2024, 3, 1, 1), 40.0, "kWh"),
        (utc(2024, 3, 1, 1), utc(2024, 3, 1, 2), 20.0, "kWh"),
        (utc(2024, 3, 1, 2), utc(2024, 3, 1, 3), 10.0, "kWh"),
    ]


def test_a_row_after_a_gap_still_covers_one_step():
    text = lines(
        "measured_on,ac_power",
        "2024-03-01T00:00:00Z,400",
        "2024-03-01T00:15:00Z,400",
        "2024-03-01T03:00:00Z,800",  # nearly three hours of missing rows before it
    )

    got = records(read(ADAPTER, text))
    assert [(r.start, r.end, r.value) for r in got][-1] == (utc(2024, 3, 1, 3, 0), utc(2024, 3, 1, 3, 15), 200.0)


def test_naive_timestamps_take_the_chosen_timezone():
    text = lines("measured_on,ac_power", "2024-07-01 12:00:00,1000", "2024-07-01 12:15:00,1000")

    got = records(read(ADAPTER, text, timezone=ZoneInfo("America/Denver")))
    assert [r.start for r in got] == [utc(2024, 7, 1, 18, 0), utc(2024, 7, 1, 18, 15)]


def test_naive_timestamps_without_a_timezone_are_row_errors_and_the_step_comes_from_the_good_rows():
    text = lines(
        "measured_on,ac_power",
        "2024-07-01T12:00:00-06:00,1000",
        "2024-07-01 12:15:00,1000",
        "2024-07-01T12:30:00-06:00,1000",
        "2024-07-01T12:45:00-06:00,1000",
    )

    items = read(ADAPTER, text)
    [error] = errors(items)
    assert (error.line, error.column, error.value) == (3, "measured_on", "2024-07-01 12:15:00")
    assert "no UTC offset" in error.reason
    assert [r.end - r.start for r in items if isinstance(r, ReadingRecord)] == [QUARTER] * 3


def test_a_missing_power_value_is_left_out_never_a_zero():
    text = lines("measured_on,ac_power", "2024-03-01T00:00:00Z,4", "2024-03-01T00:15:00Z,", "2024-03-01T00:30:00Z,8")

    got = records(read(ADAPTER, text))
    assert [(r.start, r.value) for r in got] == [(utc(2024, 3, 1, 0, 0), 1.0), (utc(2024, 3, 1, 0, 30), 2.0)]


def test_a_bad_number_or_datetime_is_a_row_error_naming_its_line():
    text = lines(
        "measured_on,ac_power",
        "2024-03-01T00:00:00Z,4",
        "2024-03-01T00:15:00Z,lots",
        "yesterday,4",
        "2024-03-01T00:45:00Z,4",
    )

    items = read(ADAPTER, text)
    assert [(e.line, e.column, e.value) for e in errors(items)] == [
        (3, "ac_power", "lots"),
        (4, "measured_on", "yesterday"),
    ]
    assert len(items) == 4


def test_a_row_inside_the_previous_rows_interval_is_a_row_error():
    text = lines(
        "measured_on,ac_power",
        "2024-03-01T00:00:00Z,4",
        "2024-03-01T00:15:00Z,4",
        "2024-03-01T00:20:00Z,4",  # five minutes on: inside the quarter before
        "2024-03-01T00:30:00Z,4",
        "2024-03-01T00:45:00Z,4",
        "2024-03-01T01:00:00Z,4",
    )

    items = read(ADAPTER, text)
    [error] = errors(items)
    assert error.line == 4 and "before the end of the previous row's interval" in error.reason
    assert "15 minutes" in error.reason
    assert {r.end - r.start for r in items if isinstance(r, ReadingRecord)} == {QUARTER}


def test_the_step_is_the_most_common_one_so_a_gap_at_the_start_does_not_lengthen_it():
    text = lines(
        "measured_on,ac_power",
        "2024-03-01T00:00:00Z,4",
        "2024-03-01T02:00:00Z,4",
        "2024-03-01T02:15:00Z,4",
        "2024-03-01T02:30:00Z,4",
    )

    assert {r.end - r.start for r in records(read(ADAPTER, text))} == {QUARTER}


def test_a_log_of_one_row_cannot_tell_its_interval_and_is_refused():
    with pytest.raises(ImportFileError, match="at least two rows"):
        read(ADAPTER, lines("measured_on,ac_power", "2024-03-01T00:00:00Z,4"))


@pytest.mark.parametrize(
    ("header", "message"),
    [("measured_on,dc_power", "one power column"), ("when,ac_power", "one timestamp column"),
     ("measured_on,ac_power,power_kw", "found 2: ac_power, power_kw")],
)  # fmt: skip
def test_a_header_without_exactly_one_time_and_one_power_column_is_refused(header, message):
    with pytest.raises(ImportFileError, match=message):
        read(ADAPTER, lines(header, "2024-03-01T00:00:00Z,4,4"))


def test_sniff_wants_a_time_and_a_power_column():
    assert ADAPTER.sniff("measured_on,ac_power\n")
    assert ADAPTER.sniff("timestamp,power_mw\n")
    assert not ADAPTER.sniff("measured_on,dc_power\n")
    assert not ADAPTER.sniff("meter_number,format,validity,direction,start,end,value,unit,quality\n")
