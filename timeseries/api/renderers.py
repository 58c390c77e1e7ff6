"""CSV for time series: one row per interval (item "total") and one per breakdown item, with a header."""

import csv
import io

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
        body = csv_rows(data.get("id"), quantity, timeframe, data.get("unit"), data.get(key, []))
        return (csv_header() + body).encode(self.charset)
