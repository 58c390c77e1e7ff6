"""EIA-930 exports (EIA Open Data API v2, `electricity/rto`) in the API's CSV and JSON shapes, and the EIA-860M
generator inventory (`electricity/operating-generator-capacity`).

Three time-series layouts, one adapter each: fuel-type data (generation per fuel), interchange data (imports and
exports per neighbouring balancing authority) and region data (demand, day-ahead demand forecast, net generation).
Each reads the CSV the API and its browser export write, and the JSON the API answers with
(`{"response": {"data": [{...}, ...]}}`, streamed with ijson). Values are megawatthours per hour of one hour, that
is MWh: they are kept as they are.

Time: `period` is `YYYY-MM-DDTHH` in UTC and labels the hour by its END (EIA's "hour ending"); our intervals are
labelled by their start, so period `2021-06-01T00` is 2021-05-31T23:00Z-2021-06-01T00:00Z. The API's
`local-hourly` frequency writes the period in local time with its UTC offset (`2021-06-01T00-07`); it is read too.
"""

import csv
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

import ijson

from psr.choices import UnitStatus

from ..records import GeneratingUnitRecord, ImportFileError, ImportOptions, Payload, Record, RowError
from .api_json import Utf8Reader, yajl_message

HOUR = timedelta(hours=1)
UNIT = "MWh"
EIA_UNITS = frozenset({"megawatthours", "mwh"})
MISSING = frozenset({"", "n/e", "n/a"})  # compared stripped and lowercased
JSON_ITEMS = "response.data.item"
PERIOD = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2})(?:([+-])(\d{2}))?")
# Parsed periods are memoised (every row of an hour repeats it); bounded so memory stays flat.
PERIOD_MEMO_SIZE = 10_000
SHOWN_VALUE_LENGTH = 200

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
class _Row:
    """One row of the file, CSV or JSON, with where errors about its cells point."""

    line: int  # CSV: the file's line; JSON: the item's running number
    cells: dict[str, Any]  # CSV: strings; JSON: what the item holds (strings, numbers, null)
    prefix: str  # JSON: "response.data[i]." before a key in error columns; CSV: ""

    def column(self, key: str) -> str:
        return f"{self.prefix}{key}"


@dataclass(frozen=True)
class _Layout:
    name: str
    label: str
    columns: tuple[str, ...]  # the header as EIA writes it: what sniffing recognises
    required: tuple[str, ...]  # what records need (the name columns are descriptions)
    excluded: frozenset[str]  # a column of another layout that this one never has
    convert: Callable[["_Reader", _Row], list[Record | RowError]]


class _Periods:
    """Periods read once per distinct value: the interval they end, or the reason they are not one."""

    def __init__(self) -> None:
        self.memo: dict[str, tuple[datetime, datetime] | str] = {}

    def interval(self, raw: Any) -> tuple[datetime, datetime] | str:
        if raw.__class__ is not str:
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

    def common(self, row: _Row, errors: list[RowError]) -> tuple[datetime, datetime, float] | None:
        """The row's interval and value, or None when the value is missing (no record, no error)."""
        raw = row.cells.get("value")
        value = _value(raw)
        if value is None:
            return None
        if value.__class__ is str:
            errors.append(RowError(row.line, row.column("value"), _shown(raw), value))
        interval = self.periods.interval(row.cells.get("period"))
        if interval.__class__ is str:
            errors.append(RowError(row.line, row.column("period"), _shown(row.cells.get("period")), interval))
        units = row.cells.get("value-units")
        if units is not None and (units.__class__ is not str or units.strip().lower() not in EIA_UNITS | {""}):
            reason = "EIA-930 values are in megawatthours; this unit is not one we read."
            errors.append(RowError(row.line, row.column("value-units"), _shown(units), reason))
        if errors:
            return None
        return interval[0], interval[1], value


def _value(raw: Any) -> float | str | None:
    """A number, None for missing data, or the reason the cell is not a number."""
    if raw is None:
        return None
    if raw.__class__ is float or raw.__class__ is int:
        number = float(raw)
    elif raw.__class__ is str:
        text = raw.strip()
        if text.lower() in MISSING:
            return None
        try:
            number = float(text)
        except ValueError:
            return "the value is not a number."
    else:
        return "the value is not a number."
    return number if math.isfinite(number) else "the value is not a finite number."


def _code(row: _Row, key: str, errors: list[RowError]) -> str | None:
    """An EIA code cell (balancing authority, fuel, type), stripped; an error if it is empty."""
    raw = row.cells.get(key)
    if raw.__class__ is str and raw.strip():
        return raw.strip()
    errors.append(RowError(row.line, row.column(key), _shown(raw), f"{key} is empty."))
    return None


def _fuel_type(reader: _Reader, row: _Row) -> list[Record | RowError]:
    errors: list[RowError] = []
    common = reader.common(row, errors)
    if common is None and not errors:
        return []  # missing data: no record, and nothing else in the row matters
    respondent = _code(row, "respondent", errors)
    fuel = _code(row, "fueltype", errors)
    if errors or common is None:
        return errors
    start, end, value = common
    # Net generation per fuel, as published, negatives included: EIA reports net of the plants' own use, and
    # storage and "other" (OTH) go below zero when they draw more than they give (batteries charging).
    return [Record(row.line, f"eia:{respondent}", "generation", start, end, value, UNIT, fuel_type=f"eia:{fuel}")]


def _interchange(reader: _Reader, row: _Row) -> list[Record | RowError]:
    errors: list[RowError] = []
    common = reader.common(row, errors)
    if common is None and not errors:
        return []  # missing data: no record, and nothing else in the row matters
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


def _region(reader: _Reader, row: _Row) -> list[Record | RowError]:
    errors: list[RowError] = []
    common = reader.common(row, errors)
    if common is None and not errors:
        return []  # missing data: no record, and nothing else in the row matters
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
        names = _head_names(head)
        # Every column EIA writes for this layout, and none that only another layout has.
        return names is not None and set(self.layout.columns) <= names and not names & self.layout.excluded

    def records(self, text: TextIO, options: ImportOptions) -> Iterator[Record | RowError]:
        # options.psr and options.timezone do not apply: every row names its balancing authority, every period
        # is UTC (or carries its offset).
        reader = _Reader()
        convert = self.layout.convert
        for row in _rows(text, self.layout.required, self.layout.name):
            if row.__class__ is RowError:
                yield row
            else:
                yield from convert(reader, row)


def _head_names(head: str) -> set[str] | None:
    """The column names at the start of a file: the CSV header's, or the keys of a JSON response's first item."""
    text = head.lstrip("\ufeff \t\r\n")
    if text.startswith("{"):
        return _first_item_keys(text)
    first = text.split("\n", 1)[0].strip()
    return {n.strip().lower() for n in next(csv.reader([first]))} if first else set()


_DATA_START = re.compile(r'"data"\s*:\s*\[\s*\{')
_KEY = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:')


def _first_item_keys(text: str) -> set[str] | None:
    """The keys of the first item of an API response's `response.data`, from the start of the file."""
    if not re.match(r'\{\s*"response"\s*:', text):
        return None
    match = _DATA_START.search(text)
    if not match:
        return None
    item = text[match.end() :].split("}", 1)[0]  # items are flat objects
    return {key.lower() for key in _KEY.findall(item)}


def _rows(text: TextIO, required: tuple[str, ...], what: str) -> Iterator[_Row | RowError]:
    """The file's rows, from CSV or (when it starts with `{`) from an API response's `response.data` items."""
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


def _csv_rows(header: str, text: TextIO, required: tuple[str, ...], header_line: int) -> Iterator[_Row | RowError]:
    names = [n.strip().lower() for n in next(csv.reader([header]))]
    missing = [n for n in required if n not in names]
    if missing:
        raise ImportFileError(
            f"Missing column(s) {', '.join(repr(n) for n in missing)} in the header row; this layout needs "
            f"{', '.join(required)} (found {', '.join(repr(n) for n in names)})."
        )
    if len(set(names)) != len(names):
        raise ImportFileError("A column appears twice in the header row.")
    width = len(names)
    reader = csv.reader(text, strict=True)
    end = header_line  # the line the previous row ended on: a quoted cell may span lines
    try:
        for row in reader:
            line, end = end + 1, header_line + reader.line_num
            if len(row) != width:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue  # a blank line
                yield RowError(
                    line, "", ",".join(row)[:SHOWN_VALUE_LENGTH], f"expected {width} fields, found {len(row)}."
                )
                continue
            yield _Row(line, dict(zip(names, row, strict=True)), "")
    except csv.Error as exc:
        raise ImportFileError(f"Line {header_line + reader.line_num} is not valid CSV: {exc}.") from exc


class _PrefixedReader(Utf8Reader):
    """The JSON as bytes for ijson, starting with the line already read to tell JSON from CSV."""

    def __init__(self, first: str, text: TextIO) -> None:
        super().__init__(text)
        self._first: str | None = first
        self.text_seen = True

    def read(self, size: int = -1) -> bytes:
        if self._first is not None and size != 0:  # ijson reads 0 characters first, to see bytes or text
            first, self._first = self._first, None
            return first.encode("utf-8")
        return super().read(size)


def _json_rows(first: str, text: TextIO, required: tuple[str, ...], what: str) -> Iterator[_Row | RowError]:
    found = {"data": False}

    def events() -> Iterator[tuple[str, str, Any]]:
        for prefix, event, value in ijson.parse(_PrefixedReader(first, text), use_float=True):
            if prefix == "response.data" and event == "start_array":
                found["data"] = True
            yield prefix, event, value

    number = 0
    try:
        for item in ijson.items(events(), JSON_ITEMS):
            number += 1
            path = f"response.data[{number - 1}]."
            if item.__class__ is not dict:
                yield RowError(number, path.rstrip("."), _shown(item), "an item of response.data must be an object.")
                continue
            item = {key.lower(): value for key, value in item.items()}  # as CSV headers are read
            missing = [key for key in required if key not in item]
            if missing:
                # The API writes every column of the route; an item without one is not this layout's.
                raise ImportFileError(
                    f"Item {number} of response.data has no {', '.join(repr(k) for k in missing)}: it is not "
                    f"{what} data (its keys: {', '.join(item) or 'none'})."
                )
            yield _Row(number, item, path)
    except ijson.JSONError as exc:
        where = f"after item {number} of response.data" if number else "before the first item of response.data"
        raise ImportFileError(f"The file is not valid JSON ({where}): {yajl_message(exc)}") from None
    except UnicodeEncodeError:
        raise ImportFileError("The file holds text that is not valid UTF-8.") from None
    if not found["data"]:
        raise ImportFileError(
            'The JSON is not an EIA API v2 response: it has no "response": {"data": [...]} (an error response, '
            "or another API's JSON?)."
        )


def _shown(value: Any) -> str:
    if value is None:
        return ""
    text = value if value.__class__ is str else repr(value)
    return text if len(text) <= SHOWN_VALUE_LENGTH else text[: SHOWN_VALUE_LENGTH - 1] + "…"


FUEL_TYPE_ADAPTER = Eia930Adapter(FUEL_TYPE)
INTERCHANGE_ADAPTER = Eia930Adapter(INTERCHANGE)
REGION_ADAPTER = Eia930Adapter(REGION)


# ---------------------------------------------------------------- EIA-860M generator inventory


@dataclass(frozen=True)
class GeneratorRow:
    """One generator of the EIA-860M inventory (`electricity/operating-generator-capacity`): not a time series,
    the plants and generating units that become PSRs, with their nameplate capacity."""

    line: int  # CSV: the file's line; JSON: the item's running number
    period: str | None  # the month the inventory describes, "YYYY-MM"
    plant_id: int  # EIA plant code
    plant_name: str
    generator_id: str  # unique within its plant
    unit: str | None  # the multi-generator unit (combined cycle) the generator belongs to, if any
    technology: str  # EIA technology name, e.g. "Natural Gas Fired Combined Cycle"
    energy_source_code: str  # EIA energy source code, e.g. "NG", "SUN", "MWH" (storage)
    energy_source: str | None  # its description
    prime_mover: str  # EIA prime mover code, e.g. "CT", "PV", "BA"
    balancing_authority: str  # EIA balancing authority code, e.g. "CISO"
    status: str  # EIA status code: OP operating, SB standby, OA / OS out of service (returning / not), ...
    status_description: str | None
    nameplate_mw: float
    entity_id: str | None  # the operating utility
    entity_name: str | None
    state: str | None
    sector: str | None
    # Columns the EIA API v2 writes when asked for them (the sample has none): months as "YYYY-MM".
    operating_month: str | None = None
    planned_retirement_month: str | None = None
    retirement_month: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    county: str | None = None
    net_summer_mw: float | None = None


INVENTORY_REQUIRED = (
    "plantid",
    "plantname",
    "generatorid",
    "technology",
    "energy_source_code",
    "prime_mover_code",
    "balancing_authority_code",
    "status",
    "nameplate-capacity-mw",
)
INVENTORY_UNITS = frozenset({"mw", ""})
YEAR_MONTH = re.compile(r"(\d{4})-(\d{2})")
# Optional month columns: (column, GeneratorRow field).
INVENTORY_MONTHS = (
    ("operating-year-month", "operating_month"),
    ("planned-retirement-year-month", "planned_retirement_month"),
    ("retirement-year-month", "retirement_month"),
)
# Optional coordinates: (column, GeneratorRow field, bound of its absolute value).
INVENTORY_COORDINATES = (("latitude", "latitude", 90.0), ("longitude", "longitude", 180.0))


def generator_inventory_rows(text: TextIO) -> Iterator[GeneratorRow | RowError]:
    """The generators of an EIA-860M inventory export (CSV or the API's JSON), in file order, as a stream.

    A generator with an unreadable plant code, capacity, month or coordinate is a RowError; one with no capacity
    published is one too (a unit's capacity is what the inventory is for).
    """
    for row in _rows(text, INVENTORY_REQUIRED, "generator inventory"):
        if row.__class__ is RowError:
            yield row
        else:
            yield _generator(row)


def _generator(row: _Row) -> GeneratorRow | RowError:
    cells = row.cells

    def text(key: str) -> str | None:
        value = cells.get(key)
        value = value.strip() if value.__class__ is str else None if value is None else str(value)
        return value or None

    for key in INVENTORY_REQUIRED:
        if text(key) is None:
            return RowError(row.line, row.column(key), "", f"{key} is empty.")
    plant = text("plantid")
    try:
        plant_id = int(plant)
    except ValueError:
        return RowError(row.line, row.column("plantid"), plant, "the plant id is not a whole number.")
    capacity = _value(cells.get("nameplate-capacity-mw"))
    if capacity.__class__ is str or capacity is None or capacity < 0:
        reason = capacity if capacity.__class__ is str else "the nameplate capacity must be a number of MW, >= 0."
        return RowError(row.line, row.column("nameplate-capacity-mw"), text("nameplate-capacity-mw") or "", reason)
    units = (text("nameplate-capacity-mw-units") or "").lower()
    if units not in INVENTORY_UNITS:
        reason = "nameplate capacity is published in MW; this unit is not one we read."
        return RowError(row.line, row.column("nameplate-capacity-mw-units"), units, reason)
    optional: dict[str, Any] = {}
    for key, field in INVENTORY_MONTHS:
        month = text(key)
        if month is not None and _month_start(month) is None:
            return RowError(row.line, row.column(key), _shown(month), "not a year and month (YYYY-MM).")
        optional[field] = month
    for key, field, bound in INVENTORY_COORDINATES:
        number = _value(cells.get(key))
        if number.__class__ is str or (number is not None and abs(number) > bound):
            reason = number if number.__class__ is str else f"{key} is out of range (-{bound:g} to {bound:g} degrees)."
            return RowError(row.line, row.column(key), _shown(cells.get(key)), reason)
        optional[field] = number
    summer = _value(cells.get("net-summer-capacity-mw"))
    if summer.__class__ is str:
        return RowError(
            row.line, row.column("net-summer-capacity-mw"), _shown(cells.get("net-summer-capacity-mw")), summer
        )
    return GeneratorRow(
        line=row.line,
        period=text("period"),
        plant_id=plant_id,
        plant_name=text("plantname"),
        generator_id=text("generatorid"),
        unit=text("unit"),
        technology=text("technology"),
        energy_source_code=text("energy_source_code"),
        energy_source=text("energy-source-desc"),
        prime_mover=text("prime_mover_code"),
        balancing_authority=text("balancing_authority_code"),
        status=text("status"),
        status_description=text("statusdescription"),
        nameplate_mw=capacity,
        entity_id=text("entityid"),
        entity_name=text("entityname"),
        state=text("stateid"),
        sector=text("sector"),
        county=text("county"),
        net_summer_mw=summer,
        **optional,
    )


def _month_start(text: str) -> datetime | None:
    """The first instant (UTC) of a "YYYY-MM" month, or None if the text is not one."""
    match = YEAR_MONTH.fullmatch(text)
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1:
        return None
    return datetime(int(match[1]), int(match[2]), 1, tzinfo=UTC)


# EIA-860 generator status codes, by what they mean for installed capacity. OA ("out of service, expected back
# within the next calendar year") still counts: the unit is part of the fleet, like one on standby. OS ("not
# expected back") and RE (retired) do not. The planned codes: P planned, L regulatory approvals pending, T approvals
# received, U / V under construction (up to / over half done), TS built but not yet in commercial operation, OT
# other; IP (indefinitely postponed) and CN (cancelled) are projects that were planned.
INVENTORY_STATUS = {
    **dict.fromkeys(("OP", "SB", "OA"), UnitStatus.INSTALLED),
    **dict.fromkeys(("OS", "RE"), UnitStatus.RETIRED),
    **dict.fromkeys(("P", "L", "T", "U", "V", "TS", "OT", "IP", "CN"), UnitStatus.PLANNED),
}
FUEL_SOURCE = "eia860"  # metadata.SourceFuelMapping.Source.EIA860
PLANT_SCHEME = "eia-plant"
GENERATOR_SCHEME = "eia-generator"
UNSAFE_ID_CHARACTERS = re.compile(r"[^A-Za-z0-9._~-]")  # outside the spec's PSR id alphabet
NAME_MAX_LENGTH = 255


def _inventory_records(text: TextIO) -> Iterator[GeneratingUnitRecord | RowError]:
    for row in _rows(text, (*INVENTORY_REQUIRED, "period"), "generator inventory"):
        if row.__class__ is RowError:
            yield row
            continue
        generator = _generator(row)
        yield generator if generator.__class__ is RowError else _unit_record(row, generator)


def _unit_record(row: _Row, g: GeneratorRow) -> GeneratingUnitRecord | RowError:
    """The generator as a unit of its plant under its balancing area, with its capacity's status and dates."""
    period = _month_start(g.period) if g.period else None
    if period is None:
        reason = "the inventory's month (YYYY-MM) is missing or unreadable; it dates the unit's capacity."
        return RowError(g.line, row.column("period"), _shown(g.period), reason)
    code = g.status.upper()
    status = INVENTORY_STATUS.get(code)
    if status is None:
        reason = f"an unknown EIA generator status; we read {', '.join(INVENTORY_STATUS)}."
        return RowError(g.line, row.column("status"), _shown(g.status), reason)
    operating = _month_start(g.operating_month) if g.operating_month else None
    retired = _month_start(g.retirement_month) if g.retirement_month else None
    start = end = None
    if status is UnitStatus.INSTALLED:
        # A unit in service since a known month has had its capacity since then; otherwise the inventory only
        # says it is installed in the month it describes.
        start = operating or period
    elif status is UnitStatus.RETIRED:
        if operating is not None and retired is not None and retired <= operating:
            reason = f"the unit retired ({g.retirement_month}) no later than it began operating ({g.operating_month})."
            return RowError(g.line, row.column("retirement-year-month"), g.retirement_month, reason)
        end = retired or period
        # Its past capacity is known only when both ends are; an OS unit without a date has none we can tell.
        start = operating if retired is not None else None
    properties = {
        "technology": g.technology,
        "prime_mover": g.prime_mover,
        "energy_source": g.energy_source_code,
        "energy_source_description": g.energy_source,
        "status": code,
        "status_description": g.status_description,
        "nameplate_capacity_mw": g.nameplate_mw,
        "net_summer_capacity_mw": g.net_summer_mw,
        "operating_year_month": g.operating_month,
        "planned_retirement_year_month": g.planned_retirement_month,
        "retirement_year_month": g.retirement_month,
        "entity_id": g.entity_id,
        "entity_name": g.entity_name,
        "sector": g.sector,
        "combined_cycle_unit": g.unit,
        "county": g.county,
        "inventory_period": g.period,
    }
    return GeneratingUnitRecord(
        line=g.line,
        area=f"eia:{g.balancing_authority}",
        plant_key=f"{PLANT_SCHEME}:{g.plant_id}",
        plant_id=f"EIA-{g.plant_id}",
        plant_name=g.plant_name[:NAME_MAX_LENGTH],
        unit_key=f"{GENERATOR_SCHEME}:{g.plant_id}-{g.generator_id}",
        unit_id=f"EIA-{g.plant_id}-{UNSAFE_ID_CHARACTERS.sub('_', g.generator_id)}",
        unit_name=f"{g.plant_name} generator {g.generator_id}"[:NAME_MAX_LENGTH],
        fuel_types=(
            f"{FUEL_SOURCE}:{g.energy_source_code}/{g.prime_mover}",
            f"{FUEL_SOURCE}:{g.energy_source_code}",
        ),
        capacity=g.nameplate_mw,
        status=status,
        start=start,
        end=end,
        period=period,
        properties={key: value for key, value in properties.items() if value is not None},
        state=g.state,
        latitude=g.latitude,
        longitude=g.longitude,
    )


class InventoryAdapter:
    """The EIA-860M generator inventory: plants and generating units with their nameplate capacity."""

    name = "eia860m-inventory"
    label = "EIA-860M generator inventory (CSV or EIA API v2 JSON)"
    kind = Payload.INVENTORY  # plants and units (PSRs) and their installed capacities, not time series
    asset_info = "EIA-860M generator inventory"  # the name of the unit's asset info item holding its properties
    columns = frozenset({"period", "plantid", "generatorid", "nameplate-capacity-mw", "balancing_authority_code"})

    def sniff(self, head: str) -> bool:
        names = _head_names(head)
        return names is not None and self.columns <= names

    def records(self, text: TextIO, options: ImportOptions) -> Iterator[GeneratingUnitRecord | RowError]:
        # options.psr and options.timezone do not apply: every row names its balancing authority, months are UTC.
        return _inventory_records(text)


INVENTORY_ADAPTER = InventoryAdapter()
ADAPTERS = (FUEL_TYPE_ADAPTER, INTERCHANGE_ADAPTER, REGION_ADAPTER, INVENTORY_ADAPTER)
