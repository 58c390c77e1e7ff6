"""What adapters produce: canonical records (one value of one interval) and row errors, plus file-level errors."""

from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Any, NamedTuple

from psr.choices import UnitStatus


class Payload(StrEnum):
    """What an adapter's records are, and so which pipeline writes them."""

    TIMESERIES = "timeseries"  # Record: values of intervals, written to the time-series store
    CAPACITY = "capacity"  # CapacityRecord: installed capacities of PSRs
    INVENTORY = "inventory"  # GeneratingUnitRecord: plants and units (PSRs) with their capacities


class Record(NamedTuple):
    """One value of one interval, named the way our own CSV names it; the writer resolves and validates it.

    `fuel_type` and `technology` are catalogue names or AIB codes; `unit` None means the quantity's default
    (MWh for energy; a price must name its currency); `timeframe` None means the quantity's default.
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


class CapacityRecord(NamedTuple):
    """An installed capacity of a PSR for a fuel over a period, in MW (capacity files: ENTSO-E, Elexon)."""

    line: int
    psr: str  # a PSR id or an external identifier
    fuel_type: str  # catalogue name, AIB code or `source:code`
    start: datetime  # aware
    end: datetime | None  # aware; None: still installed
    value: float  # MW
    technology: str | None = None


class GeneratingUnitRecord(NamedTuple):
    """A generating unit and its plant as a generator inventory (EIA-860M) states them: the PSRs to create or
    update under a balancing area, and the unit's installed capacity with the dates that apply to it."""

    line: int
    area: str  # the balancing area: an external identifier (eia:CISO) or a PSR id
    plant_key: str  # the plant's external identifier, e.g. eia-plant:55182
    plant_id: str  # the id a new plant PSR gets, e.g. EIA-55182
    plant_name: str
    unit_key: str  # the unit's external identifier, e.g. eia-generator:55182-GT 1
    unit_id: str  # the id a new unit PSR gets (URL-safe), e.g. EIA-55182-GT_1
    unit_name: str
    fuel_types: tuple[str, ...]  # source fuel codes, the most specific first: ("eia860:NG/CA", "eia860:NG")
    capacity: float  # nameplate, MW
    status: UnitStatus
    # INSTALLED: when its capacity began; RETIRED: when it began, only if the end is known too; PLANNED: None.
    start: datetime | None
    end: datetime | None  # RETIRED: when its capacity ended; None otherwise
    period: datetime  # the first instant of the month the inventory describes (UTC)
    properties: dict[str, Any]  # descriptive facts for the unit's asset info (JSON values)
    state: str | None  # the plant's state or province
    latitude: float | None
    longitude: float | None


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
