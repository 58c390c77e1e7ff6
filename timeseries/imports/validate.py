"""Row checks of an import: resolve a record's names to a series' dimensions and check its interval and value."""

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import numpy as np

from metadata.models import SourceFuelMapping
from metadata.selectors import fuel_source_technology_get, fuel_source_type_get
from psr.choices import ReadingDirection, ReadingFormat, ReadingValidity
from psr.models import ExternalIdentifier, Meter
from psr.selectors import psr_get

from ..choices import (
    CO2E_EXPONENT,
    ENERGY_QUANTITIES,
    FLOW_QUANTITIES,
    FUEL_QUANTITIES,
    NON_NEGATIVE_QUANTITIES,
    READING_ENERGY_UNIT,
    READING_QUALITIES,
    STORAGE_EMISSIONS_UNIT,
    STORAGE_ENERGY_UNIT,
    WH_EXPONENT,
    Quality,
    Quantity,
    Timeframe,
    default_timeframe,
)
from ..services import CURRENCY_CODE_LENGTH, negative_reason, quantities_text
from .records import (
    EPOCH,
    MICROSECOND,
    CapacityRecord,
    GeneratingUnit,
    ImportFileError,
    ReadingRecord,
    Record,
    RecordColumns,
    RowError,
)


@dataclass(frozen=True)
class Dimensions:
    """What identifies a series, resolved to ids; `dim` numbers it within one import."""

    dim: int
    psr_id: str
    quantity: str
    timeframe: str
    fuel_type_id: int | None
    technology_id: int | None
    connected_psr_id: str | None
    unit: str  # the stored unit: MWh, tCO2e for emissions, or the price's currency


class CapacityIn(NamedTuple):
    """An installed capacity that passed its checks, resolved to ids (MW): what the capacity pipeline writes."""

    line: int
    psr_id: str
    fuel_type_id: int
    technology_id: int | None
    start: datetime
    end: datetime | None
    value: float


class Row(NamedTuple):
    """A record that passed the row checks, ready for the staging table (value in the stored unit)."""

    line: int
    dim: int
    start: datetime
    end: datetime
    value: float
    quality: int


class RowColumns(NamedTuple):
    """Rows that passed the row checks, as columns (what `Row`s would hold, in order): the bulk path's batch."""

    line: np.ndarray  # int64
    dim: np.ndarray  # int32
    start: np.ndarray  # int64 microseconds since 1970-01-01 UTC
    end: np.ndarray
    value: np.ndarray  # float64, in the stored unit
    quality: np.ndarray  # int16


SECOND_US = 1_000_000


# A record's dimension columns resolve to (dimension number, scale to the stored unit or None, cannot be negative),
# or to the error (column, value, reason).
_Resolved = tuple[int, float | None, bool] | tuple[str, str, str]

# The quantities stored in a unit of their own family, each unit a power of ten of another: the stored unit, the
# family's exponents, and what an error calls a unit of the family. A price keeps the currency it comes in.
SCALED_UNITS = {q: (STORAGE_ENERGY_UNIT, WH_EXPONENT, "an energy unit") for q in ENERGY_QUANTITIES} | {
    Quantity.EMISSIONS: (STORAGE_EMISSIONS_UNIT, CO2E_EXPONENT, "a unit of emissions (CO2-equivalent mass)")
}


class RowValidator:
    """Checks records one by one, resolving the names they repeat only once (per import, cached)."""

    def __init__(self) -> None:
        self.dimensions: list[Dimensions] = []
        self._by_key: dict[tuple, Dimensions] = {}
        self._resolved: dict[tuple, _Resolved] = {}
        self._psrs: dict[str, str | None] = {}
        self._mappings: dict[tuple[str, str], tuple[int, int | None] | None] = {}
        self._fuel: dict[str, int | None] = {}
        self._technology: dict[str, int | None] = {}
        self._qualities = frozenset(Quality.values)
        self._last_end: dict[int, datetime] = {}
        # Dimensions whose rows did not arrive in time order without overlaps (only these can hold duplicates).
        self.unordered: set[int] = set()

    def check(self, record: Record) -> Row | RowError:
        """The row to stage, or why the record is refused. The common case costs a few comparisons."""
        # The check the import benchmark times: positional reads and exact class tests are cheaper than names and
        # isinstance here.
        key = record[1:3] + record[6:11]  # psr, quantity; unit, fuel type, technology, connected PSR, timeframe
        resolved = self._resolved.get(key)
        if resolved is None:
            resolved = self._resolved[key] = self._resolve(record)
        dim, scale, non_negative = resolved
        if dim.__class__ is str:  # (column, value, reason): these names do not resolve
            return RowError(record[0], dim, scale, non_negative)
        line, _, _, start, end, value = record[:6]
        quality = record[11]
        if (
            value.__class__ is float
            and value - value == 0.0  # finite: inf - inf and nan - nan are nan
            and start.tzinfo is not None
            and end.tzinfo is not None
            and end > start
            and not (start.microsecond or end.microsecond)
            and quality in self._qualities
            and not (non_negative and value < 0)
        ):
            if scale is not None:
                value *= scale
                if value - value != 0.0:
                    stored = self.dimensions[dim - 1].unit
                    return RowError(
                        line, "value", str(record[5]), f"the value is out of range once converted to {stored}."
                    )
            # Rows of a series that arrive in time order without overlaps need no duplicate or overlap check later.
            last_end = self._last_end.get(dim)
            if last_end is not None and start < last_end:
                self.unordered.add(dim)
            self._last_end[dim] = end
            return Row(line, dim, start, end, value, quality)
        return self._refusal(record, non_negative)

    def check_columns(self, block: RecordColumns) -> RowColumns | None:
        """The block's rows as `check` would give them, all at once; None if `check` would refuse one of them (the
        caller then checks the block's records one by one, for their errors). Nothing is noted before the answer."""
        dims, scales, non_negative = [], [], []
        for names in block.names:  # the names resolve as `check` resolves them, in the order rows bring them
            resolved = self._resolved.get(names)
            if resolved is None:
                record = Record(0, names[0], names[1], None, None, 0.0, *names[2:])
                resolved = self._resolved[names] = self._resolve(record)
            dim, scale, positive = resolved
            if dim.__class__ is str:
                return None
            dims.append(dim)
            scales.append(1.0 if scale is None else scale)  # times 1.0 is every double itself, -0.0 included
            non_negative.append(positive)
        at = block.name_index
        start, end, value, quality = block.start, block.end, block.value, block.quality
        if not (
            np.isfinite(value).all()
            and (end > start).all()
            and not (start % SECOND_US).any()
            and not (end % SECOND_US).any()
            and np.isin(quality, list(self._qualities)).all()
            and not (np.array(non_negative)[at] & (value < 0)).any()
        ):
            return None
        with np.errstate(over="ignore"):  # out of range once converted: refused below, as `check` refuses it
            value = value * np.array(scales)[at]
        if not np.isfinite(value).all():
            return None
        dim = np.array(dims, dtype=np.int32)[at]
        # As `check` notes them: a series whose row starts before the end of its previous row is unordered.
        order = np.argsort(dim, kind="stable")
        by_dim, starts, ends = dim[order], start[order], end[order]
        same = by_dim[1:] == by_dim[:-1]
        unordered = set(by_dim[1:][same & (starts[1:] < ends[:-1])].tolist())
        firsts = np.flatnonzero(np.concatenate(([True], ~same)))
        lasts = np.concatenate((firsts[1:] - 1, [len(by_dim) - 1]))
        last_end = {}
        for first, last in zip(firsts.tolist(), lasts.tolist(), strict=True):
            d = int(by_dim[first])
            before = self._last_end.get(d)
            if before is not None and starts[first] < (before - EPOCH) // MICROSECOND:
                unordered.add(d)
            last_end[d] = EPOCH + int(ends[last]) * MICROSECOND
        self.unordered |= unordered
        self._last_end.update(last_end)
        line = np.arange(block.first_line, block.first_line + len(block), dtype=np.int64)
        return RowColumns(line, dim, start, end, value, quality)

    def _refusal(self, record: Record, non_negative: bool) -> Row | RowError:
        """Why a record failed the fast checks of `check` (or its row, for an int value that is fine)."""
        line, _, quantity, start, end, value = record[:6]
        error = interval_refusal(line, start, end, value)
        if error is not None:
            return error
        if non_negative and value < 0:
            return RowError(line, "value", str(value), negative_reason(quantity))
        if record.quality not in self._qualities:
            return RowError(line, "quality", str(record.quality), "unknown quality flag.")
        return self.check(record._replace(value=float(value)))  # an integer value: fine as a float

    def _resolve(self, record: Record) -> _Resolved:
        quantity = record.quantity
        if quantity not in Quantity.values:
            return ("quantity", quantity, f"unknown quantity; use one of {', '.join(Quantity.values)}.")
        psr_id = self._psr_id(record.psr)
        if psr_id is None:
            return ("psr", record.psr, _unknown_psr(record.psr))
        timeframe = record.timeframe or default_timeframe(quantity)
        if timeframe not in Timeframe.values:
            return ("timeframe", timeframe, f"unknown timeframe; use one of {', '.join(Timeframe.values)}.")
        fuel_type_id = technology_id = None
        if record.fuel_type or record.technology:
            if quantity not in FUEL_QUANTITIES:
                return (
                    "fuel_type",
                    record.fuel_type or "",
                    f"only {quantities_text(FUEL_QUANTITIES)} have a fuel type.",
                )
            fuel = self._fuel_ids(record.fuel_type, record.technology)
            if isinstance(fuel[0], str):
                return fuel
            fuel_type_id, technology_id = fuel
        connected = None
        if record.connected_psr:
            if quantity not in FLOW_QUANTITIES:
                return ("connected_psr", record.connected_psr, "only imports and exports have a connected PSR.")
            connected = self._psr_id(record.connected_psr)
            if connected is None:
                return ("connected_psr", record.connected_psr, _unknown_psr(record.connected_psr))
            if connected == psr_id:
                return ("connected_psr", record.connected_psr, "a PSR cannot import from or export to itself.")
        unit = record.unit
        scaled = SCALED_UNITS.get(quantity)
        if scaled is not None:
            stored, exponents, what = scaled
            unit = unit or stored
            if unit not in exponents:
                return ("unit", unit, f"not {what}; use one of {', '.join(exponents)}.")
            scale = 10.0 ** (exponents[unit] - exponents[stored])
            scale = None if scale == 1.0 else scale
        else:
            if not unit or len(unit) != CURRENCY_CODE_LENGTH or not unit.isalpha() or not unit.isupper():
                return ("unit", unit or "", "a price needs its ISO 4217 currency code (USD, EUR, GBP...).")
            scale, stored = None, unit
        dims_key = (psr_id, quantity, timeframe, fuel_type_id, technology_id, connected, stored)
        dims = self._by_key.get(dims_key)
        if dims is None:
            dims = Dimensions(len(self.dimensions) + 1, *dims_key)
            self.dimensions.append(dims)
            self._by_key[dims_key] = dims
        return dims.dim, scale, quantity in NON_NEGATIVE_QUANTITIES

    def _fuel_ids(self, fuel_type: str | None, technology: str | None) -> tuple[int, int | None] | tuple[str, str, str]:
        """The catalogue ids named by a fuel (name, AIB code or `source:code`) and technology, or the error."""
        if not fuel_type:
            return ("fuel_type", "", "a technology needs its fuel type." if technology else "the fuel type is empty.")
        technology_id = None
        source, _, code = fuel_type.partition(":")
        if code and source in SourceFuelMapping.Source.values:
            # A source's own vocabulary (entsoe:Fossil Gas): its mapping gives fuel type and technology.
            mapped = self._mapping(source, code)
            if mapped is None:
                return (
                    "fuel_type",
                    fuel_type,
                    f"no {source} fuel mapping for '{code}': add one in the admin (Metadata, Source fuel mappings) "
                    "and import the file again.",
                )
            fuel_type_id, technology_id = mapped
        else:
            fuel_type_id = self._lookup(self._fuel, fuel_source_type_get, fuel_type)
            if fuel_type_id is None:
                return ("fuel_type", fuel_type, "not in the fuel catalogue (by name or AIB code).")
        if technology:
            technology_id = self._lookup(self._technology, fuel_source_technology_get, technology)
            if technology_id is None:
                return ("technology", technology, "not in the technology catalogue (by name or AIB code).")
        return fuel_type_id, technology_id

    def check_capacity(self, record: CapacityRecord) -> CapacityIn | RowError:
        """An installed capacity resolved to ids and checked (MW, finite, not negative, end after start)."""
        psr_id = self._psr_id(record.psr)
        if psr_id is None:
            return RowError(record.line, "psr", record.psr, _unknown_psr(record.psr))
        fuel = self._fuel_ids(record.fuel_type, record.technology)
        if isinstance(fuel[0], str):
            return RowError(record.line, *fuel)
        value = record.value
        if not _is_capacity(value):
            return RowError(record.line, "value", str(value), "a capacity is a finite, non-negative number of MW.")
        if record.end is not None and record.end <= record.start:
            return RowError(record.line, "end", record.end.isoformat(), "the end is not after the start.")
        return CapacityIn(record.line, psr_id, fuel[0], fuel[1], record.start, record.end, float(value))

    def check_generating_unit(self, unit: GeneratingUnit) -> GeneratingUnit | RowError:
        """An inventory's unit with its balancing area and its fuel resolved (the first source code that maps)."""
        area = self._psr_id(unit.area)
        if area is None:
            reason = (
                f"no PSR has the external identifier '{unit.area}': add it to the balancing area's PSR (its "
                "external identifiers, in the admin) and import the file again."
            )
            return RowError(unit.line, "balancing_authority_code", unit.area, reason)
        mapped = None
        for key in unit.fuel_types:
            source, _, code = key.partition(":")
            mapped = self._mapping(source, code) if source in SourceFuelMapping.Source.values else None
            if mapped is not None:
                break
        if mapped is None:
            source = unit.fuel_types[0].partition(":")[0]
            codes = [key.partition(":")[2] for key in unit.fuel_types]
            tried = " nor for ".join(f"'{code}'" for code in codes)
            reason = (
                f"no {source} fuel mapping for {tried}: add one in the admin (Metadata, Source fuel mappings, source "
                f"{source}, code '{codes[0]}') and import the file again."
            )
            return RowError(unit.line, "energy_source_code", codes[0], reason)
        if not _is_capacity(unit.capacity):
            return RowError(
                unit.line, "nameplate-capacity-mw", str(unit.capacity), "a capacity is a finite number of MW, >= 0."
            )
        return dataclasses.replace(
            unit, area_id=area, fuel_type_id=mapped[0], technology_id=mapped[1], capacity=float(unit.capacity)
        )

    def _psr_id(self, key: str) -> str | None:
        """The id of the PSR named by its id or by one of its external identifiers (`eia:CISO`), or None."""
        if key not in self._psrs:
            if ":" in key:
                scheme, _, value = key.partition(":")
                found = ExternalIdentifier.objects.filter(scheme=scheme, value=value).values_list("psr_id", flat=True)
                self._psrs[key] = found.first()
            else:
                self._psrs[key] = key if key and psr_get(key) is not None else None
        return self._psrs[key]

    def _mapping(self, source: str, code: str) -> tuple[int, int | None] | None:
        key = (source, code.lower())
        if key not in self._mappings:
            found = SourceFuelMapping.objects.filter(source=source, code__iexact=code).first()
            self._mappings[key] = (found.fuel_type_id, found.technology_id) if found else None
        return self._mappings[key]

    @staticmethod
    def _lookup(cache: dict[str, int | None], get: Callable, key: str) -> int | None:
        if key not in cache:
            found = get(key)
            cache[key] = found.pk if found is not None else None
        return cache[key]


def interval_refusal(line: int, start: datetime, end: datetime, value: object) -> RowError | None:
    """Why an interval and its value cannot be stored (any series' rule), or None."""
    if start.tzinfo is None or end.tzinfo is None:
        return RowError(line, "start", str(start), "datetimes must carry a UTC offset.")
    if end <= start:
        return RowError(line, "end", end.isoformat(), f"the end is not after the start {start.isoformat()}.")
    if start.microsecond or end.microsecond:
        return RowError(line, "start", start.isoformat(), "interval bounds must be whole seconds.")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return RowError(line, "value", repr(value), "the value is not a number.")
    if not math.isfinite(value):
        return RowError(line, "value", str(value), "the value must be a finite number.")
    return None


def _unknown_psr(key: str) -> str:
    if ":" in key:
        return f"no PSR has the external identifier '{key}': add it to the PSR's external identifiers in the admin."
    return "no PSR has this id; add it in the admin first."


def _is_capacity(value: object) -> bool:
    """Whether a value read as a capacity is a finite, non-negative number of MW."""
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value) and value >= 0


@dataclass(frozen=True)
class ReadingDimensions:
    """What identifies a meter's reading stream, resolved; `dim` numbers it within one import."""

    dim: int
    meter_id: int
    meter_number: str
    project_id: str
    reading_format: str
    validity: str
    direction: str


class _Stream(NamedTuple):
    """A resolved reading key: its dimension, the scale to kWh, the quality flag, and the contract bounds that
    a `contracted` reading must fall within (None: no such rule)."""

    dims: ReadingDimensions
    scale: float | None  # a power of ten: multiplied by when up (MWh to kWh), divided by when down (Wh to kWh), so
    divide: bool  # that 4.5 Wh is exactly 0.0045 kWh (times 0.001 it would be 0.0045000000000000005)
    quality: int
    contract: tuple[datetime, datetime | None] | None


class ReadingValidator:
    """Checks meter readings (ReadingRecord) one by one: the meter and its project's rules, the stream, the unit
    (one per stream in a file), then the interval and value as the grid's rows are checked.

    `meter`, `reading_format` and `validity` fill what a record leaves out: the import's choices, then the
    adapter's defaults for its kind of file (Green Button is settlement data, a SCADA log is SCADA).
    """

    def __init__(self, *, meter: str | None, reading_format: str | None, validity: str | None) -> None:
        self.meter = meter
        self.reading_format = reading_format
        self.validity = validity
        self.dimensions: list[ReadingDimensions] = []
        self._by_key: dict[tuple, ReadingDimensions] = {}
        self._resolved: dict[tuple, _Stream | RowError] = {}
        self._meters: dict[str, Meter | None] = {}
        self._units: dict[int, tuple[str, int]] = {}  # per dimension: the unit its first row had, and that line
        self._last_end: dict[int, datetime] = {}
        self.unordered: set[int] = set()

    def check(self, record: ReadingRecord) -> Row | RowError:
        """The row to stage, or why the record is refused."""
        key = record[4:]  # unit, direction, quality, meter, format, validity: a slice is cheaper than six names
        stream = self._resolved.get(key)
        if stream is None:
            stream = self._resolved[key] = self._resolve(record)
        if stream.__class__ is RowError:
            return stream._replace(line=record.line)
        line, start, end, value = record[:4]
        if (
            value.__class__ is float
            and value - value == 0.0
            and start.tzinfo is not None
            and end.tzinfo is not None
            and end > start
            and not (start.microsecond or end.microsecond)
        ):
            dims, scale, divide, quality, contract = stream
            dim = dims.dim
            if contract is not None:
                error = _outside_contract(record, stream)
                if error is not None:
                    return error
            if scale is not None:
                value = value / scale if divide else value * scale
            last_end = self._last_end.get(dim)
            if last_end is not None and start < last_end:
                self.unordered.add(dim)
            self._last_end[dim] = end
            return Row(line, dim, start, end, value, quality)
        return self._refusal(record)

    def _refusal(self, record: ReadingRecord) -> Row | RowError:
        line, start, end, value = record[:4]
        error = interval_refusal(line, start, end, value)
        if error is not None:
            return error
        return self.check(record._replace(value=float(value)))  # an integer value: fine as a float

    def _meter(self, number: str) -> Meter | None:
        if number not in self._meters:
            self._meters[number] = Meter.objects.select_related("project").filter(meter_number=number).first()
        return self._meters[number]

    def _resolve(self, record: ReadingRecord) -> _Stream | RowError:
        # Names are cleaned here, once per distinct key, not per row by the adapters: spaces and case, and an empty
        # cell is the import's choice (an empty quality is `raw`).
        record = record._replace(
            unit=(record.unit or "").strip(),
            direction=(record.direction or "").strip().lower(),
            quality=(record.quality or "").strip().lower() or "raw",
            meter=(record.meter or "").strip() or None,
            reading_format=(record.reading_format or "").strip().lower() or None,
            validity=(record.validity or "").strip().lower() or None,
        )
        line = record.line
        number = record.meter or self.meter
        if not number:
            raise ImportFileError(
                "This file names no meter: choose the meter its readings belong to (on the upload form, or with "
                "--meter on the command line)."
            )
        meter = self._meter(number)
        if meter is None:
            return RowError(line, "meter", number, "no meter has this number; add it to its production project first.")
        project = meter.project
        reading_format = record.reading_format or self.reading_format or ""
        validity = record.validity or self.validity or ""
        for column, value, choices in (
            ("format", reading_format, ReadingFormat),
            ("validity", validity, ReadingValidity),
            ("direction", record.direction, ReadingDirection),
        ):
            if value not in choices.values:
                return RowError(line, column, value, f"unknown {column}; use one of {', '.join(choices.values)}.")
        for column, value, declared, what in (
            ("format", reading_format, project.declared_formats, "formats"),
            ("validity", validity, project.declared_validities, "reading validities"),
        ):
            if declared and value not in declared:
                return RowError(
                    line,
                    column,
                    value,
                    f"meter {number}: its project {project.pk} declares the {what} {', '.join(declared)} only.",
                )
        if record.unit not in WH_EXPONENT:
            return RowError(
                line, "unit", record.unit, f"meter {number}: not an energy unit; use one of {', '.join(WH_EXPONENT)}."
            )
        quality = READING_QUALITIES.get(record.quality)
        if quality is None:
            return RowError(
                line, "quality", record.quality, f"unknown quality; use one of {', '.join(READING_QUALITIES)}."
            )
        dims_key = (meter.pk, reading_format, validity, record.direction)
        dims = self._by_key.get(dims_key)
        if dims is None:
            dims = ReadingDimensions(len(self.dimensions) + 1, meter.pk, number, project.pk, *dims_key[1:])
            self.dimensions.append(dims)
            self._by_key[dims_key] = dims
        first = self._units.setdefault(dims.dim, (record.unit, line))
        if first[0] != record.unit:
            return RowError(
                line,
                "unit",
                record.unit,
                f"meter {number}: mixed units in one stream ({reading_format}, {validity}, {record.direction}): "
                f"line {first[1]} gives {first[0]}; write a stream in one unit.",
            )
        shift = WH_EXPONENT[record.unit] - WH_EXPONENT[READING_ENERGY_UNIT]
        contract = None
        if validity == ReadingValidity.CONTRACTED:
            contract = (project.contract_start_date, project.contract_end_date)
        return _Stream(dims, 10.0 ** abs(shift) if shift else None, shift < 0, quality, contract)


def _outside_contract(record: ReadingRecord, stream: _Stream) -> RowError | None:
    """A `contracted` reading must fall within its project's contract."""
    begins, ends = stream.contract
    if record.start >= begins and (ends is None or record.end <= ends):
        return None
    span = f"{begins.isoformat()} to {ends.isoformat() if ends else 'open end'}"
    return RowError(
        record.line,
        "start",
        record.start.isoformat(),
        f"meter {stream.dims.meter_number}: a contracted reading outside its project's contract ({span}).",
    )
