"""Our own long CSV: one row per value, `psr,quantity,start,end,value` plus optional dimension columns."""

import csv
from collections.abc import Iterator
from datetime import datetime, tzinfo
from typing import TextIO

from ...choices import Quality
from ..records import ImportFileError, ImportOptions, Payload, Record, RowError
from .common import Lines, check_columns, first_line, memo_datetime, names, width_error

REQUIRED = ("psr", "quantity", "start", "end", "value")
OPTIONAL = ("unit", "fuel_type", "technology", "connected_psr", "timeframe", "quality")
QUALITY_NAMES = {label: value for value, label in Quality.choices} | {str(v): v for v in Quality.values}


def _delimiter(header: str) -> str:
    """Comma or semicolon, whichever the header row separates its names with."""
    return ";" if header.count(";") > header.count(",") else ","


def _names(header: str) -> list[str]:
    return [name.lower() for name in names(header, _delimiter(header))]


class CanonicalCsvAdapter:
    kind = Payload.TIMESERIES
    name = "canonical-csv"
    label = "Canonical CSV (psr, quantity, start, end, value, ...)"

    def sniff(self, head: str) -> bool:
        # Most of our column names (not necessarily all: a missing one is then reported by name).
        found = set(_names(first_line(head)))
        return "psr" in found and len(found & set(REQUIRED + OPTIONAL)) >= 3

    def records(self, text: TextIO, options: ImportOptions) -> Iterator[Record | RowError]:
        header = text.readline()
        if not header.strip():
            raise ImportFileError("The file is empty: the first line should be the header row.")
        columns = _names(header)
        check_columns(columns, REQUIRED, OPTIONAL)
        yield from _rows(text, columns, _delimiter(header), options.timezone)


def _rows(text: TextIO, columns: list[str], delimiter: str, zone: tzinfo | None) -> Iterator[Record | RowError]:
    index = {name: i for i, name in enumerate(columns)}
    i_psr, i_quantity, i_start, i_end, i_value = (index[n] for n in REQUIRED)
    present = [(index[n], n) for n in OPTIONAL if n in index]  # the optional columns the file has
    width = len(columns)
    decimal_comma = delimiter == ";"
    memo: dict[str, datetime | str] = {}
    lines = Lines(text)  # long runs of blank lines left out, and counted in `skipped`
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    try:
        for row in reader:
            line = reader.line_num + lines.skipped + 1  # the header was read before the reader started counting
            if len(row) != width:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue  # a blank line
                yield width_error(line, row, width, delimiter=delimiter)
                continue
            start = memo.get(row[i_start]) or memo_datetime(row[i_start], zone, memo)
            end = memo.get(row[i_end]) or memo_datetime(row[i_end], zone, memo)
            # The row loop the import benchmark times: exact class tests are cheaper than isinstance here.
            if start.__class__ is str:
                yield RowError(line, "start", row[i_start], start)
                continue
            if end.__class__ is str:
                yield RowError(line, "end", row[i_end], end)
                continue
            raw = row[i_value]
            try:
                value = float(raw.replace(",", ".") if decimal_comma else raw)
            except ValueError:
                reason = "the value is empty: leave out an interval with no data" if not raw.strip() else None
                yield RowError(line, "value", raw, reason or "the value is not a number.")
                continue
            if not present:
                yield Record(line, row[i_psr].strip(), row[i_quantity].strip().lower(), start, end, value)
                continue
            extra = {name: row[i].strip() or None for i, name in present}
            quality = 0
            if extra.get("quality") is not None:
                quality = QUALITY_NAMES.get(extra["quality"].lower())
                if quality is None:
                    yield RowError(
                        line, "quality", row[index["quality"]], "quality is measured, estimated or imputed (0, 1, 2)."
                    )
                    continue
            yield Record(
                line,
                row[i_psr].strip(),
                row[i_quantity].strip().lower(),
                start,
                end,
                value,
                extra.get("unit"),
                extra.get("fuel_type"),
                extra.get("technology"),
                extra.get("connected_psr"),
                extra["timeframe"].lower() if extra.get("timeframe") else None,
                quality,
            )
    except csv.Error as exc:
        raise ImportFileError(f"Line {reader.line_num + lines.skipped + 1} is not valid CSV: {exc}.") from exc


ADAPTER = CanonicalCsvAdapter()
