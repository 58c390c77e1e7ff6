"""ENTSO-E Transparency Platform CSV exports (generation per type and per unit, load, cross-border flows, installed
capacity) as records."""

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TextIO
from zoneinfo import ZoneInfo

from ..records import CapacityRecord, ImportFileError, ImportOptions, Payload, Record, RowError
from .common import (
    csv_rows,
    first_line_names,
    is_missing,
    mw_cell,
    quoted,
    read_header,
    width_error,
    year_capacity,
)

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
HOUR = timedelta(hours=1)
# The records of one MW column of a time-column layout, given its line, interval and MWh.
RecordMaker = Callable[[int, datetime, datetime, float], list[Record]]

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


def _not_layout(title: str, columns: str, names: list[str], why: str = "") -> ImportFileError:
    """The error for a header that is not the layout: what its columns should be, and what they are."""
    return ImportFileError(
        f"Not an ENTSO-E {title} file: the columns are {columns}{'; ' + why if why else ''} (found {quoted(names)})."
    )


def _is_time_layout(names: list[str], column: re.Pattern) -> bool:
    """A "Time (UTC)" column, then only columns of the given pattern (the load and flow layouts)."""
    return (
        len(names) >= 2
        and names[0].upper().startswith("TIME")
        and bool(_TIME_HEADER.match(names[0]))
        and all(column.match(n) for n in names[1:])
    )


def _header_zone(name: str) -> tzinfo | str | None:
    """The zone a time column's name states ("MTU (UTC)"), None if it states none, or the reason it is unknown."""
    match = _TIME_HEADER.match(name)
    note = match and match.group("zone")
    if not note:
        return None
    return ZONES.get(note.upper(), f"unknown time zone '{note}' (we read {', '.join(ZONES)})")


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


def _is_generation_layout(names: list[str]) -> bool:
    """Area, the MTU ("MTU (UTC)"), then only production type columns (the per-type generation layout)."""
    return (
        len(names) >= 3
        and names[0] == "Area"
        and bool(_TIME_HEADER.match(names[1]))
        and all(_GENERATION_COLUMN.match(n) for n in names[2:])
    )


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
        names = first_line_names(head)
        return _is_generation_layout(names) and names[1].upper().startswith("MTU")

    def records(self, text: TextIO, options: ImportOptions) -> Iterator[Record | RowError]:
        names = read_header(text)
        if not _is_generation_layout(names):
            raise _not_layout(
                "Actual Generation per Production Type",
                "Area, MTU, then '<Production type>  - Actual Aggregated [MW]' (and '... - Actual Consumption [MW]') "
                "columns",
                names,
            )
        clock = _Clock(_time_zone(names, 1), options)
        types = []  # (index, column name, fuel key) of the generation columns
        for i, column in enumerate(names[2:], start=2):
            match = _GENERATION_COLUMN.match(column)
            if match["kind"] == "Aggregated":
                types.append((i, column, f"entsoe:{match['type'].strip()}"))
        width = len(names)
        for line, row in csv_rows(text):
            if len(row) != width:
                yield width_error(line, row, width)
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
            hours = (end - start) / HOUR
            for i, column, fuel in types:
                mw = mw_cell(line, column, row[i])
                if isinstance(mw, float):
                    yield Record(line, psr, "generation", start, end, mw * hours, "MWh", fuel)
                elif mw is not None:
                    yield mw


class TimeColumnsAdapter:
    """A layout whose first column is the MTU ("Time (UTC)") and each other column the MW of one series (or of a
    pair of them), named in the column: Total Load, Cross-Border Physical Flow."""

    kind = Payload.TIMESERIES

    def __init__(
        self,
        name: str,
        label: str,
        *,
        title: str,
        column: re.Pattern,
        columns: str,
        column_records: Callable[[re.Match], RecordMaker],
        negative: str | None = None,
    ) -> None:
        self.name, self.label, self.title = name, label, title
        self.column = column  # what every column after the MTU's matches
        self.columns = columns  # those columns, as the header error describes them
        self.column_records = column_records  # a column's match -> the maker of that column's records
        self.negative = negative  # why a negative MW is refused; None: a negative MW is a value

    def sniff(self, head: str) -> bool:
        return _is_time_layout(first_line_names(head), self.column)

    def records(self, text: TextIO, options: ImportOptions) -> Iterator[Record | RowError]:
        names = read_header(text)
        if not _is_time_layout(names, self.column):
            raise _not_layout(self.title, f"'Time (UTC)' (or another zone), then {self.columns}", names)
        clock = _Clock(_time_zone(names, 0), options)
        columns = [(i, name, self.column_records(self.column.match(name))) for i, name in enumerate(names[1:], start=1)]
        width = len(names)
        for line, row in csv_rows(text):
            if len(row) != width:
                yield width_error(line, row, width)
                continue
            interval = clock.interval(row[0])
            if isinstance(interval, str):
                yield RowError(line, names[0], row[0], interval)
                continue
            start, end = interval
            hours = (end - start) / HOUR
            for i, column, make in columns:
                mw = mw_cell(line, column, row[i])
                if isinstance(mw, RowError):
                    yield mw
                elif mw is not None and mw < 0 and self.negative:
                    yield RowError(line, column, row[i], self.negative)
                elif mw is not None:
                    yield from make(line, start, end, mw * hours)


def _load_records(match: re.Match) -> RecordMaker:
    """Actual load is demand of the column's area; the day-ahead forecast is demand of that timeframe."""
    psr = f"entsoe:{match['area'].strip()}"
    timeframe = "day-ahead" if match["kind"].startswith("Day-ahead") else None
    return lambda line, start, end, mwh: [Record(line, psr, "demand", start, end, mwh, "MWh", timeframe=timeframe)]


def _flow_records(match: re.Match) -> RecordMaker:
    """A column "A > B" is one direction: its flow is A's export to B and B's import from A."""
    source, target = f"entsoe:{match['out'].strip()}", f"entsoe:{match['in'].strip()}"
    return lambda line, start, end, mwh: [
        Record(line, source, "exports", start, end, mwh, "MWh", connected_psr=target),
        Record(line, target, "imports", start, end, mwh, "MWh", connected_psr=source),
    ]


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
        return isinstance(_unit_columns(first_line_names(head)), dict)

    def records(self, text: TextIO, options: ImportOptions) -> Iterator[Record | RowError]:
        names = read_header(text)
        columns = _unit_columns(names)
        if isinstance(columns, str):
            raise _not_layout(
                "Actual Generation per Generation Unit",
                "'Time interval', 'Area', 'Type', 'Generation Unit', 'MTU', 'Generation [MW]' and 'Consumption [MW]' "
                "(Area, Type and Consumption may be left out)",
                names,
                why=columns,
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
        for line, row in csv_rows(text):
            if len(row) != width:
                yield width_error(line, row, width)
                continue
            if row[day].strip():
                block = self._block(line, row)
                if isinstance(block, RowError):
                    yield block
                    block = None
                continue
            value = row[generation]
            if not row[mtu].strip():
                if not is_missing(value):
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
            mw = mw_cell(line, names[generation], value)
            if isinstance(mw, float):
                start, end = interval
                hours = (end - start) / HOUR
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


def installed_capacities(text: TextIO, psr: str) -> Iterator[CapacityRecord | RowError]:
    """The capacities of an Installed Capacity per Production Type file for the PSR chosen (the file names no area),
    one per type and year column, fuels as `entsoe:<production type>`.

    The "Total Grand capacity" row is the sum of the others, not a production type: left out. Missing cells (empty,
    n/e, N/A) give nothing; a cell that is no number is a row error.
    """
    names = read_header(text)
    years = [(i, n, _CAPACITY_COLUMN.match(n)) for i, n in enumerate(names[1:], start=1)]
    if len(names) < 2 or names[0] != "Production Type" or not all(match for _, _, match in years):
        raise _not_layout(
            "Installed Capacity per Production Type", "'Production Type', then one '<year> [MW]' column per year", names
        )
    width = len(names)
    for line, row in csv_rows(text):
        if len(row) != width:
            yield width_error(line, row, width)
            continue
        production_type = row[0].strip()
        if production_type.lower() == "total grand capacity":
            continue
        if not production_type:
            yield RowError(line, names[0], row[0], "the production type is empty.")
            continue
        for i, column, match in years:
            mw = mw_cell(line, column, row[i])
            if isinstance(mw, float) and mw < 0:
                mw = RowError(line, column, row[i], "not a number of MW.")
            if isinstance(mw, RowError):
                yield mw
            elif mw is not None:
                yield year_capacity(line, psr, f"entsoe:{production_type}", int(match["year"]), mw)


def is_installed_capacity(head: str) -> bool:
    """Whether the file's header row is the Installed Capacity per Production Type layout."""
    names = first_line_names(head)
    return len(names) >= 2 and names[0] == "Production Type" and all(_CAPACITY_COLUMN.match(n) for n in names[1:])


GENERATION_ADAPTER = GenerationAdapter()
LOAD_ADAPTER = TimeColumnsAdapter(
    "entsoe-load",
    "ENTSO-E Total Load - Day Ahead / Actual (Transparency Platform CSV export)",
    title="Total Load",
    column=_LOAD_COLUMN,
    columns="'Day-ahead Total Load Forecast [MW] - <area>' and/or 'Actual Total Load [MW] - <area>'",
    column_records=_load_records,
)
FLOW_ADAPTER = TimeColumnsAdapter(
    "entsoe-flow",
    "ENTSO-E Cross-Border Physical Flow (Transparency Platform CSV export)",
    title="Cross-Border Physical Flow",
    column=_FLOW_COLUMN,
    columns="one '<from area> > <to area> [MW]' column per direction",
    column_records=_flow_records,
    # Each column is one direction: a negative value is no flow the platform publishes.
    negative="a flow in one direction cannot be negative.",
)
GENERATION_UNIT_ADAPTER = GenerationUnitAdapter()
ADAPTERS = (GENERATION_ADAPTER, LOAD_ADAPTER, FLOW_ADAPTER, GENERATION_UNIT_ADAPTER)
