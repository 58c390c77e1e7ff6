"""Our own long CSV: one row per value, `psr,quantity,start,end,value` plus optional dimension columns.

Two readings of the same rows: `records`, one Record (or row error) at a time, which is the definition; and
`blocks`, the bulk path the time-series import takes, which reads blocks of plain lines with Apache Arrow's CSV
parser and applies the row rules of `records` (the same functions) to each distinct cell of a column rather than
to each row. A block it cannot prove plain (a quote, a blank line, a row of another width, a cell the rules refuse)
is read by `records`' own code instead, so the rows, row errors and line numbers are the same either way.
"""

import csv
import io
import re
from collections.abc import Iterator
from datetime import datetime, tzinfo
from typing import TextIO

import numpy as np

from ...choices import Quality
from ..records import EPOCH, MICROSECOND, ImportFileError, ImportOptions, Payload, Record, RecordColumns, RowError
from .common import DATETIME_MEMO_SIZE, Lines, check_columns, first_line, memo_datetime, names, width_error

REQUIRED = ("psr", "quantity", "start", "end", "value")
OPTIONAL = ("unit", "fuel_type", "technology", "connected_psr", "timeframe", "quality")
QUALITY_NAMES = {label: value for value, label in Quality.choices} | {str(v): v for v in Quality.values}
QUALITY_ERROR = "quality is measured, estimated or imputed (0, 1, 2)."

BLOCK_CHARS = 1 << 20  # text read per block of the bulk path (about 25,000 rows of 40 characters)
# A value the bulk path converts itself: plain decimal notation, which Arrow's parser and Python's float() read to
# the same double (both round correctly; tested). Anything else (spaces, "1_000", "nan") sends its block to float().
DECIMAL = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_LINE_END = re.compile(r"\r\n|\r|\n")


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
        layout = _Layout.read(text, options.timezone)
        yield from layout.rows(text, first_line=2, memo={})

    def blocks(self, text: TextIO, options: ImportOptions) -> Iterator[RecordColumns | Record | RowError]:
        """The rows of `records`, in blocks of columns wherever the lines allow it (see the module's docstring)."""
        layout = _Layout.read(text, options.timezone)
        yield from _Blocks(layout).items(text)


class _Layout:
    """The file's columns, as its header row gives them, and how its rows become records."""

    def __init__(self, columns: list[str], delimiter: str, zone: tzinfo | None) -> None:
        self.columns = columns
        self.delimiter = delimiter
        self.zone = zone
        self.index = {name: i for i, name in enumerate(columns)}
        self.present = [(self.index[n], n) for n in OPTIONAL if n in self.index]  # the optional columns it has

    @classmethod
    def read(cls, text: TextIO, zone: tzinfo | None) -> "_Layout":
        header = text.readline()
        if not header.strip():
            raise ImportFileError("The file is empty: the first line should be the header row.")
        columns = _names(header)
        check_columns(columns, REQUIRED, OPTIONAL)
        return cls(columns, _delimiter(header), zone)

    def names(self, row: list[str]) -> tuple[tuple, int | None]:
        """A row's names as its Record holds them (psr, quantity, then unit, fuel type, technology, connected PSR
        and timeframe), and its quality (None: the quality cell names none)."""
        psr, quantity = row[self.index["psr"]].strip(), row[self.index["quantity"]].strip().lower()
        if not self.present:
            return (psr, quantity, None, None, None, None, None), 0
        extra = {name: row[i].strip() or None for i, name in self.present}
        quality = 0
        if extra.get("quality") is not None:
            quality = QUALITY_NAMES.get(extra["quality"].lower())
        timeframe = extra["timeframe"].lower() if extra.get("timeframe") else None
        extras = (extra.get("unit"), extra.get("fuel_type"), extra.get("technology"), extra.get("connected_psr"))
        return (psr, quantity, *extras, timeframe), quality

    def rows(self, text: TextIO, *, first_line: int, memo: dict) -> Iterator[Record | RowError]:
        """The records (or row errors) of the lines of `text`, the first of which is the file's line `first_line`."""
        index, zone = self.index, self.zone
        i_start, i_end, i_value = index["start"], index["end"], index["value"]
        width = len(self.columns)
        delimiter = self.delimiter
        decimal_comma = delimiter == ";"
        lines = Lines(text)  # long runs of blank lines left out, and counted in `skipped`
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        try:
            for row in reader:
                line = reader.line_num + lines.skipped + first_line - 1
                if len(row) != width:
                    if not row or (len(row) == 1 and not row[0].strip()):
                        continue  # a blank line
                    yield width_error(line, row, width, delimiter=delimiter)
                    continue
                start = memo.get(row[i_start]) or memo_datetime(row[i_start], zone, memo)
                end = memo.get(row[i_end]) or memo_datetime(row[i_end], zone, memo)
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
                key, quality = self.names(row)
                if quality is None:
                    yield RowError(line, "quality", row[index["quality"]], QUALITY_ERROR)
                    continue
                yield Record(line, key[0], key[1], start, end, value, *key[2:], quality)
        except csv.Error as exc:
            raise ImportFileError(
                f"Line {reader.line_num + lines.skipped + first_line - 1} is not valid CSV: {exc}."
            ) from exc


class _Blocks:
    """The bulk path: blocks of whole lines, each parsed by Arrow into columns, or read by `_Layout.rows`."""

    def __init__(self, layout: _Layout) -> None:
        self.layout = layout
        self.memo: dict[str, datetime | str] = {}  # shared with `rows`: cells parsed once either way
        # The datetime cells seen so far, and their microseconds since 1970.
        self.seen = None
        self.seen_us = np.empty(0, dtype=np.int64)

    def items(self, text: TextIO) -> Iterator[RecordColumns | Record | RowError]:
        line, carry = 2, ""
        while True:
            chunk, failure = _read(text)
            rest = text if failure is None else _Raising(failure)  # what is read after this block's text
            body = carry + chunk
            if not body:
                if failure is not None:
                    raise failure
                return
            carry = ""
            if chunk:
                cut = body.rfind("\n") + 1  # up to the last whole line (a CRLF is never cut in two)
                if not cut:  # a line of a megabyte, or no LF at all: the row reader's business
                    yield from self.layout.rows(_Prefixed(body, rest), first_line=line, memo=self.memo)
                    return
                body, carry = body[:cut], body[cut:]
            if '"' in body or body.count("\r") != body.count("\r\n"):
                # A quoted cell may hold a line end, and a lone CR ends a line: where lines end is the csv
                # module's call from here to the end of the file.
                yield from self.layout.rows(_Prefixed(body + carry, rest), first_line=line, memo=self.memo)
                return
            count = body.count("\n") + (not body.endswith("\n"))
            block = self._block(body, line, count)
            if block is None:
                yield from self.layout.rows(io.StringIO(body, newline=""), first_line=line, memo=self.memo)
            else:
                yield block
            if failure is not None:  # the rows before an undecodable byte are read, as the row reader reads them
                raise failure
            line += count

    def _block(self, body: str, line: int, count: int) -> RecordColumns | None:
        """The block's rows as columns, or None when a row of it is not plain (a row error, a blank line)."""
        import pyarrow as pa
        import pyarrow.compute as pc
        from pyarrow import csv as arrow_csv

        layout = self.layout
        data = body.encode()
        try:
            table = arrow_csv.read_csv(
                pa.py_buffer(data),
                read_options=arrow_csv.ReadOptions(
                    column_names=[f"c{i}" for i in range(len(layout.columns))],
                    use_threads=False,
                    block_size=len(data) + 1,
                ),
                parse_options=arrow_csv.ParseOptions(
                    delimiter=layout.delimiter, quote_char=False, newlines_in_values=False, ignore_empty_lines=False
                ),
                convert_options=arrow_csv.ConvertOptions(
                    column_types=dict.fromkeys((f"c{i}" for i in range(len(layout.columns))), pa.string()),
                    strings_can_be_null=False,
                ),
            )
        except pa.ArrowInvalid:  # a row of another width, or a blank line (a row of one empty field)
            return None
        if table.num_rows != count:
            return None
        column = {name: table.column(i).combine_chunks() for i, name in enumerate(layout.columns)}
        if self.seen is None:
            self.seen = pa.array([], pa.string())
        start = self._instants(column["start"], pa, pc)
        end = self._instants(column["end"], pa, pc) if start is not None else None
        if end is None:
            return None
        raw = column["value"]
        if layout.delimiter == ";":
            raw = pc.replace_substring(raw, ",", ".")
        if not pc.all(pc.match_substring_regex(raw, DECIMAL)).as_py():
            return None
        try:
            value = pc.cast(raw, pa.float64()).to_numpy(zero_copy_only=False)
        except pa.ArrowInvalid:  # a number Arrow does not take: float() reads it (or refuses it) row by row
            return None
        named = self._names(column, pc)
        if named is None:
            return None
        names, name_index, quality = named
        return RecordColumns(
            line,
            names,
            name_index,
            start,
            end,
            value,
            quality,
            lambda: self.layout.rows(io.StringIO(body, newline=""), first_line=line, memo=self.memo),
        )

    def _instants(self, cells, pa, pc) -> np.ndarray | None:
        """A column of datetime cells as microseconds since 1970, each distinct cell parsed once, as `rows` parses
        it; None if a cell is no datetime. Cells already seen are looked up by Arrow, not by a loop here."""
        found = pc.index_in(cells, value_set=self.seen)
        if found.null_count:
            if len(self.seen) + found.null_count > DATETIME_MEMO_SIZE:  # bounded, so memory stays flat
                self.seen, self.seen_us = pa.array([], pa.string()), np.empty(0, dtype=np.int64)
                new = pc.unique(cells).to_pylist()
            else:
                new = pc.unique(pc.filter(cells, pc.is_null(found))).to_pylist()
            memo, zone = self.memo, self.layout.zone
            micro = []
            for text in new:
                parsed = memo.get(text) or memo_datetime(text, zone, memo)
                if parsed.__class__ is str:
                    return None
                micro.append((parsed - EPOCH) // MICROSECOND)
            self.seen = pa.concat_arrays([self.seen, pa.array(new, pa.string())])
            self.seen_us = np.concatenate((self.seen_us, np.array(micro, dtype=np.int64)))
            found = pc.index_in(cells, value_set=self.seen)
        return self.seen_us[found.to_numpy(zero_copy_only=False)]

    def _names(self, column: dict, pc) -> tuple[list[tuple], np.ndarray, np.ndarray] | None:
        """The distinct names of the rows (in order of first appearance), each row's position among them and its
        quality; None if a quality cell names none."""
        layout = self.layout
        named = [n for n in layout.columns if n not in ("start", "end", "value")]
        dictionaries, indices = [], []
        code = np.zeros(len(column["psr"]), dtype=np.int64)
        for name in named:
            encoded = pc.dictionary_encode(column[name])
            dictionaries.append(encoded.dictionary.to_pylist())
            indices.append(encoded.indices.to_numpy(zero_copy_only=False))
            # Renumbered after each column, so the codes stay below the number of rows.
            code = np.unique(code * len(dictionaries[-1]) + indices[-1], return_inverse=True)[1].astype(np.int64)
        _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")  # distinct rows' names in order of first appearance
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        names, qualities = [], []
        for row in first[order]:
            cells = [""] * len(layout.columns)
            for name, words, at in zip(named, dictionaries, indices, strict=True):
                cells[layout.index[name]] = words[at[row]]
            key, quality = layout.names(cells)
            if quality is None:
                return None
            names.append(key)
            qualities.append(quality)
        name_index = rank[inverse.reshape(-1)]
        return names, name_index, np.array(qualities, dtype=np.int16)[name_index]


def _read(text: TextIO) -> tuple[str, UnicodeDecodeError | None]:
    """Up to a block of text, read as the row reader reads (Lines.CHUNK at a time), and the decoding error that
    stopped it early, if one did: the text before a byte that is not UTF-8 is still read."""
    parts, size = [], 0
    try:
        while size < BLOCK_CHARS:
            part = text.read(min(Lines.CHUNK, BLOCK_CHARS - size))
            if not part:
                break
            parts.append(part)
            size += len(part)
    except UnicodeDecodeError as exc:
        return "".join(parts), exc
    return "".join(parts), None


class _Raising(io.TextIOBase):
    """A text whose next read raises the error that ended the reading of the one it stands for."""

    def __init__(self, error: Exception) -> None:
        self._error = error

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        raise self._error

    def readline(self, size: int | None = -1) -> str:
        raise self._error


class _Prefixed(io.TextIOBase):
    """Text already read (`head`) followed by the rest of a text stream: what the row reader reads on from."""

    def __init__(self, head: str, rest: TextIO | io.TextIOBase) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        if self._head:
            if size is None or size < 0:
                text, self._head = self._head + self._rest.read(), ""
                return text
            text, self._head = self._head[:size], self._head[size:]
            return text
        return self._rest.read(size)

    def readline(self, size: int | None = -1) -> str:
        """The next line with its line end, split where a text file opened with newline="" splits (CR, LF, CRLF);
        `size` is not used (the row reader reads whole lines)."""
        while True:
            found = _LINE_END.search(self._head)
            if found and not (found.group() == "\r" and found.end() == len(self._head)):  # a CR may start a CRLF
                cut = found.end()
                break
            more = self._rest.read(Lines.CHUNK)
            if not more:
                cut = len(self._head)
                break
            self._head += more
        line, self._head = self._head[:cut], self._head[cut:]
        return line


ADAPTER = CanonicalCsvAdapter()
