"""CSV for time series, in two layouts: long (one row per interval, item "total", and one per breakdown item) and
wide (one row per interval: a column for the total and one per breakdown item, fixed before the first row)."""

import csv
import io
from dataclasses import dataclass

from rest_framework.renderers import BaseRenderer

COLUMNS = [
    "id",
    "quantity",
    "timeframe",
    "startDatetime",
    "endDatetime",
    "item",
    "type",
    "technology",
    "connectedPSR",
    "value",
    "unit",
]
# Per breakdown key of an interval: the CSV item name, and the key of the item's number. A breakdown's values are in
# the body's unit; an intensity's mix is one row per source with its share of the energy (the unit column: "share").
ITEM_KEYS = {
    "valueByFuelSource": ("fuelSource", "value"),
    "valueByConnectedPSR": ("connectedPSR", "value"),
    "mixByFuelSource": ("fuelShare", "share"),
    "mixByConnectedPSR": ("connectedPSRShare", "share"),
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LONG, WIDE = "long", "wide"
LAYOUTS = (LONG, WIDE)
# The wide layout's columns before the breakdown items'; a price's value is a price, not a total.
WIDE_COLUMNS = ["id", "quantity", "timeframe", "unit", "startDatetime", "endDatetime"]
BREAKDOWN_KEYS = ("valueByFuelSource", "valueByConnectedPSR")


def _text(value: object) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _number(value: float | None) -> str:
    """A value cell: the float's shortest exact text; empty for a value that is not there (null in JSON)."""
    return "" if value is None else repr(value)


def csv_header() -> str:
    return _line(COLUMNS)


def csv_rows(psr_id: str, quantity: str, timeframe: str, unit: str | None, items: list[dict]) -> str:
    """The CSV rows of intervals as the JSON body holds them: a "total" row, then one per breakdown item."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    psr = _text(psr_id)
    for interval in items:
        common = [psr, quantity, timeframe, interval["startDatetime"], interval["endDatetime"]]
        writer.writerow([*common, "total", "", "", "", _number(interval["value"]), unit])
        for key, (item_name, value_key) in ITEM_KEYS.items():
            for item in interval.get(key, []):
                writer.writerow(
                    [
                        *common,
                        item_name,
                        _text(item.get("type")),
                        _text(item.get("technology")),
                        _text(item.get("connectedPSR") or item.get("fallback")),
                        _number(item[value_key]),
                        unit if value_key == "value" else "share",
                    ]
                )
    return out.getvalue()


@dataclass(frozen=True)
class WideColumns:
    """The wide layout's header: the value column's name, then one column per breakdown item. Items are told apart
    by their labels (`item_identity`): the item of a fuel, a technology or a connected PSR has one column."""

    value: str
    names: tuple[str, ...]  # the item columns' names, unique, unescaped
    position: dict[tuple, int]  # an item's identity -> its column among the item columns

    def header(self) -> str:
        return _line([*WIDE_COLUMNS, self.value, *(_text(name) for name in self.names)])


def item_identity(item: dict) -> tuple:
    """What tells a breakdown item from the others of its interval: its fuel and technology, or its connected PSR."""
    return (item.get("type"), item.get("technology"), item.get("connectedPSR"))


def wide_columns(quantity: str, labels: dict[tuple, dict]) -> WideColumns:
    """The columns of a wide CSV from the labels of every breakdown item the query can answer with (a series set's),
    in the JSON breakdown's order: fuels by type then technology, connected PSRs by id. A fuel type held with several
    technologies is named `type / technology` (its item without a technology: the type alone); every name is made
    unique, against the fixed columns too, with a ` (2)`, ` (3)`, ... suffix."""
    order = sorted(labels, key=lambda k: (labels[k].get("type", ""), labels[k].get("technology") or "", k[1]))
    items = [labels[key] for key in order]
    types = [item["type"] for item in items if "type" in item]
    value = "value" if quantity == "price" else "total"
    taken = {*WIDE_COLUMNS, value}
    names: list[str] = []
    position: dict[tuple, int] = {}
    for item in items:
        if "connectedPSR" in item:
            name = str(item["connectedPSR"])
        elif item.get("technology") and types.count(item["type"]) > 1:
            name = f"{item['type']} / {item['technology']}"
        else:
            name = str(item["type"])
        unique, n = name, 1
        while unique in taken:
            n += 1
            unique = f"{name} ({n})"
        taken.add(unique)
        position.setdefault(item_identity(item), len(names))
        names.append(unique)
    return WideColumns(value=value, names=tuple(names), position=position)


def wide_rows(
    psr_id: str, quantity: str, timeframe: str, unit: str | None, columns: WideColumns, items: list[dict]
) -> str:
    """The wide CSV rows of intervals: the interval's value, then each item's value in its column; a cell is empty
    where the interval has no value for that item (or a null one), never 0."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    common = [_text(psr_id), quantity, timeframe, _text(unit)]
    width = len(columns.names)
    for interval in items:
        cells = [""] * width
        for key in BREAKDOWN_KEYS:
            for item in interval.get(key, ()):
                at = columns.position.get(item_identity(item))
                if at is None:  # the header is fixed: an item it has no column for must not vanish without a word
                    raise ValueError(f"no wide CSV column for the breakdown item {item_identity(item)}")
                cells[at] = _number(item["value"])
        start, end = interval["startDatetime"], interval["endDatetime"]
        writer.writerow([*common, start, end, _number(interval["value"]), *cells])
    return out.getvalue()


def _line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue()


class TimeseriesCSVRenderer(BaseRenderer):
    """One page as CSV (a request that pages explicitly, with pageSize or a cursor; the whole window is streamed by
    the view instead, see TimeseriesView)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        view = renderer_context.get("view") if renderer_context else None
        quantity, timeframe = getattr(view, "quantity", ""), getattr(view, "timeframe_used", "")
        key = getattr(view, "body_key", "") or quantity
        columns: WideColumns | None = getattr(view, "wide_columns", None)
        if columns is not None:
            body = wide_rows(data.get("id"), quantity, timeframe, data.get("unit"), columns, data.get(key, []))
            return (columns.header() + body).encode(self.charset)
        body = csv_rows(data.get("id"), quantity, timeframe, data.get("unit"), data.get(key, []))
        return (csv_header() + body).encode(self.charset)
