"""EIA Open Data API v2 files read as rows, for the EIA adapters: the CSV the API and its browser export write, or
the JSON the API answers with (`{"response": {"data": [{...}, ...]}}`, streamed with ijson)."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TextIO

import ijson

from ..records import ImportFileError, RowError
from .common import (
    NOT_UTF8,
    Utf8Reader,
    check_columns,
    csv_rows,
    first_line_names,
    invalid_json,
    listed,
    quoted,
    shown,
    width_error,
)

JSON_ITEMS = "response.data.item"

_DATA_START = re.compile(r'"data"\s*:\s*\[\s*\{')
_KEY = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:')


@dataclass(frozen=True)
class EiaRow:
    """One row of the file, CSV or JSON, with where errors about its cells point."""

    line: int  # CSV: the file's line; JSON: the item's running number
    cells: dict[str, Any]  # by lower-case name; CSV: strings; JSON: what the item holds (strings, numbers, null)
    prefix: str  # JSON: "response.data[i]." before a key in error columns; CSV: ""

    def column(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def text(self, key: str) -> str | None:
        """A cell as text, stripped; None when absent or empty (a JSON number as its text)."""
        value = self.cells.get(key)
        value = value.strip() if isinstance(value, str) else None if value is None else str(value)
        return value or None


def head_names(head: str) -> set[str] | None:
    """The lower-case column names at the start of a file: the CSV header's, or the keys of the first item of a
    JSON response's `response.data`; None for JSON that is no API response."""
    text = head.lstrip("\ufeff \t\r\n")
    if text.startswith("{"):
        return _first_item_keys(text)
    return {name.lower() for name in first_line_names(text)}


def _first_item_keys(text: str) -> set[str] | None:
    if not re.match(r'\{\s*"response"\s*:', text):
        return None
    match = _DATA_START.search(text)
    if not match:
        return None
    item = text[match.end() :].split("}", 1)[0]  # items are flat objects
    return {key.lower() for key in _KEY.findall(item)}


def eia_rows(text: TextIO, required: tuple[str, ...], what: str) -> Iterator[EiaRow | RowError]:
    """The file's rows, from CSV or (when it starts with `{`) from an API response's `response.data` items; `what`
    names the data for a JSON item that lacks a required key."""
    skipped = 0
    first = text.readline()
    while first and not first.strip("\ufeff \t\r\n"):
        skipped += 1
        first = text.readline()
    if not first:
        raise ImportFileError("The file is empty.")
    first = first.lstrip("\ufeff")
    if first.lstrip().startswith("{"):
        yield from _json_rows(first, text, required, what)
    else:
        yield from _csv_rows(first, text, required, skipped + 1)


def _csv_rows(header: str, text: TextIO, required: tuple[str, ...], header_line: int) -> Iterator[EiaRow | RowError]:
    columns = [name.lower() for name in first_line_names(header)]
    check_columns(columns, required)
    width = len(columns)
    for line, row in csv_rows(text, header_line=header_line):
        if len(row) != width:
            yield width_error(line, row, width)
        else:
            yield EiaRow(line, dict(zip(columns, row, strict=True)), "")


def _json_rows(first: str, text: TextIO, required: tuple[str, ...], what: str) -> Iterator[EiaRow | RowError]:
    found = {"data": False}

    def events() -> Iterator[tuple[str, str, Any]]:
        for prefix, event, value in ijson.parse(Utf8Reader(text, first), use_float=True):
            if prefix == "response.data" and event == "start_array":
                found["data"] = True
            yield prefix, event, value

    number = 0
    try:
        for item in ijson.items(events(), JSON_ITEMS):
            number += 1
            path = f"response.data[{number - 1}]."
            if not isinstance(item, dict):
                yield RowError(number, path.rstrip("."), shown(item), "an item of response.data must be an object.")
                continue
            item = {key.lower(): value for key, value in item.items()}  # as CSV headers are read
            missing = [key for key in required if key not in item]
            if missing:
                # The API writes every column of the route; an item without one is not this layout's.
                raise ImportFileError(
                    f"Item {number} of response.data has no {quoted(missing)}: it is not "
                    f"{what} data (its keys: {listed(item) or 'none'})."
                )
            yield EiaRow(number, item, path)
    except ijson.JSONError as exc:
        where = f"after item {number} of response.data" if number else "before the first item of response.data"
        raise invalid_json(exc, where) from None
    except UnicodeEncodeError:
        raise ImportFileError(NOT_UTF8) from None
    if not found["data"]:
        raise ImportFileError(
            'The JSON is not an EIA API v2 response: it has no "response": {"data": [...]} (an error response, '
            "or another API's JSON?)."
        )
