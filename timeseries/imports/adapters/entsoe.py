"""ENTSO-E Transparency Platform CSV exports (generation per type and per unit, load, cross-border flows) as records."""

import csv
import math
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from typing import NamedTuple, TextIO
from zoneinfo import ZoneInfo

from ..records import ImportFileError, ImportOptions, Payload, Record, RowError

MISSING = frozenset({"", "n/e", "n/a"})  # ENTSO-E: n/e "not existing", empty "no data"; neither is a zero
# The time-zone notes the platform's export writes after the MTU (in the header or in each cell). CET/CEST and the
# others are the local time of the European zones, with their clock changes (23- and 25-hour days); plain "CET" is
# what older exports wrote for the same local time.
ZONES: dict[str, tzinfo] = {
    "UTC": UTC,
    "CET/CEST": ZoneInfo("Europe/Brussels"),
    "CET": ZoneInfo("Europe/Brussels"),
    "WET/WEST": ZoneInfo("Europe/Lisbon"),
    "EET/EEST": ZoneInfo("Europe/Athens"),
}
SECOND = timedelta(seconds=1)

_NOTE = r"\(\s*(?P<zone>[^()]*?)\s*\)"
_TIME_HEADER = re.compile(r"^(?:MTU|Time)\s*(?:" + _NOTE + r")?$", re.IGNORECASE)
_MTU = re.compile(
    r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s+(\d{1,2}):(\d{2})"
    r"\s*(?:" + _NOTE + r")?\s*$"
)
_GENERATION_COLUMN = re.compile(r"^(?P<type>.+?)\s+-\s+Actual (?P<kind>Aggregated|Consumption) \[MW\]$")
_LOAD_COLUMN = re.compile(r"^(?P<kind>Day-ahead Total Load Forecast|Actual Total Load) \[MW\] - (?P<area>\S.*)$")
_FLOW_COLUMN = re.compile(r"^(?P<out>[^>]+?)\s*>\s*(?P<in>[^>]+?)\s*\[MW\]$")
_CAPACITY_COLUMN = re.compile(r"^(?P<year>\d{4}) \[MW\]$")
# The columns of the platform's per-unit export by role, matched on the name lowercased with its spaces collapsed
# (docs/import-formats.md, "entsoe-generation-unit"). The day and its time zone are in "Time interval" on each
# unit's heading row; "MTU" holds only the time of day.
_UNIT_COLUMNS = {
    "time interval": "day",
    "area": "area",
    "type": "type",
    "generation unit": "unit",
    "mtu": "mtu",
    "generation [mw]": "generation",
    "consumption [mw]": "consumption",
}
_UNIT_REQUIRED = ("day", "unit", "mtu", "generation")
_TIME_OF_DAY = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _header(text: TextIO) -> list[str]:
    line = text.readline()
    if not line.strip():
        raise ImportFileError("The file is empty: the first line should be the header row.")
    return _names(line)


def _names(line: str) -> list[str]:
    return [name.strip() for name in next(csv.reader([line.lstrip("\ufeff")]))]


def _is_time_layout(names: list[str], column: re.Pattern) -> bool:
    """A "Time (UTC)" column, then only columns of the given pattern (the load and flow layouts)."""
    return (
        len(names) >= 2
        and names[0].upper().startswith("TIME")
        and bool(_TIME_HEADER.match(names[0]))
        and all(column.match(n) for n in names[1:])
    )


def _first_line_names(head: str) -> list[str]:
    first = head.lstrip("\ufeff").split("\n", 1)[0].strip()
    try:
        return _names(first) if first else []
    except csv.Error:
        return []


def _header_zone(name: str) -> tzinfo | str | None:
    """The zone a time column's name states ("MTU (UTC)"), None if it states none, or the reason it is unknown."""
    match = _TIME_HEADER.match(name)
    note = match and match.group("zone")
    if not note:
        return None
    return ZONES.get(note.upper(), f"unknown time zone '{note}' (we read {', '.join(ZONES)})")


def _is_missing(cell: str) -> bool:
    return cell.strip().lower() in MISSING


def _power_cell(line: int, column: str, cell: str) -> float | RowError | None:
    """A cell of MW: None when missing (it writes nothing), else its MW, or a row error when it is no number."""
    if _is_missing(cell):
        return None
    try:
        mw = float(cell)
    except ValueError:
        mw = math.nan
    return mw if math.isfinite(mw) else RowError(line, column, cell, "not a number of MW.")


class _Clock:
    """Reads the MTU cells of one file into UTC intervals, in file order.

    A local time repeated by the autumn clock change is read as its first instant, and as its second once the file
    has been there (the platform lists the 25 hours in order, with the same local labels twice). An interval's end
    is read with its start's UTC offset while that offset still holds at the end: the platform writes
    "02:45 - 03:00" for the last quarter before the clocks go back, 03:00 in summer time.
    """

    def __init__(self, header_zone: tzinfo | None, options: ImportOptions) -> None:
        self.header_zone = header_zone
        self.fallback = options.timezone
        self.last_start: datetime | None = None

    def interval(self, cell: str) -> tuple[datetime, datetime] | str:
        """The UTC interval of an MTU cell ("01.11.2022 00:00 - 01.11.2022 00:15", maybe with its zone), or why
        it is none."""
        local = self.local(cell)
        return local if isinstance(local, str) else self.place(*local)

    def local(self, cell: str) -> tuple[datetime, datetime, tzinfo] | str:
        """An MTU cell's start and end as written (naive local times) and their zone, or why they are none."""
        match = _MTU.match(cell)
        if not match:
            return "not an ENTSO-E MTU interval (e.g. 01.11.2022 00:00 - 01.11.2022 00:15)."
        d1, m1, y1, h1, n1, d2, m2, y2, h2, n2 = (int(g) for g in match.groups()[:10])
        zone: tzinfo | str | None = self.header_zone
        if match.group("zone"):
            zone = ZONES.get(match.group("zone").upper(), f"unknown time zone '{match.group('zone')}'")
        zone = zone or self.fallback
        if zone is None:
            return "the interval names no time zone: give the file's time zone (the platform exports UTC or CET/CEST)."
        if isinstance(zone, str):
            return zone + "."
        try:
            return datetime(y1, m1, d1, h1, n1), datetime(y2, m2, d2, h2, n2), zone
        except ValueError as exc:
            return f"not a valid date or time ({exc})."

    def place(self, start_local: datetime, end_local: datetime, zone: tzinfo) -> tuple[datetime, datetime] | str:
        """The UTC interval of local start and end times read in file order, or why it is none."""
        if zone is UTC:
            start, end = start_local.replace(tzinfo=UTC), end_local.replace(tzinfo=UTC)
        else:
            start = self._start(start_local, zone)
            if start is None:
                return f"{start_local:%d.%m.%Y %H:%M} does not exist in {zone} (the spring clock change skips it)."
            end = self._end(end_local, start, zone)
        if end <= start:
            return "the interval ends before it starts."
        self.last_start = start
        return start, end

    def _start(self, local: datetime, zone: tzinfo) -> datetime | None:
        first = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
        second = local.replace(tzinfo=zone, fold=1).astimezone(UTC)
        if first == second:
            return first
        if first > second:  # zoneinfo's reading of a time the spring change skips: no such instant
            return None
        return second if self.last_start is not None and first <= self.last_start else first

    def _end(self, local: datetime, start: datetime, zone: tzinfo) -> datetime:
        offset = start.astimezone(zone).utcoffset()
        in_start_offset = (local - offset).replace(tzinfo=UTC)
        if (in_start_offset - SECOND).astimezone(zone).utcoffset() == offset:
            return in_start_offset
        return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def _time_zone(names: list[str], index: int) -> tzinfo | None:
    zone = _header_zone(names[index])
    if isinstance(zone, str):
        raise ImportFileError(f"Column '{names[index]}': {zone}.")
    return zone


def _rows(text: TextIO) -> Iterator[tuple[int, list[str]]]:
    """The data rows with their line numbers (header = 1), blank lines left out."""
    reader = csv.reader(text, strict=True)
    try:
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            yield reader.line_num + 1, row
    except csv.Error as exc:
        raise ImportFileError(f"Line {reader.line_num + 1} is not valid CSV: {exc}.") from exc


def _width_error(line: int, row: list[str], width: int) -> RowError:
    return RowError(line, "", "", f"expected {width} fields, found {len(row)}.")


class GenerationAdapter:
    """Actual Generation per Production Type: one row per MTU, one column per type.

    Only the "Actual Aggregated" columns are generation. "Actual Consumption" (pumped-storage pumping) is energy the
    area consumes: emitting it as generation would add it to the fuel mix, and negated it would hide the pumping, so
    those columns give no record (they are read, so a file naming them is this layout).
    """

    kind = Payload.TIMESERIES
    name = "entsoe-generation"
    label = "ENTSO-E Actual Generation per Production Type (Transparency Platform CSV export)"

    def sniff(self, head: str) -> bool:
        names = _first_line_names(head)
        return (
            len(names) >= 3
            and names[0] == "Area"
            and bool(_TIME_HEADER.match(names[1]))
            and names[1].upper().startswith("MTU")
            and all(_GENERATION_COLUMN.match(n) for n in names[2:])
        )

    def records(self, text: TextIO, options: ImportOptions) -> Iterator[Record | RowError]:
        names = _header(text)
        if (
            len(names) < 3
            or names[0] != "Area"
            or not _TIME_HEADER.match(names[1])
            or not all(_GENERATION_COLUMN.match(n) for n in names[2:])
        ):
            raise ImportFileError(
                "Not an ENTSO-E Actual Generation per Production Type file: the columns are Area, MTU, then "
                "'<Production type>  - Actual Aggregated [MW]' (and '... - Actual Consumption [MW]') columns "
                f"(found {', '.join(repr(n) for n in names)})."
            )
        clock = _Clock(_time_zone(names, 1), options)
        types = []  # (index, column name, fuel key) of the generation columns
        for i, column in enumerate(names[2:], start=2):
            match = _GENERATION_COLUMN.match(column)
            if match["kind"] == "Aggregated":
                types.append((i, column, f"entsoe:{match['type'].strip()}"))
        width = len(names)
        for line, row in _rows(text):
            if len(row) != width:
                yield _width_error(line, row, width)
                continue
            area = row[0].strip()
            psr = f"entsoe:{area}" if area else options.psr
            if psr is None:
                yield RowError(line, names[0], row[0], "the row names no area: choose the PSR for the file.")
                continue
            interval = clock.interval(row[1])
            if isinstance(interval, str):
                yield RowError(line, names[1], row[1], interval)
                continue
            start, end = interval
            hours = (end - start) / timedelta(hours=1)
            for i, column, fuel in types:
                mw = _power_cell(line, column, row[i])
                if mw.__class__ is float:
                    yield Record(line, psr, "generation", start, end, mw * hours, "MWh", fuel)
                elif mw is not None:
                    yield mw


class LoadAdapter:
    """Total Load - Day Ahead / Actual: actual load is demand, the day-ahead forecast is demand of that timeframe."""

    kind = Payload.TIMESERIES
    name = "entsoe-load"
    label = "ENTSO-E Total Load - Day Ahead / Actual (Transparency Platform CSV export)"

    def sniff(self, head: str) -> bool:
        return _is_time_layout(_first_line_names(head), _LOAD_COLUMN)

    def records(self, text: TextIO, options: ImportOptions) -> Iterator[Record | RowError]:
        names = _header(text)
        if not _is_time_layout(names, _LOAD_COLUMN):
            raise ImportFileError(
                "Not an ENTSO-E Total Load file: the columns are 'Time (UTC)' (or another zone), then "
                "'Day-ahead Total Load Forecast [MW] - <area>' and/or 'Actual Total Load [MW] - <area>' "
                f"(found {', '.join(repr(n) for n in names)})."
            )
        clock = _Clock(_time_zone(names, 0), options)
        columns = []  # (index, column name, psr, timeframe)
        for i, column in enumerate(names[1:], start=1):
            match = _LOAD_COLUMN.match(column)
            timeframe = "day-ahead" if match["kind"].startswith("Day-ahead") else None
            columns.append((i, column, f"entsoe:{match['area'].strip()}", timeframe))
        yield from _time_columns(text, names, clock, columns, _load_records, signed=True)


def _load_records(
    line: int, psr: str, start: datetime, end: datetime, mwh: float, timeframe: str | None
) -> list[Record]:
    return [Record(line, psr, "demand", start, end, mwh, "MWh", timeframe=timeframe)]


class FlowAdapter:
    """Cross-Border Physical Flow: a column per direction "A > B"; its flow is A's export to B and B's import."""

    kind = Payload.TIMESERIES
    name = "entsoe-flow"
    label = "ENTSO-E Cross-Border Physical Flow (Transparency Platform CSV export)"

    def sniff(self, head: str) -> bool:
        return _is_time_layout(_first_line_names(head), _FLOW_COLUMN)

    def records(self, text: TextIO, options: ImportOptions) -> Iterator[Record | RowError]:
        names = _header(text)
        if not _is_time_layout(names, _FLOW_COLUMN):
            raise ImportFileError(
                "Not an ENTSO-E Cross-Border Physical Flow file: the columns are 'Time (UTC)' (or another zone), "
                f"then one '<from area> > <to area> [MW]' column per direction (found "
                f"{', '.join(repr(n) for n in names)})."
            )
        clock = _Clock(_time_zone(names, 0), options)
        columns = []  # (index, column name, exporting psr, importing psr)
        for i, column in enumerate(names[1:], start=1):
            match = _FLOW_COLUMN.match(column)
            columns.append((i, column, f"entsoe:{match['out'].strip()}", f"entsoe:{match['in'].strip()}"))
        # Each column is one direction: a negative value is no flow the platform publishes.
        yield from _time_columns(text, names, clock, columns, _flow_records, signed=False)


def _flow_records(line: int, source: str, start: datetime, end: datetime, mwh: float, target: str) -> list[Record]:
    return [
        Record(line, source, "exports", start, end, mwh, "MWh", connected_psr=target),
        Record(line, target, "imports", start, end, mwh, "MWh", connected_psr=source),
    ]


def _time_columns(
    text: TextIO, names: list[str], clock: _Clock, columns: list, make: Callable[..., list[Record]], *, signed: bool
) -> Iterator[Record | RowError]:
    """The records of a file whose first column is the MTU and whose other columns are MW values."""
    width = len(names)
    for line, row in _rows(text):
        if len(row) != width:
            yield _width_error(line, row, width)
            continue
        interval = clock.interval(row[0])
        if isinstance(interval, str):
            yield RowError(line, names[0], row[0], interval)
            continue
        start, end = interval
        hours = (end - start) / timedelta(hours=1)
        for i, column, psr, extra in columns:
            mw = _power_cell(line, column, row[i])
            if mw.__class__ is not float:
                if mw is not None:
                    yield mw
            elif mw < 0 and not signed:
                yield RowError(line, column, row[i], "a flow in one direction cannot be negative.")
            else:
                yield from make(line, psr, start, end, mw * hours, extra)


class GenerationUnitAdapter:
    """Actual Generation per Generation Unit [16.1.A], the platform's CSV export: a block of rows per unit.

    A unit's heading row gives the day ("Time interval", with its time zone in the cell), the area, the production
    type, the unit's name, and its averages over the day ("967 (VARY)"): the averages are not imported (they
    would overlap the hours). The rows below leave those cells empty and give one MTU each, as a time of day
    ("00:00 - 01:00") on the heading's day. The unit is the PSR whose external identifier is `entsoe:<unit name>`
    (`entsoe:ALMARAZ 1`); the production type is the fuel (`entsoe:Nuclear`). "Consumption" (a pumped-storage
    unit's pumping) is not generation and is not imported, as for the production types.
    """

    kind = Payload.TIMESERIES
    name = "entsoe-generation-unit"
    label = "ENTSO-E Actual Generation per Generation Unit (Transparency Platform CSV export)"

    def sniff(self, head: str) -> bool:
        return isinstance(_unit_columns(_first_line_names(head)), dict)

    def records(self, text: TextIO, options: ImportOptions) -> Iterator[Record | RowError]:
        names = _header(text)
        columns = _unit_columns(names)
        if isinstance(columns, str):
            raise ImportFileError(
                "Not an ENTSO-E Actual Generation per Generation Unit file: the columns are 'Time interval', "
                "'Area', 'Type', 'Generation Unit', 'MTU', 'Generation [MW]' and 'Consumption [MW]' (Area, Type and "
                f"Consumption may be left out); {columns} (found {', '.join(repr(n) for n in names)})."
            )
        yield from _UnitRows(names, columns, options).read(text)


def _unit_columns(names: list[str]) -> dict[str, int] | str:
    """The index of each column of the per-unit layout by role, or why the header is not that layout."""
    columns: dict[str, int] = {}
    for i, name in enumerate(names):
        role = _UNIT_COLUMNS.get(" ".join(name.split()).lower())
        if role is None:
            return f"the column '{name}' is none of them"
        if role in columns:
            return f"the column '{name}' is there twice"
        columns[role] = i
    missing = [name for name, role in _UNIT_COLUMNS.items() if role in _UNIT_REQUIRED and role not in columns]
    if missing:
        return f"{', '.join(repr(m) for m in missing)} {'is' if len(missing) == 1 else 'are'} missing"
    return columns


class _UnitBlock:
    """The unit a heading row names, the interval it covers, and the local day its rows' times of day fall on."""

    def __init__(
        self,
        psr: str,
        fuel: str | None,
        interval: tuple[datetime, datetime],
        day: datetime,
        zone: tzinfo,
        clock: _Clock,
    ) -> None:
        self.psr, self.fuel, self.interval, self.zone, self.clock = psr, fuel, interval, zone, clock
        self.day = day  # local midnight of the day the next row's start falls on
        self.last_start: tuple[int, int] | None = None  # the previous row's start (hour, minute)

    def interval_of(self, cell: str) -> tuple[datetime, datetime] | str:
        """The UTC interval of an MTU cell holding a time of day, on the block's day (the next day once the times
        go back, as after "23:00 - 00:00" in a block of several days)."""
        match = _TIME_OF_DAY.match(cell)
        if not match:
            return "not a time of day interval (e.g. 00:00 - 01:00) on the day of the unit's heading row."
        h1, n1, h2, n2 = (int(g) for g in match.groups())
        if h1 > 23 or n1 > 59 or n2 > 59 or h2 > 24 or (h2 == 24 and n2):
            return "not a valid time of day."
        if self.last_start is not None and (h1, n1) < self.last_start:
            self.day += timedelta(days=1)
        self.last_start = (h1, n1)
        start = self.day + timedelta(hours=h1, minutes=n1)
        end = self.day + timedelta(hours=h2, minutes=n2)
        if end <= start:  # "23:00 - 00:00": the interval ends on the next day
            end += timedelta(days=1)
        interval = self.clock.place(start, end, self.zone)
        if isinstance(interval, str):
            return interval
        if interval[0] < self.interval[0] or interval[1] > self.interval[1]:
            return "outside the time interval of the unit's heading row."
        return interval


class _UnitRows:
    """Reads the rows of a per-unit file in order: a heading row opens a unit's block, the MTU rows below are its
    values."""

    def __init__(self, names: list[str], columns: dict[str, int], options: ImportOptions) -> None:
        self.names, self.columns, self.options = names, columns, options

    def read(self, text: TextIO) -> Iterator[Record | RowError]:
        width, columns, names = len(self.names), self.columns, self.names
        day, mtu, generation = columns["day"], columns["mtu"], columns["generation"]
        block: _UnitBlock | None = None
        for line, row in _rows(text):
            if len(row) != width:
                yield _width_error(line, row, width)
                continue
            if row[day].strip():
                block = self._block(line, row)
                if isinstance(block, RowError):
                    yield block
                    block = None
                continue
            value = row[generation]
            if not row[mtu].strip():
                if not _is_missing(value):
                    yield RowError(line, names[mtu], "", "a value with no MTU under it.")
                continue
            if block is None:
                reason = (
                    "the row follows no heading row of a unit (one with its 'Time interval' and 'Generation Unit')."
                )
                yield RowError(line, names[mtu], row[mtu], reason)
                continue
            interval = block.interval_of(row[mtu])
            if isinstance(interval, str):
                yield RowError(line, names[mtu], row[mtu], interval)
                continue
            mw = _power_cell(line, names[generation], value)
            if mw.__class__ is float:
                start, end = interval
                hours = (end - start) / timedelta(hours=1)
                yield Record(line, block.psr, "generation", start, end, mw * hours, "MWh", block.fuel)
            elif mw is not None:
                yield mw

    def _block(self, line: int, row: list[str]) -> _UnitBlock | RowError:
        """The block a heading row opens, or the row error that leaves its rows without a unit."""
        columns, names = self.columns, self.names
        unit = row[columns["unit"]].strip()
        psr = f"entsoe:{unit}" if unit else self.options.psr
        if psr is None:
            return RowError(line, names[columns["unit"]], "", "the heading row names no generation unit.")
        clock = _Clock(_time_zone(names, columns["day"]), self.options)
        local = clock.local(row[columns["day"]])
        interval = local if isinstance(local, str) else clock.place(*local)
        if isinstance(interval, str):
            return RowError(line, names[columns["day"]], row[columns["day"]], interval)
        production_type = row[columns["type"]].strip() if "type" in columns else ""
        fuel = f"entsoe:{production_type}" if production_type else None
        start_local, _, zone = local
        day = start_local.replace(hour=0, minute=0)
        return _UnitBlock(psr, fuel, interval, day, zone, _Clock(None, self.options))


class CapacityRow(NamedTuple):
    """One installed capacity of an Installed Capacity per Production Type file (the file names no area)."""

    line: int
    production_type: str  # the platform's name, e.g. "Fossil Gas" (its mapping key is entsoe:<name>)
    year: int
    mw: float


def installed_capacity_rows(text: TextIO) -> Iterator[CapacityRow | RowError]:
    """The capacities of an Installed Capacity per Production Type file, one per type and year column.

    The "Total Grand capacity" row is the sum of the others, not a production type: left out. Missing cells (empty,
    n/e, N/A) give nothing; a cell that is no number is a row error.
    """
    names = _header(text)
    years = [(i, n, _CAPACITY_COLUMN.match(n)) for i, n in enumerate(names[1:], start=1)]
    if len(names) < 2 or names[0] != "Production Type" or not all(match for _, _, match in years):
        raise ImportFileError(
            "Not an ENTSO-E Installed Capacity per Production Type file: the columns are 'Production Type', then "
            f"one '<year> [MW]' column per year (found {', '.join(repr(n) for n in names)})."
        )
    width = len(names)
    for line, row in _rows(text):
        if len(row) != width:
            yield _width_error(line, row, width)
            continue
        production_type = row[0].strip()
        if production_type.lower() == "total grand capacity":
            continue
        if not production_type:
            yield RowError(line, names[0], row[0], "the production type is empty.")
            continue
        for i, column, match in years:
            mw = _power_cell(line, column, row[i])
            if mw.__class__ is float and mw < 0:
                mw = RowError(line, column, row[i], "not a number of MW.")
            if mw.__class__ is float:
                yield CapacityRow(line, production_type, int(match["year"]), mw)
            elif mw is not None:
                yield mw


def is_installed_capacity(head: str) -> bool:
    """Whether the file's header row is the Installed Capacity per Production Type layout."""
    names = _first_line_names(head)
    return len(names) >= 2 and names[0] == "Production Type" and all(_CAPACITY_COLUMN.match(n) for n in names[1:])


GENERATION_ADAPTER = GenerationAdapter()
LOAD_ADAPTER = LoadAdapter()
FLOW_ADAPTER = FlowAdapter()
GENERATION_UNIT_ADAPTER = GenerationUnitAdapter()
ADAPTERS = (GENERATION_ADAPTER, LOAD_ADAPTER, FLOW_ADAPTER, GENERATION_UNIT_ADAPTER)
