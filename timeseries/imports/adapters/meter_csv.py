"""Our own meter-reading CSV: one row per reading of a production project's meter, `meter_number, format, validity,
direction, start, end, value, unit, quality` (the meter, format and validity may come from the import instead)."""

import csv
from collections.abc import Iterator
from datetime import datetime
from typing import TextIO

from ..records import ImportFileError, ImportOptions, Payload, ReadingRecord, RowError
from .common import Lines, check_columns, first_line, memo_datetime, names, width_error

REQUIRED = ("direction", "start", "end", "value", "unit")
OPTIONAL = ("meter_number", "format", "validity", "quality")


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
    # A missing optional column reads as an empty cell: an extra empty cell at the end of every row stands for it.
    width = len(columns)
    empty = width
    i_meter, i_format, i_validity, i_quality = (index.get(n, empty) for n in OPTIONAL)
    zone = options.timezone
    memo: dict[str, datetime | str] = {}
    lines = Lines(text)
    reader = csv.reader(lines, strict=True)
    try:
        for row in reader:
            line = reader.line_num + lines.skipped + 1
            # The row loop the import benchmark times: positional reads and exact class tests, as canonical-csv.
            if len(row) != width:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                yield width_error(line, row, width)
                continue
            row.append("")
            start = memo.get(row[i_start]) or memo_datetime(row[i_start], zone, memo)
            if start.__class__ is str:
                yield RowError(line, "start", row[i_start], start)
                continue
            end = memo.get(row[i_end]) or memo_datetime(row[i_end], zone, memo)
            if end.__class__ is str:
                yield RowError(line, "end", row[i_end], end)
                continue
            raw = row[i_value]
            try:
                value = float(raw)
            except ValueError:
                reason = "the value is empty: leave out an interval with no reading" if not raw.strip() else None
                yield RowError(line, "value", raw, reason or "the value is not a number.")
                continue
            # The stream's cells as written: the import's checks clean them once per distinct stream, not per row.
            yield ReadingRecord(
                line, start, end, value, row[i_unit], row[i_direction], row[i_quality], row[i_meter], row[i_format],
                row[i_validity],
            )  # fmt: skip
    except csv.Error as exc:
        raise ImportFileError(f"Line {reader.line_num + lines.skipped + 1} is not valid CSV: {exc}.") from exc


ADAPTER = MeterCsvAdapter()
