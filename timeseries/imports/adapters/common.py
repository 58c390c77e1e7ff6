"""What the source adapters share: missing and number cells, CSV headers and rows, values shown in errors, JSON."""

import csv
import io
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, tzinfo
from itertools import chain, islice
from typing import Any, TextIO

import ijson

from ..records import CapacityRecord, ImportFileError, ImportOptions, RowError

# Cells that hold no data, compared stripped and lowercased: empty, n/e (ENTSO-E's "not existing") and N/A. Missing
# data writes nothing: it is never a zero.
MISSING = frozenset({"", "n/e", "n/a"})
SHOWN_VALUE_LENGTH = 200  # an error's value is cut to this many characters
NOT_UTF8 = "The file holds text that is not valid UTF-8."
MAX_LISTED = 30  # names a message lists at most (columns, keys), then "… and N more"


# ---------------------------------------------------------------- cells


def is_missing(cell: str) -> bool:
    return cell.strip().lower() in MISSING


def number(raw: Any) -> float | str | None:
    """A cell (CSV text, or a JSON value) as a number: None when missing, else the finite float, or why it is none."""
    if raw is None:
        return None
    if isinstance(raw, str):
        text = raw.strip()
        if text.lower() in MISSING:
            return None
        try:
            value = float(text)
        except ValueError:
            return "the value is not a number."
    elif isinstance(raw, int | float) and not isinstance(raw, bool):  # a JSON true is no number
        value = float(raw)
    else:
        return "the value is not a number."
    return value if math.isfinite(value) else "the value is not a finite number."


def mw_cell(line: int, column: str, cell: str) -> float | RowError | None:
    """A cell of MW: None when missing (it writes nothing), else its MW, or a row error when it is no number."""
    value = number(cell)
    return RowError(line, column, cell, "not a number of MW.") if isinstance(value, str) else value


def shown(value: Any) -> str:
    """A value as an error shows it: text as it is, anything else as JSON (as a JSON file wrote it), cut short."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= SHOWN_VALUE_LENGTH else text[: SHOWN_VALUE_LENGTH - 1] + "…"


def listed(items: Iterable[Any], *, limit: int = MAX_LISTED) -> str:
    """Names listed in a message: a, b; past `limit` of them, "… and 99,990 more" (a header of 100,000 columns
    must not make a message of megabytes)."""
    items = list(items)
    shown_items = [shown(item) for item in items[:limit]]
    more = f" … and {len(items) - limit:,} more" if len(items) > limit else ""
    return ", ".join(shown_items) + more


def quoted(names: Iterable[str], *, limit: int = MAX_LISTED) -> str:
    """Column names listed in a message: 'a', 'b'; past `limit` of them, "… and 99,990 more"."""
    return listed((repr(name) for name in names), limit=limit)


# ---------------------------------------------------------------- CSV headers and rows


def first_line(head: str) -> str:
    """The first line of a file's first decoded characters, without a byte order mark and surrounding spaces."""
    return head.lstrip("\ufeff").split("\n", 1)[0].strip()


def names(line: str, delimiter: str = ",") -> list[str]:
    """The column names of a header line as written, each stripped (a byte order mark left out)."""
    line = line.lstrip("\ufeff").strip()
    return [name.strip() for name in next(csv.reader([line], delimiter=delimiter))] if line else []


def first_line_names(head: str) -> list[str]:
    """The column names of a file's first line, for sniffing: none when the line is not CSV."""
    try:
        return names(first_line(head))
    except csv.Error:
        return []


def read_header(text: TextIO) -> list[str]:
    """The names of the header row, the file's first line; an empty file is refused."""
    line = text.readline()
    if not line.strip():
        raise ImportFileError("The file is empty: the first line should be the header row.")
    return names(line)


def check_columns(names: Sequence[str], required: Sequence[str], optional: Sequence[str] | None = None) -> None:
    """Refuse a header row that lacks a required column or names one twice; given the optional columns, also one
    naming a column that is neither (a typo must not drop data)."""
    if optional is not None:
        unknown = [n for n in names if n not in required and n not in optional]
        if unknown:
            raise ImportFileError(
                f"Unknown column(s) {quoted(unknown)} in the header row; the columns are {', '.join(required)} and "
                f"optionally {', '.join(optional)}."
            )
    missing = [n for n in required if n not in names]
    if missing:
        raise ImportFileError(
            f"Missing required column(s) {quoted(missing)} in the header row; the required columns are "
            f"{', '.join(required)} (found {quoted(names) or 'none'})."
        )
    if len(set(names)) != len(names):
        raise ImportFileError("A column appears twice in the header row.")


class Lines:
    """The lines of the rest of a text, for csv.reader, read in large chunks with long runs of blank lines left out.

    A file of a gigabyte of empty lines would otherwise cost a trip through the CSV reader and the adapter's loop
    per line (minutes); a run of at least BLANK_RUN blank lines (line ends only) is dropped here at the speed of a
    string scan, and counted: `skipped` is the number of lines dropped before the line the reader is on, so a row's
    file line is the reader's line_num plus `skipped` (plus the lines read before). Lines are split as a text file
    opened with newline="" splits them (CR, LF, CRLF), in C: no Python call per line.
    """

    CHUNK = 1 << 16  # characters read at a time (a bad byte fails the read of its chunk: "near line N" stays near)
    FIRST_LINES = 1000
    BLANK_RUN = 1000  # a shorter run of blank lines goes through the reader (it could be inside a quoted cell)

    def __init__(self, text: TextIO) -> None:
        self._text = text
        self.skipped = 0

    def __iter__(self) -> Iterator[str]:
        # The first lines one at a time, as the text gives them: a small file is read only as far as it is used.
        return chain(islice(self._text, self.FIRST_LINES), chain.from_iterable(self._chunks()))

    def _chunks(self) -> Iterator[Iterable[str]]:
        carry = ""
        while True:
            chunk = self._text.read(self.CHUNK)
            if not chunk:
                if carry:
                    yield _split(carry)
                return
            chunk = carry + chunk
            # Up to the last complete line (a CR at the very end may be the first half of a CRLF).
            if chunk[-1] == "\n":
                body, carry = chunk, ""
            else:
                cut = max(chunk.rfind("\n"), chunk.rfind("\r", 0, len(chunk) - 1)) + 1
                if not cut:
                    carry = chunk
                    continue
                body, carry = chunk[:cut], chunk[cut:]
            if len(body) >= self.BLANK_RUN and body.count("\n") == len(body):  # the common case, in one fast scan
                self.skipped += len(body)
                continue
            core = body.lstrip("\r\n")
            if len(body) - len(core) >= self.BLANK_RUN:  # blank lines before the chunk's first line: drop them
                self.skipped += _line_ends(body[: len(body) - len(core)])
                body = core
            if not body:
                continue
            core = body.rstrip("\r\n")
            end = len(core) + (2 if body.startswith("\r\n", len(core)) else 1)  # the last line keeps its line end
            yield _split(body[:end])
            # The reader has read every line above before asking for more: count the blank run after them now.
            if len(body) - end >= self.BLANK_RUN:
                self.skipped += _line_ends(body[end:])
            elif end < len(body):
                yield _split(body[end:])


# Line ends str.splitlines knows and a text file does not (a text file ends lines at CR, LF and CRLF only).
_OTHER_LINE_ENDS = "\v\f\x1c\x1d\x1e\x85\u2028\u2029"


def _split(text: str) -> Iterable[str]:
    """The lines of `text` as a text file opened with newline="" gives them, each with its line end."""
    if any(end in text for end in _OTHER_LINE_ENDS):  # a few fast scans; a regular expression is slower here
        return io.StringIO(text, newline="")
    return text.splitlines(keepends=True)


def _line_ends(blank: str) -> int:
    """How many lines a run of CR and LF characters makes (CRLF is one line end)."""
    return blank.count("\n") + blank.count("\r") - blank.count("\r\n")


def csv_rows(text: TextIO, *, header_line: int = 1, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """The data rows below the header, each with the file line it starts on, blank lines left out; a row that is
    not CSV fails the file, naming its line."""
    lines = Lines(text)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    before = 0  # the reader's line count after the previous row: a quoted cell may span lines
    try:
        for row in reader:
            count = reader.line_num
            if row and not (len(row) == 1 and not row[0].strip()):
                yield header_line + lines.skipped + before + 1, row
            before = count
    except csv.Error as exc:
        raise ImportFileError(f"Line {header_line + lines.skipped + reader.line_num} is not valid CSV: {exc}.") from exc


def width_error(line: int, row: list[str], width: int, *, at_least: bool = False, delimiter: str = ",") -> RowError:
    """A row with another number of fields than its header (`at_least`: fewer than the columns read need)."""
    expected = f"at least {width}" if at_least else str(width)
    return RowError(line, "", shown(delimiter.join(row)), f"expected {expected} fields, found {len(row)}.")


# Parsed datetimes are memoised (files repeat the same instants across series); bounded so memory stays flat.
DATETIME_MEMO_SIZE = 200_000


def memo_datetime(text: str, zone: tzinfo | None, memo: dict) -> datetime | str:
    """parse_datetime, kept in `memo` (the caller reads `memo.get(text)` first): what a CSV row loop calls."""
    if len(memo) >= DATETIME_MEMO_SIZE:
        memo.clear()
    memo[text] = result = parse_datetime(text.strip(), zone)
    return result


def parse_datetime(text: str, zone: tzinfo | None) -> datetime | str:
    """The aware datetime an ISO 8601 cell writes (naive ones in `zone`), or the reason it is not one."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return "not an ISO 8601 datetime (e.g. 2023-01-01T00:00:00Z)." if text else "the datetime is empty."
    if value.tzinfo is not None:
        return value
    if zone is None:
        return "the datetime has no UTC offset: add one (Z, +01:00) or give the file's timezone."
    local = value.replace(tzinfo=zone)
    if local.utcoffset() != local.replace(fold=1).utcoffset():
        # The hour repeated or skipped at a clock change: local time alone does not say which instant.
        return f"{text} is ambiguous or does not exist in {zone} (a clock change); write it with its UTC offset."
    return local


# ---------------------------------------------------------------- files that name no area


def require_psr(options: ImportOptions, what: str) -> str:
    """The PSR chosen for a file that names no area (`what` says which file, for the message)."""
    if not options.psr:
        raise ImportFileError(
            f"{what} names no area: choose the PSR to import it into (the upload form's PSR field, or --psr ID)."
        )
    return options.psr


def year_capacity(line: int, psr: str, fuel_type: str, year: int, mw: float) -> CapacityRecord:
    """A capacity file's figure for a year: installed from 1 January of that year to 1 January of the next (UTC)."""
    start = datetime(year, 1, 1, tzinfo=UTC)
    return CapacityRecord(line, psr, fuel_type, start, start.replace(year=year + 1), mw)


# ---------------------------------------------------------------- JSON


class Utf8Reader:
    """The decoded text as the UTF-8 bytes ijson reads (given text, it would warn and encode it itself), after
    `first`: a line already read from it (to tell JSON from CSV)."""

    def __init__(self, text: TextIO, first: str = "") -> None:
        self._text = text
        self._first = first
        self.text_seen = bool(first.strip())  # anything but whitespace so far

    def read(self, size: int = -1) -> bytes:
        if self._first and size != 0:  # ijson reads 0 characters first, to see bytes or text
            first, self._first = self._first, ""
            return first.encode("utf-8")
        chunk = self._text.read(size)
        if not self.text_seen and chunk:
            chunk = chunk.lstrip("\ufeff")  # a byte order mark decoded as text; yajl would take it for garbage
            self.text_seen = bool(chunk.strip())
        return chunk.encode("utf-8")


def invalid_json(exc: ijson.JSONError, where: str) -> ImportFileError:
    """The file-level error for broken JSON: where the reading got to, the parser's reason, the text around it."""
    return ImportFileError(f"The file is not valid JSON ({where}): {_yajl_message(exc)}")


def _yajl_message(exc: ijson.JSONError) -> str:
    """The parser's reason and the text around the fault (its message draws an arrow under it on more lines)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if not lines:
        return "unreadable JSON."
    reason = lines[0].rstrip(".") + "."
    context = lines[1] if len(lines) > 2 and "(right here)" in lines[2] else ""
    return f"{reason} Near: {context}" if context else reason
