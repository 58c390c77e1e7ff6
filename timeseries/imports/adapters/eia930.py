"""EIA-930 exports (EIA Open Data API v2, `electricity/rto`) in the API's CSV and JSON shapes.

Three time-series layouts, one adapter each: fuel-type data (generation per fuel), interchange data (imports and
exports per neighbouring balancing authority) and region data (demand, day-ahead demand forecast, net generation).
Each reads the CSV the API and its browser export write, and the JSON the API answers with
(`{"response": {"data": [{...}, ...]}}`, streamed with ijson). Values are megawatthours per hour of one hour, that
is MWh: they are kept as they are.

Time: `period` is `YYYY-MM-DDTHH` in UTC and labels the hour by its END (EIA's "hour ending"); our intervals are
labelled by their start, so period `2021-06-01T00` is 2021-05-31T23:00Z-2021-06-01T00:00Z. The API's
`local-hourly` frequency writes the period in local time with its UTC offset (`2021-06-01T00-07`); it is read too.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from ..records import ImportOptions, Payload, Record, RowError
from .common import number, shown
from .eia_api import EiaRow, eia_rows, head_names

HOUR = timedelta(hours=1)
Reading = tuple[datetime, datetime, float]  # a row's interval (start, end) and value
UNIT = "MWh"
EIA_UNITS = frozenset({"megawatthours", "mwh"})
PERIOD = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2})(?:([+-])(\d{2}))?")
# Parsed periods are memoised (every row of an hour repeats it); bounded so memory stays flat.
PERIOD_MEMO_SIZE = 10_000

# EIA's sign of interchange, from the reporting balancing authority's (`fromba`'s) side: POSITIVE is a flow OUT of
# it (an export), negative a flow in (an import). EIA defines it so ("net metered tie line flow ... positive
# values are net outflows"), and the samples agree: CISO's interchange rows sum to -4,683 .. -9,140 MWh an hour,
# and only generation minus that sum gives a plausible California demand (20.7 to 32.3 GW, not 5.5 to 26.6 GW);
# region data's total interchange `TI` satisfies demand = net generation - TI (26,189 vs 22,846 + 3,372).
EXPORT_SIGN = 1

# Region data's types: what each becomes. `NG` is the balancing authority's reported total net generation: a
# generation record with no fuel, which this API serves as the PSR's total (in place of, never added to, the sum
# of its per-fuel series, for the area and in roll-ups). `TI` is the net of all interchange: it is not emitted
# (see REGION_SKIPPED).
REGION_TYPES = {
    "D": ("demand", None),
    "DF": ("demand", "day-ahead"),
    "NG": ("generation", None),
}
# Total interchange is exports minus imports over all neighbours, netted within the hour. Our imports and exports
# are gross flows per neighbour (the interchange layout): a total with no neighbour would be served as the area's
# imports or exports in place of the per-neighbour sum, and would be wrong whenever the area both imports and
# exports in an hour; a parent area's roll-up only counts flows with a neighbour outside it, which a total has not.
REGION_SKIPPED = frozenset({"TI"})


@dataclass(frozen=True)
class _Layout:
    name: str
    label: str
    columns: tuple[str, ...]  # the header as EIA writes it: what sniffing recognises
    required: tuple[str, ...]  # what records need (the name columns are descriptions)
    excluded: frozenset[str]  # a column of another layout that this one never has
    # The row's records, given its interval and value (None when wrong) and the errors found so far.
    convert: Callable[[EiaRow, Reading | None, list[RowError]], list[Record | RowError]]


class _Periods:
    """Periods read once per distinct value: the interval they end, or the reason they are not one."""

    def __init__(self) -> None:
        self.memo: dict[str, tuple[datetime, datetime] | str] = {}

    def interval(self, raw: Any) -> tuple[datetime, datetime] | str:
        if not isinstance(raw, str):
            return "the period is missing." if raw is None else "the period must be a string (YYYY-MM-DDTHH)."
        result = self.memo.get(raw)
        if result is None:
            if len(self.memo) >= PERIOD_MEMO_SIZE:
                self.memo.clear()
            self.memo[raw] = result = _parse_period(raw.strip())
        return result


def _parse_period(text: str) -> tuple[datetime, datetime] | str:
    match = PERIOD.fullmatch(text)
    if not match:
        return "not an hourly EIA period (YYYY-MM-DDTHH in UTC, or YYYY-MM-DDTHH-ZZ local with its offset)."
    year, month, day, hour, sign, offset = match.groups()
    try:
        end = datetime(int(year), int(month), int(day), int(hour), tzinfo=UTC)
    except ValueError:
        return "not a valid date and hour."
    if sign:
        # A local-hourly period: local time with its offset from UTC, which the UTC end is that much earlier/later.
        end -= (1 if sign == "+" else -1) * timedelta(hours=int(offset))
    return end - HOUR, end  # hour ending: the period names the end of its hour


class _Reader:
    """Per-file state shared by a layout's rows: parsed periods, and where each row's errors point."""

    def __init__(self) -> None:
        self.periods = _Periods()

    def common(self, row: EiaRow, errors: list[RowError]) -> Reading | None:
        """The row's interval and value, or None when the value is missing (no record, no error)."""
        raw = row.cells.get("value")
        value = number(raw)
        if value is None:
            return None
        if isinstance(value, str):
            errors.append(RowError(row.line, row.column("value"), shown(raw), value))
        interval = self.periods.interval(row.cells.get("period"))
        if isinstance(interval, str):
            errors.append(RowError(row.line, row.column("period"), shown(row.cells.get("period")), interval))
        units = row.cells.get("value-units")
        if units is not None and (not isinstance(units, str) or units.strip().lower() not in EIA_UNITS | {""}):
            reason = "EIA-930 values are in megawatthours; this unit is not one we read."
            errors.append(RowError(row.line, row.column("value-units"), shown(units), reason))
        if errors:
            return None
        return interval[0], interval[1], value


def _code(row: EiaRow, key: str, errors: list[RowError]) -> str | None:
    """An EIA code cell (balancing authority, fuel, type), stripped; an error if it is empty."""
    raw = row.cells.get(key)
    if isinstance(raw, str) and raw.strip():
        return raw.strip()
    errors.append(RowError(row.line, row.column(key), shown(raw), f"{key} is empty."))
    return None


def _fuel_type(row: EiaRow, common: Reading | None, errors: list[RowError]) -> list[Record | RowError]:
    respondent = _code(row, "respondent", errors)
    fuel = _code(row, "fueltype", errors)
    if errors or common is None:
        return errors
    start, end, value = common
    # Net generation per fuel, as published, negatives included: EIA reports net of the plants' own use, and
    # storage and "other" (OTH) go below zero when they draw more than they give (batteries charging).
    return [Record(row.line, f"eia:{respondent}", "generation", start, end, value, UNIT, fuel_type=f"eia:{fuel}")]


def _interchange(row: EiaRow, common: Reading | None, errors: list[RowError]) -> list[Record | RowError]:
    source = _code(row, "fromba", errors)
    neighbour = _code(row, "toba", errors)
    if errors or common is None:
        return errors
    start, end, value = common
    out = EXPORT_SIGN * value
    psr, connected = f"eia:{source}", f"eia:{neighbour}"
    # Both series every hour: the direction with no flow is a real zero. Only `fromba`'s side is emitted: the
    # neighbour reports its own side (its own meters, which may differ), and both sides in one file would
    # otherwise give two values for the same interval of the same series.
    return [
        Record(row.line, psr, "imports", start, end, -out if out < 0 else 0.0, UNIT, connected_psr=connected),
        Record(row.line, psr, "exports", start, end, out if out > 0 else 0.0, UNIT, connected_psr=connected),
    ]


def _region(row: EiaRow, common: Reading | None, errors: list[RowError]) -> list[Record | RowError]:
    respondent = _code(row, "respondent", errors)
    kind = _code(row, "type", errors)
    if kind is not None and kind not in REGION_TYPES and kind not in REGION_SKIPPED:
        known = ", ".join([*REGION_TYPES, *REGION_SKIPPED])
        errors.append(RowError(row.line, row.column("type"), kind, f"an unknown region data type (we read {known})."))
    if errors or common is None or kind in REGION_SKIPPED:
        return errors
    start, end, value = common
    quantity, timeframe = REGION_TYPES[kind]
    return [Record(row.line, f"eia:{respondent}", quantity, start, end, value, UNIT, timeframe=timeframe)]


FUEL_TYPE = _Layout(
    name="eia930-fuel-type",
    label="EIA-930 hourly net generation by fuel type (EIA API v2 electricity/rto/fuel-type-data, CSV or JSON)",
    columns=("period", "respondent", "respondent-name", "fueltype", "type-name", "value", "value-units"),
    required=("period", "respondent", "fueltype", "value"),
    excluded=frozenset({"type", "fromba"}),
    convert=_fuel_type,
)
INTERCHANGE = _Layout(
    name="eia930-interchange",
    label="EIA-930 hourly interchange with neighbouring balancing authorities (electricity/rto/interchange-data)",
    columns=("period", "fromba", "fromba-name", "toba", "toba-name", "value", "value-units"),
    required=("period", "fromba", "toba", "value"),
    excluded=frozenset({"respondent"}),
    convert=_interchange,
)
REGION = _Layout(
    name="eia930-region",
    label="EIA-930 hourly demand, day-ahead demand forecast and net generation (electricity/rto/region-data)",
    columns=("period", "respondent", "respondent-name", "type", "type-name", "value", "value-units"),
    required=("period", "respondent", "type", "value"),
    excluded=frozenset({"fueltype", "fromba"}),
    convert=_region,
)


class Eia930Adapter:
    """One EIA-930 layout, read from the API's CSV or JSON."""

    kind = Payload.TIMESERIES

    def __init__(self, layout: _Layout) -> None:
        self.layout = layout
        self.name = layout.name
        self.label = layout.label

    def sniff(self, head: str) -> bool:
        names = head_names(head)
        # Every column EIA writes for this layout, and none that only another layout has.
        return names is not None and set(self.layout.columns) <= names and not names & self.layout.excluded

    def records(self, text: TextIO, options: ImportOptions) -> Iterator[Record | RowError]:
        # options.psr and options.timezone do not apply: every row names its balancing authority, every period
        # is UTC (or carries its offset).
        reader = _Reader()
        convert = self.layout.convert
        for row in eia_rows(text, self.layout.required, self.layout.name):
            if isinstance(row, RowError):
                yield row
                continue
            errors: list[RowError] = []
            common = reader.common(row, errors)
            if common is not None or errors:  # else the value is missing: no record, nothing else matters
                yield from convert(row, common, errors)


FUEL_TYPE_ADAPTER = Eia930Adapter(FUEL_TYPE)
INTERCHANGE_ADAPTER = Eia930Adapter(INTERCHANGE)
REGION_ADAPTER = Eia930Adapter(REGION)


ADAPTERS = (FUEL_TYPE_ADAPTER, INTERCHANGE_ADAPTER, REGION_ADAPTER)
