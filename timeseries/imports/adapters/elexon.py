"""Elexon BMRS (GB) CSV exports: generation per production type and interconnector flows per settlement period, and
installed capacity per type and year."""

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple, TextIO
from zoneinfo import ZoneInfo

from ..records import CapacityRecord, ImportFileError, ImportOptions, Payload, Record, RowError
from .common import csv_rows, first_line_names, listed, mw_cell, names, require_psr, width_error, year_capacity

# Settlement periods are counted in UK local time from local midnight: 48 a day, 46 when the clocks go forward,
# 50 when they go back. Each lasts 30 minutes of real time.
LONDON = ZoneInfo("Europe/London")
PERIOD = timedelta(minutes=30)
PERIOD_HOURS = 0.5  # BMRS publishes average MW over the period; MW x 0.5 h is the period's MWh
# Rows of one settlement period held while its revisions are read (a period has a row per type, about a dozen).
GROUP_LIMIT = 1_000
# Days already turned into (local midnight in UTC, number of periods); bounded so memory stays flat.
DAY_MEMO_SIZE = 10_000

GENERATION_REQUIRED = ("Quantity", "SettlementDate", "SettlementPeriod", "PowerSystemResourceType")
GENERATION_OPTIONAL = ("Resolution", "ActiveFlag", "DocumentRevNum")
FLOW_REQUIRED = ("settlementDate", "startTimeOfHalfHrPeriod")
CAPACITY_REQUIRED = ("Quantity", "Year", "PowerSystemResourceType")
# One column per interconnector, e.g. intfrGeneration (IFA, to France) -> elexon:INTFR.
_FLOW_COLUMN = re.compile(r"^(int\w+?)generation$", re.IGNORECASE)


def _index(names: list[str], required: tuple[str, ...], layout: str) -> dict[str, int]:
    """Column positions by lower-case name; ImportFileError naming what the layout needs if a column is missing."""
    index: dict[str, int] = {}
    for i, name in enumerate(names):
        index.setdefault(name.lower(), i)
    missing = [n for n in required if n.lower() not in index]
    if missing:
        raise ImportFileError(
            f"This is not an Elexon {layout} file: missing column(s) {', '.join(missing)}. The header should "
            f"have {', '.join(required)} (found {listed(names) or 'nothing'})."
        )
    return index


class _Calendar:
    """Settlement days: the UTC start of a settlement period, or why the date or period is not one."""

    def __init__(self) -> None:
        self.days: dict[str, tuple[datetime, int] | str] = {}

    def day(self, text: str) -> tuple[datetime, int] | str:
        found = self.days.get(text)
        if found is None:
            if len(self.days) >= DAY_MEMO_SIZE:
                self.days.clear()
            found = self.days[text] = _settlement_day(text)
        return found

    def start(self, raw_date: str, raw_period: str, *, date_column: str, period_column: str, line: int):
        """The period's UTC start, or the RowError saying which of the two cells is wrong."""
        day = self.day(raw_date)
        if isinstance(day, str):
            return RowError(line, date_column, raw_date, day)
        midnight, periods = day
        try:
            period = int(raw_period.strip())
        except ValueError:
            return RowError(line, period_column, raw_period, "the settlement period is not a whole number.")
        if not 1 <= period <= periods:
            return RowError(
                line,
                period_column,
                raw_period,
                f"{raw_date.strip()} has settlement periods 1 to {periods} (UK local time).",
            )
        return midnight + (period - 1) * PERIOD


def _settlement_day(text: str) -> tuple[datetime, int] | str:
    """Local midnight of the date in UTC and the day's number of half-hour periods (46, 48 or 50)."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return "not a date (YYYY-MM-DD)." if text.strip() else "the settlement date is empty."
    # Midnight is never skipped nor repeated in Europe/London (the clocks change at 01:00 UTC).
    midnight = datetime(day.year, day.month, day.day, tzinfo=LONDON).astimezone(UTC)
    next_day = day + timedelta(days=1)
    next_midnight = datetime(next_day.year, next_day.month, next_day.day, tzinfo=LONDON).astimezone(UTC)
    return midnight, (next_midnight - midnight) // PERIOD


def _require_psr(options: ImportOptions) -> str:
    return require_psr(options, "An Elexon BMRS file (they are all for Great Britain)")


# ---------------------------------------------------------------- generation by production type


def _active_rows(text: TextIO, width: int, i_active: int | None) -> Iterator[tuple[int, list[str]] | RowError]:
    """The file's data rows with their line numbers: blank lines skipped, short rows as errors, superseded rows
    (an active flag other than Y: BMRS keeps old revisions for history) left out."""
    for line, row in csv_rows(text):
        if len(row) < width:
            yield width_error(line, row, width, at_least=True)
        elif i_active is None or row[i_active].strip().upper() == "Y":
            yield line, row


def _revision(row: list[str], i_revision: int | None, line: int) -> int | RowError:
    """The row's document revision (0 without the column), or why it is not one."""
    if i_revision is None or not row[i_revision].strip():
        return 0
    try:
        return int(row[i_revision].strip())
    except ValueError:
        return RowError(line, "DocumentRevNum", row[i_revision], "the revision is not a whole number.")


class _Pending(NamedTuple):
    """A generation row kept until its settlement period's rows are all read (a later revision may replace it)."""

    line: int
    start: datetime
    revision: int
    record: Record | None  # None: the value is missing (no record), but the row still counts as that revision


class ElexonGenerationAdapter:
    kind = Payload.TIMESERIES
    name = "elexon-generation"
    label = "Elexon BMRS actual generation per production type (settlement periods, PT30M)"

    def sniff(self, head: str) -> bool:
        found = {n.lower() for n in first_line_names(head)}
        return {n.lower() for n in GENERATION_REQUIRED} <= found and "year" not in found

    def records(self, text: TextIO, options: ImportOptions) -> Iterator[Record | RowError]:
        psr = _require_psr(options)
        index = _index(names(text.readline()), GENERATION_REQUIRED, "generation per production type")
        return _generation(text, index, psr)


def _generation(text: TextIO, index: dict[str, int], psr: str) -> Iterator[Record | RowError]:
    """Rows grouped by settlement period, the latest active revision of each production type winning.

    BMRS lists a period's types together (one document per period), so only the current period's rows are held.
    A period that comes back after others (a file not grouped by period) cannot replace what was already
    emitted: its repeated types are row errors rather than a second record for the same interval.
    """
    i_value, i_date, i_period, i_type = (index[n.lower()] for n in GENERATION_REQUIRED)
    i_resolution = index.get("resolution")
    i_active = index.get("activeflag")
    i_revision = index.get("documentrevnum")
    width = max(index.values()) + 1
    calendar = _Calendar()
    group_key: tuple[str, str] | None = None
    group: dict[str, _Pending] = {}
    # What periods already flushed emitted: one small int per record (period number x type number) and its
    # revision, a few tens of bytes each, never the values.
    done: dict[int, int] = {}
    fuels: dict[str, int] = {}
    for item in _active_rows(text, width, i_active):
        if isinstance(item, RowError):
            yield item
            continue
        line, row = item
        key = (row[i_date].strip(), row[i_period].strip())
        if key != group_key or len(group) >= GROUP_LIMIT:
            yield from _flush(group, done, fuels)
            group_key, group = key, {}
        start = calendar.start(
            row[i_date], row[i_period], date_column="SettlementDate", period_column="SettlementPeriod", line=line
        )
        if isinstance(start, RowError):
            yield start
            continue
        fuel = row[i_type].strip()
        if not fuel:
            yield RowError(line, "PowerSystemResourceType", row[i_type], "the production type is empty.")
            continue
        if i_resolution is not None and row[i_resolution].strip().upper() not in ("PT30M", ""):
            yield RowError(line, "Resolution", row[i_resolution], "settlement periods last 30 minutes (PT30M).")
            continue
        revision = _revision(row, i_revision, line)
        if isinstance(revision, RowError):
            yield revision
            continue
        mw = mw_cell(line, "Quantity", row[i_value])
        if isinstance(mw, RowError):
            yield mw
            continue
        record = None
        if mw is not None:
            record = Record(line, psr, "generation", start, start + PERIOD, mw * PERIOD_HOURS, "MWh", f"elexon:{fuel}")
        emitted = done.get(_done_key(start, fuel, fuels))
        if emitted is not None:
            if revision >= emitted:
                yield RowError(
                    line,
                    "PowerSystemResourceType",
                    row[i_type],
                    f"{fuel} of settlement period {key[1]} of {key[0]} was already given earlier in the file "
                    f"(revision {emitted}); sort the file by settlement period so that the latest revision can "
                    "replace the earlier one.",
                )
            continue  # else an older revision than the one kept: superseded
        held = group.get(fuel)
        if held is None or revision > held.revision:
            group[fuel] = _Pending(line, start, revision, record)
        elif revision == held.revision:
            yield RowError(
                line,
                "PowerSystemResourceType",
                row[i_type],
                f"{fuel} of settlement period {key[1]} of {key[0]} appears twice with revision {revision} "
                f"(line {held.line}): which one holds is unknown.",
            )
        # An older revision after a newer one is superseded: dropped.
    yield from _flush(group, done, fuels)


def _done_key(start: datetime, fuel: str, fuels: dict[str, int]) -> int:
    """A period and production type as one int: the type's number above the half hours since the epoch."""
    number = fuels.setdefault(fuel, len(fuels))
    return (number << 40) + int(start.timestamp()) // 1800


def _flush(group: dict[str, _Pending], done: dict[int, int], fuels: dict[str, int]) -> Iterator[Record]:
    """The held period's winning records, in the file's order."""
    for fuel, pending in sorted(group.items(), key=lambda item: item[1].line):
        done[_done_key(pending.start, fuel, fuels)] = pending.revision
        if pending.record is not None:
            yield pending.record


# ---------------------------------------------------------------- interconnector flows


class ElexonInterconnectorAdapter:
    kind = Payload.TIMESERIES
    name = "elexon-interconnectors"
    label = "Elexon BMRS interconnector flows (one column per interconnector, settlement periods)"

    def sniff(self, head: str) -> bool:
        header = first_line_names(head)
        lower = {n.lower() for n in header}
        return {n.lower() for n in FLOW_REQUIRED} <= lower and any(_FLOW_COLUMN.match(n) for n in header)

    def records(self, text: TextIO, options: ImportOptions) -> Iterator[Record | RowError]:
        psr = _require_psr(options)
        header = names(text.readline())
        index = _index(header, FLOW_REQUIRED, "interconnector flows")
        flows = [
            (i, name, f"elexon:{m.group(1).upper()}")
            for i, name in enumerate(header)
            if (m := _FLOW_COLUMN.match(name))
        ]
        if not flows:
            raise ImportFileError(
                "This Elexon interconnector flows file has no interconnector column (int<name>Generation, e.g. "
                f"intfrGeneration); found {listed(header)}."
            )
        return _flows(text, index, flows, psr)


def _flows(
    text: TextIO, index: dict[str, int], flows: list[tuple[int, str, str]], psr: str
) -> Iterator[Record | RowError]:
    """Each interconnector's signed MW as two non-negative energies: imports into GB and exports from it."""
    i_date, i_period = (index[n.lower()] for n in FLOW_REQUIRED)
    i_active = index.get("activeflag")
    width = max([*index.values(), *(i for i, _, _ in flows)]) + 1
    calendar = _Calendar()
    # Periods read so far (a few bytes each, 17,520 a year): the file has no revision number to pick between two.
    seen: dict[datetime, int] = {}
    for item in _active_rows(text, width, i_active):
        if isinstance(item, RowError):
            yield item
            continue
        line, row = item
        start = calendar.start(
            row[i_date],
            row[i_period],
            date_column="settlementDate",
            period_column="startTimeOfHalfHrPeriod",
            line=line,
        )
        if isinstance(start, RowError):
            yield start
            continue
        if start in seen:
            yield RowError(
                line,
                "startTimeOfHalfHrPeriod",
                row[i_period],
                f"settlement period {row[i_period].strip()} of {row[i_date].strip()} is already on line {seen[start]}.",
            )
            continue
        seen[start] = line
        end = start + PERIOD
        values: list[tuple[str, float]] = []
        errors = []
        for i, column, neighbour in flows:
            mw = mw_cell(line, column, row[i])
            if isinstance(mw, RowError):
                errors.append(mw)
            elif mw is not None:
                values.append((neighbour, mw))
        if errors:
            yield from errors  # the row's other values stay out too: fix the row and import it whole
            continue
        for neighbour, value in values:
            energy = abs(value) * PERIOD_HOURS
            # Positive flows into GB, negative out of it; the other direction is a real zero, not missing.
            yield Record(line, psr, "imports", start, end, energy if value > 0 else 0.0, "MWh", None, None, neighbour)
            yield Record(line, psr, "exports", start, end, energy if value < 0 else 0.0, "MWh", None, None, neighbour)


# ---------------------------------------------------------------- installed capacity (not a time series)


def installed_capacities(text: TextIO, psr: str) -> Iterator[CapacityRecord | RowError]:
    """An installed generation capacity file (P1Y) as the capacities of the PSR chosen (the file names no area), one
    per year and type, fuels as `elexon:<type>`, or row errors.

    Active rows only; when a year and type is given more than once, the highest DocumentRevNum wins (two rows
    with the same revision are a row error). A capacity file has a row per type and year, so it is held whole
    to pick the revisions, then given back in file order.
    """
    index = _index(names(text.readline()), CAPACITY_REQUIRED, "installed generation capacity")
    i_value, i_year, i_type = (index[n.lower()] for n in CAPACITY_REQUIRED)
    i_resolution = index.get("resolution")
    i_active = index.get("activeflag")
    i_revision = index.get("documentrevnum")
    width = max(index.values()) + 1
    best: dict[tuple[int, str], tuple[int, CapacityRecord | None]] = {}
    errors: list[RowError] = []
    for item in _active_rows(text, width, i_active):
        if isinstance(item, RowError):
            errors.append(item)
            continue
        line, row = item
        if i_resolution is not None and row[i_resolution].strip().upper() not in ("P1Y", ""):
            errors.append(RowError(line, "Resolution", row[i_resolution], "installed capacity is per year (P1Y)."))
            continue
        try:
            year = int(row[i_year].strip())
        except ValueError:
            errors.append(RowError(line, "Year", row[i_year], "the year is not a whole number."))
            continue
        fuel = row[i_type].strip()
        if not fuel:
            errors.append(RowError(line, "PowerSystemResourceType", row[i_type], "the production type is empty."))
            continue
        revision = _revision(row, i_revision, line)
        if isinstance(revision, RowError):
            errors.append(revision)
            continue
        mw = mw_cell(line, "Quantity", row[i_value])
        if isinstance(mw, RowError):
            errors.append(mw)
            continue
        capacity = None if mw is None else year_capacity(line, psr, f"elexon:{fuel}", year, mw)
        held = best.get((year, fuel))
        if held is not None and held[0] == revision:
            errors.append(
                RowError(
                    line,
                    "PowerSystemResourceType",
                    row[i_type],
                    f"{fuel} of {year} appears twice with revision {revision}: which one holds is unknown.",
                )
            )
        elif held is None or revision > held[0]:
            best[(year, fuel)] = (revision, capacity)
    kept: list[CapacityRecord | RowError] = [c for _, c in best.values() if c is not None]
    yield from sorted(kept + errors, key=lambda item: item.line)


def is_installed_capacity(head: str) -> bool:
    """Whether the file's header row is the installed generation capacity layout."""
    found = {n.lower() for n in first_line_names(head)}
    return {"quantity", "year", "powersystemresourcetype"} <= found and "settlementdate" not in found


GENERATION_ADAPTER = ElexonGenerationAdapter()
INTERCONNECTOR_ADAPTER = ElexonInterconnectorAdapter()

ADAPTERS = (GENERATION_ADAPTER, INTERCONNECTOR_ADAPTER)
