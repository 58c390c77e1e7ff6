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


class TimeseriesCSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        view = renderer_context.get("view") if renderer_context else None
        quantity, timeframe = getattr(view, "quantity", ""), getattr(view, "timeframe_used", "")
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        psr, unit = _text(data.get("id")), data.get("unit")
        for interval in data.get(quantity, []):
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
        return out.getvalue().encode(self.charset)
