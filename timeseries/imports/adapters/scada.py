"""SCADA power logs: a plant's average power per interval (`measured_on,ac_power`, one row per interval start), turned
into net energy per interval (W x hours = Wh) of the meter chosen for the import."""

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import chain, pairwise
from typing import TextIO

from ..records import ImportFileError, ImportOptions, Payload, ReadingRecord, RowError
from .common import csv_rows, first_line_names, number, parse_datetime, read_header, shown, width_error

TIME_COLUMNS = ("measured_on", "timestamp", "datetime", "time")
# The power column and its unit. An unsuffixed `ac_power` or `power` is in W, as PVDAQ and pvlib log it.
POWER_COLUMNS = {
    "ac_power": "W", "power": "W", "ac_power_w": "W", "power_w": "W",
    "ac_power_kw": "kW", "power_kw": "kW", "ac_power_mw": "MW", "power_mw": "MW",
}  # fmt: skip
ENERGY_UNIT = {"W": "Wh", "kW": "kWh", "MW": "MWh"}
# Rows read before the interval length is fixed: a day of 15-minute rows. The length is the most common step between
# consecutive timestamps among them (the shortest of equally common ones): a gap or a stray row near the start
# changes nothing.
STEP_ROWS = 96
# SCADA telemetry is logged, not checked: WG3's "raw".
QUALITY = "raw"


class ScadaPowerCsvAdapter:
    kind = Payload.READINGS
    name = "scada-power-csv"
    label = "SCADA power log CSV (measured_on, ac_power in W, or power_kw / power_mw), one row per interval"
    DEFAULT_FORMAT = "scada"
    DEFAULT_VALIDITY = "total_gross"

    def sniff(self, head: str) -> bool:
        found = {n.lower() for n in first_line_names(head)}
        return bool(found & set(TIME_COLUMNS)) and bool(found & set(POWER_COLUMNS))

    def records(self, text: TextIO, options: ImportOptions) -> Iterator[ReadingRecord | RowError]:
        columns = [n.lower() for n in read_header(text)]
        i_time = _one(columns, TIME_COLUMNS, "timestamp")
        i_power = _one(columns, POWER_COLUMNS, "power")
        unit = POWER_COLUMNS[columns[i_power]]
        rows = _rows(text, columns, i_time, i_power, options)
        # The first rows wait until the interval length is known; after that each row is a record at once.
        head: list[tuple[int, datetime, float | None] | RowError] = []
        read = 0
        for item in rows:
            head.append(item)
            read += not isinstance(item, RowError)
            if read >= STEP_ROWS:
                break
        step = _step([i for i in head if not isinstance(i, RowError)])
        hours = step.total_seconds() / 3600
        energy_unit = ENERGY_UNIT[unit]
        previous: datetime | None = None
        for item in chain(head, rows):
            if isinstance(item, RowError):
                yield item
                continue
            line, start, power = item
            if previous is not None and start < previous + step:
                yield RowError(
                    line,
                    columns[i_time],
                    start.isoformat(),
                    f"this row starts before the end of the previous row's interval (rows are intervals of "
                    f"{_minutes(step)}, the file's step, in time order).",
                )
                continue
            previous = start
            if power is None:
                continue  # a missing power value is a missing reading: nothing is written, never a zero
            yield ReadingRecord(line, start, start + step, power * hours, energy_unit, "net", QUALITY)


def _one(columns: list[str], known, what: str) -> int:
    """The index of the header's one column among `known`; none or several are refused."""
    found = [i for i, name in enumerate(columns) if name in known]
    if len(found) != 1:
        raise ImportFileError(
            f"The header row should name one {what} column (one of {', '.join(known)}); found "
            f"{len(found) or 'none'}{': ' + ', '.join(columns[i] for i in found) if found else ''}."
        )
    return found[0]


def _rows(
    text: TextIO, columns: list[str], i_time: int, i_power: int, options: ImportOptions
) -> Iterator[tuple[int, datetime, float | None] | RowError]:
    """Each data row as (line, aware interval start, power or None when missing), or why it is not one."""
    need = max(i_time, i_power) + 1
    for line, row in csv_rows(text):
        if len(row) < need:
            yield width_error(line, row, need, at_least=True)
            continue
        cell = row[i_time].strip()
        start = parse_datetime(cell, options.timezone)
        if isinstance(start, str):
            yield RowError(line, columns[i_time], shown(row[i_time]), start)
            continue
        power = number(row[i_power])
        if isinstance(power, str):
            yield RowError(line, columns[i_power], shown(row[i_power]), power)
            continue
        yield line, start, power


def _step(rows: list[tuple[int, datetime, float | None]]) -> timedelta:
    """The file's interval length: the most common step between consecutive timestamps of its first rows."""
    steps = Counter(b[1] - a[1] for a, b in pairwise(rows) if b[1] > a[1])
    if not steps:
        raise ImportFileError(
            "The file needs at least two rows with timestamps in time order to tell its interval length "
            "(each row is the average power from its timestamp to the next)."
        )
    return min(steps, key=lambda step: (-steps[step], step))


def _minutes(step: timedelta) -> str:
    seconds = int(step.total_seconds())
    return f"{seconds // 60} minutes" if seconds % 60 == 0 else f"{seconds} seconds"


ADAPTER = ScadaPowerCsvAdapter()
