"""What adapters produce: canonical records (values of intervals, capacities, generating units), row errors and
file-level errors."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import NamedTuple

import numpy as np

# An inventory's record is the type its writer takes (psr must not import timeseries): re-exported for adapters.
from psr.services.inventory import GeneratingUnit


class Payload(StrEnum):
    """What an adapter's records are, and so which pipeline writes them."""

    TIMESERIES = "timeseries"  # Record: values of intervals, written to the time-series store
    CAPACITY = "capacity"  # CapacityRecord: installed capacities of PSRs
    INVENTORY = "inventory"  # GeneratingUnit: plants and units (PSRs) with their capacities
    READINGS = "readings"  # ReadingRecord: energy per interval of production projects' meters


class Record(NamedTuple):
    """One value of one interval, named the way our own CSV names it; the writer resolves and validates it.

    `fuel_type` and `technology` are catalogue names or AIB codes; `unit` None means the quantity's default
    (MWh for energy, tCO2e for emissions; a price must name its currency); `timeframe` None means the quantity's
    default.
    """

    line: int  # line of the file (for JSON: the record's number) that errors point to
    psr: str
    quantity: str
    start: datetime  # aware
    end: datetime  # aware
    value: float
    unit: str | None = None
    fuel_type: str | None = None
    technology: str | None = None
    connected_psr: str | None = None
    timeframe: str | None = None
    quality: int = 0


# Instants in columns are microseconds since 1970-01-01 UTC: `EPOCH + us * MICROSECOND`, `(t - EPOCH) // MICROSECOND`.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class RecordColumns:
    """Consecutive rows of a file as columns: what their `Record`s hold, for checking and staging in bulk.

    An adapter yields one only for rows that each make a Record (no row error of its own): the lines
    `first_line` to `first_line + len(start) - 1`, one row per line. `records()` gives the same rows one by one,
    as the adapter's `records` would: the way back when a check refuses one of them.
    """

    first_line: int
    names: list[tuple]  # distinct (psr, quantity, unit, fuel_type, technology, connected_psr, timeframe), as Records
    name_index: np.ndarray  # per row: its names' position in `names`
    start: np.ndarray  # int64 microseconds since 1970-01-01 UTC
    end: np.ndarray
    value: np.ndarray  # float64
    quality: np.ndarray  # int16, a Quality value
    records: Callable[[], Iterator["Record | RowError"]]

    def __len__(self) -> int:
        return len(self.start)


class ReadingRecord(NamedTuple):
    """One reading of one interval of a production project's meter, in the stream its four dimensions name.

    `meter` None means the meter chosen for the import (ImportOptions.meter); likewise `reading_format` and
    `validity` None mean the import's choice, or the adapter's default for its kind of file. `direction` is a
    psr.choices.ReadingDirection value, `quality` a name of CDS-WG3-01's vocabulary (timeseries.choices
    READING_QUALITIES; empty is `raw`). Energy only: `unit` is Wh, kWh, MWh or GWh. Names may come as written
    (spaces, capitals, empty cells): the import's checks clean them once per stream.
    """

    line: int
    start: datetime  # aware
    end: datetime  # aware
    value: float
    unit: str
    direction: str
    quality: str = "raw"
    meter: str | None = None
    reading_format: str | None = None
    validity: str | None = None


class CapacityRecord(NamedTuple):
    """An installed capacity of a PSR for a fuel over a period, in MW (capacity files: ENTSO-E, Elexon)."""

    line: int
    psr: str  # a PSR id or an external identifier
    fuel_type: str  # catalogue name, AIB code or `source:code`
    start: datetime  # aware
    end: datetime | None  # aware; None: still installed
    value: float  # MW
    technology: str | None = None


class RowError(NamedTuple):
    """A row that cannot become a record: where, which column and value, and why."""

    line: int | None
    column: str
    value: str
    reason: str


class ImportFileError(Exception):
    """The file as a whole cannot be read (not text, wrong encoding, missing column, too large, ...)."""


@dataclass(frozen=True)
class ImportOptions:
    """What the person importing says about the file beyond its content."""

    timezone: tzinfo | None = None  # for datetimes written without an offset
    psr: str | None = None  # for files that name no area
    meter: str | None = None  # meter number, for meter-reading files that name no meter
    reading_format: str | None = None  # for meter-reading files: the stream's format when the file does not say
    validity: str | None = None  # likewise, the stream's validity


__all__ = [
    "CapacityRecord",
    "GeneratingUnit",
    "ImportFileError",
    "ImportOptions",
    "Payload",
    "ReadingRecord",
    "Record",
    "RecordColumns",
    "RowError",
]
