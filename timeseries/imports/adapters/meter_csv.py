"""Our own meter-reading CSV: one row per reading of a production project's meter, `meter_number, format, validity,
direction, start, end, value, unit, quality` (the meter, format and validity may come from the import instead)."""

import csv
from collections.abc import Iterator
from datetime import datetime
from typing import TextIO

from ..records import ImportFileError, ImportOptions, Payload, ReadingRecord, RowError
from .common import Lines, check_columns, first_line, names, parse_datetime, width_error

REQUIRED = ("direction", "start", "end", "value", "unit")
OPTIONAL = ("meter_number", "format", "validity", "quality")
# A reading with no quality flag has not been checked: WG3's "raw".
DEFAULT_QUALITY = "raw"


class MeterCsvAdapter:
    kind = Payload.READINGS
    name = "meter-csv"
    label = "Meter readings CSV (meter_number, format, validity, direction, start, end, value, unit, quality)"

    def sniff(self, head: str) -> bool:
        # The grid's CSV has no direction; a meter's has one, with most of our other columns.
        found = {n.lower() for n in names(first_line(head))}
        return "direction" in found and "psr" not in found and len(found & set(REQUIRED + OPTIONAL)) >= 4

    def records(self, text: TextIO, options: ImportOptions) -> Iterator[ReadingRecord | RowError]:
        header = text.readline()
        if not header.strip():
            raise ImportFileError("The file is empty: the first line should be the header row.")
        columns = [n.lower() for n in names(header)]
        check_columns(columns, REQUIRED, OPTIONAL)
        yield from _rows(text, columns, options)


def _rows(text: TextIO, columns: list[str], options: ImportOptions) -> Iterator[ReadingRecord | RowError]:
    index = {name: i for i, name in enumerate(columns)}
    i_direction, i_start, i_end, i_value, i_unit = (index[n] for n in REQUIRED)
    optional = [(index[n], n) for n in OPTIONAL if n in index]
    width = len(columns)
    memo: dict[str, datetime | str] = {}
    lines = Lines(text)
    reader = csv.reader(lines, strict=True)
    try:
        for row in reader:
            line = reader.line_num + lines.skipped + 1
            if len(row) != width:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                yield width_error(line, row, width)
                continue
            bounds = []
            for i, column in ((i_start, "start"), (i_end, "end")):
                cell = row[i]
                parsed = memo.get(cell)
                if parsed is None:
                    if len(memo) > 100_000:
                        memo.clear()
                    parsed = memo[cell] = parse_datetime(cell.strip(), options.timezone)
                if parsed.__class__ is str:
                    yield RowError(line, column, cell, parsed)
                    break
                bounds.append(parsed)
            else:
                raw = row[i_value]
                try:
                    value = float(raw)
                except ValueError:
                    reason = "the value is empty: leave out an interval with no reading" if not raw.strip() else None
                    yield RowError(line, "value", raw, reason or "the value is not a number.")
                    continue
                extra = {name: row[i].strip() or None for i, name in optional}
                yield ReadingRecord(
                    line,
                    bounds[0],
                    bounds[1],
                    value,
                    row[i_unit].strip(),
                    row[i_direction].strip().lower(),
                    (extra.get("quality") or DEFAULT_QUALITY).lower(),
                    extra.get("meter_number"),
                    (extra.get("format") or "").lower() or None,
                    (extra.get("validity") or "").lower() or None,
                )
    except csv.Error as exc:
        raise ImportFileError(f"Line {reader.line_num + lines.skipped + 1} is not valid CSV: {exc}.") from exc


ADAPTER = MeterCsvAdapter()
