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
BREAKDOWN_KEYS = {"valueByFuelSource": "fuelSource", "valueByConnectedPSR": "connectedPSR"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: object) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_header() -> str:
    return _line(COLUMNS)


def csv_rows(psr_id: str, quantity: str, timeframe: str, unit: str | None, items: list[dict]) -> str:
    """The CSV rows of intervals as the JSON body holds them: a "total" row, then one per breakdown item."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    psr = _text(psr_id)
    for interval in items:
        common = [psr, quantity, timeframe, interval["startDatetime"], interval["endDatetime"]]
        writer.writerow([*common, "total", "", "", "", repr(interval["value"]), unit])
        for key, item_name in BREAKDOWN_KEYS.items():
            for item in interval.get(key, []):
                writer.writerow(
                    [
                        *common,
                        item_name,
                        _text(item.get("type")),
                        _text(item.get("technology")),
                        _text(item.get("connectedPSR")),
                        repr(item["value"]),
                        unit,
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
        body = csv_rows(data.get("id"), quantity, timeframe, data.get("unit"), data.get(quantity, []))
        return (csv_header() + body).encode(self.charset)
