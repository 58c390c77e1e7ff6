"""Emissions and carbon intensity computed from the store: generation x emission factor (or emissions an operator
reported), production-based intensity, and consumption-based intensity flow-traced over the PSRs that flows connect
(Tranberg et al. 2019, Energy Strategy Reviews 26). docs/emissions.md says what is computed and how to redo it.

It reads series, points, emission factors and declared intensities; nothing here knows where the data came from.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
from django.db.models import Q

from metadata.models import EmissionBasis, FuelSourceTechnology, FuelSourceType
from psr.models import PowerSystemResource
from psr.selectors import EmissionFactors, Factor, FactorCatalogue, declared_intensity_timelines, factor_catalogue

from .cache import cached
from .choices import STORAGE_EMISSIONS_UNIT, Quantity
from .db import fetch_columns
from .models import Series
from .resolution import Resolution
from .selectors import (
    QueryError,
    Role,
    Rows,
    SeriesSet,
    TimeseriesPage,
    TimeseriesQuery,
    _bucket,
    _in_range,
    _page_bounds_resampled,
    fuel_label,
    interval_lengths,
    range_seconds,
    series_set,
    timeseries_page,
)

BASES = tuple(EmissionBasis.values)
PRODUCTION, CONSUMPTION = "production", "consumption"
METHODS = (PRODUCTION, CONSUMPTION)
INTENSITY_UNIT = "gCO2e/kWh"
# Where a response's emissions come from: generation x factors, operators' reported emissions, or both.
EMISSION_SOURCES = ("computed", "reported", "mixed")
SHARE_DIGITS = 9  # decimals of an intensity (gCO2e/kWh) and of a share: below any factor's precision
ENERGY_DIGITS = 6  # decimals of energy in MWh: one watt-hour
MAX_TRACED = 200  # PSRs in one traced system; beyond, a 400 (a tracing that large is a batch job, not a request)
UNSPECIFIED_FUEL = "F00000000"
# t = MWh x gCO2e/kWh x 1,000 kWh/MWh / 1,000,000 g/t
TONNES_PER_MWH_PER_G_KWH = 1e-3
# Why a tracing interval has no intensity, by code ({psr}: the asked PSR).
TRACED, NO_DATA, NO_SUPPLY, UNTRACEABLE, NO_FACTOR = range(5)
REASONS = (
    "",
    "no generation data for {psr} in this interval.",
    "no generation and no inflow in this interval.",
    "the flows of this interval cannot be traced: they circulate between PSRs with no generation, or come from a "
    "PSR with neither generation nor inflow.",
    "an emission factor or a fallback intensity is missing for a source of this interval.",
)


# --- emissions -----------------------------------------------------------------------------------------------------


@dataclass
class ComputedPage(TimeseriesPage):
    """A page of a derived quantity, with what the response must say about how it was derived."""

    extra: dict = field(default_factory=dict)


def emissions_page(query: TimeseriesQuery, *, basis: str) -> ComputedPage:
    """One page of emissions (tCO2e per interval, by fuel) of the query's PSR.

    A PSR that holds reported emissions of its own answers with them. Else each interval is generation x the
    factor that applies (psr.selectors.EmissionFactors) per member PSR, fuel and instant, except for members that
    hold reported emissions of their own, which answer for themselves. Negative generation (storage charging,
    pumping, plant consumption) emits nothing here: it is counted as zero. A fuel with no factor makes its item and
    the interval's total null, named in `missingFactors`.
    """
    psr, timeframe = query.psr, query.timeframe
    reported = series_set(psr, Quantity.EMISSIONS, timeframe)
    generation = series_set(psr, Quantity.GENERATION, timeframe)
    if reported.roles and (not reported.rolled_up or not generation.roles):
        page = timeseries_page(replace(query, quantity=Quantity.EMISSIONS), series=reported)
        members = sorted({role.member for role in reported.roles.values()})
        return _computed(page, {"source": "reported", "reportedFor": members})
    inputs = _emission_inputs(psr, timeframe, basis)
    if not inputs.computed and not inputs.reported:
        return ComputedPage(unit=query.unit or STORAGE_EMISSIONS_UNIT, items=[], extra={"source": "computed"})
    roles = {sid: Role(member, ("fuel", fuel, tech)) for sid, (member, fuel, tech) in inputs.computed.items()}
    roles |= {
        sid: Role(member, None if fuel is None else ("fuel", fuel, tech))
        for sid, (member, fuel, tech) in inputs.reported.items()
    }
    chosen = SeriesSet(roles, inputs.labels, generation.rolled_up, STORAGE_EMISSIONS_UNIT)
    used: dict[tuple, Factor | None] = {}

    def to_emissions(rows: Rows) -> Rows:
        return inputs.emissions_rows(rows, used)

    page = timeseries_page(replace(query, quantity=Quantity.EMISSIONS), series=chosen, transform=to_emissions)
    missing = _mark_missing(page.items, used)
    reported_for = sorted(inputs.reporting)
    extra: dict = {"source": "mixed" if reported_for else "computed"}
    if reported_for:
        extra["reportedFor"] = reported_for
    extra["factors"] = _factors_out(used)
    if missing:
        extra["missingFactors"] = missing
    return _computed(page, extra)


def _computed(page: TimeseriesPage, extra: dict) -> ComputedPage:
    return ComputedPage(
        unit=page.unit, items=page.items, rolled_up=page.rolled_up, next=page.next, previous=page.previous, extra=extra
    )


@dataclass
class _EmissionInputs:
    """What a PSR's emissions are computed from: its generation series (member, fuel, technology) with the factor
    timeline of each, and the reported emission series of the members that hold their own (whose generation then
    counts as energy but not for computed emissions). A member's generation total with no fuel breakdown counts as
    Unspecified."""

    generation: dict[int, tuple[str, int, int | None]]
    reporting: frozenset[str]
    reported: dict[int, tuple[str, int | None, int | None]]  # fuel None: a member's reported total
    labels: dict[tuple, dict]
    timelines: dict[int, tuple[list[int], list[Factor | None]]]  # series id -> (from epochs, factors)

    @property
    def computed(self) -> dict[int, tuple[str, int, int | None]]:
        """The generation series whose emissions are computed: those of members that report none."""
        return {sid: key for sid, key in self.generation.items() if key[0] not in self.reporting}

    def factor_at(self, series_id: int, start: int) -> Factor | None:
        starts, factors = self.timelines[series_id]
        return factors[bisect_right(starts, start) - 1]

    def emissions_rows(self, rows: Rows, used: dict[tuple, Factor | None]) -> Rows:
        """The rows of computed generation series as tCO2e (NaN where no factor applies); reported rows as they are."""
        out = []
        gen, reporting = self.generation, self.reporting
        for series_id, start, end, value in rows:
            key = gen.get(series_id)
            if key is not None:
                if key[0] in reporting:
                    continue
                factor = self.factor_at(series_id, start)
                used[(key, factor.factor_id if factor else None)] = factor
                value = math.nan if factor is None else max(value, 0.0) * factor.value * TONNES_PER_MWH_PER_G_KWH
            out.append((series_id, start, end, value))
        return out


def _emission_inputs(psr: PowerSystemResource, timeframe: str, basis: str) -> _EmissionInputs:
    return cached(f"emission-inputs:{psr.pk}:{timeframe}:{basis}", lambda: _find_emission_inputs(psr, timeframe, basis))


def _find_emission_inputs(psr: PowerSystemResource, timeframe: str, basis: str) -> _EmissionInputs:
    generation = series_set(psr, Quantity.GENERATION, timeframe)
    members = sorted({role.member for role in generation.roles.values()})
    holding = Series.objects.filter(quantity=Quantity.EMISSIONS, timeframe=timeframe, psr_id__in=members)
    holding_series = list(holding.select_related("fuel_type", "technology"))
    # A member's reported emissions by fuel, or its reported total where it reports no breakdown (never both: the
    # total would count them twice).
    by_fuel = {s.psr_id for s in holding_series if s.fuel_type_id is not None}
    reported_series = [s for s in holding_series if s.fuel_type_id is not None or s.psr_id not in by_fuel]
    labels = dict(generation.labels)
    gen_series = list(
        Series.objects.filter(pk__in=list(generation.roles)).only("pk", "psr_id", "fuel_type_id", "technology_id")
    )
    with_fuels = {s.psr_id for s in gen_series if s.fuel_type_id is not None}
    unspecified = _unspecified()
    gen: dict[int, tuple[str, int, int | None]] = {}
    for s in gen_series:
        if s.fuel_type_id is not None:
            gen[s.pk] = (s.psr_id, s.fuel_type_id, s.technology_id)
        elif s.psr_id not in with_fuels and unspecified is not None:
            # A total with no breakdown: generation of unknown fuels, the catalogue's Unspecified.
            gen[s.pk] = (s.psr_id, unspecified.pk, None)
            labels[("fuel", unspecified.pk, None)] = {"technology": None, "type": unspecified.name}
    reported: dict[int, tuple[str, int | None, int | None]] = {}
    for s in reported_series:
        reported[s.pk] = (s.psr_id, s.fuel_type_id, s.technology_id)
        if s.fuel_type_id is not None:
            labels[("fuel", s.fuel_type_id, s.technology_id)] = fuel_label(s)
    catalogue = _catalogue(basis)
    factors_of = {m: EmissionFactors(basis=basis, line=_line(m), catalogue=catalogue) for m in members}
    timelines = {}
    for series_id, (member, fuel, tech) in gen.items():
        steps = factors_of[member].timeline(fuel_type_id=fuel, technology_id=tech)
        timelines[series_id] = ([_epoch(t) for t, _ in steps], [f for _, f in steps])
    reporting = frozenset(s.psr_id for s in reported_series)
    return _EmissionInputs(gen, reporting, reported, labels, timelines)


def _epoch(t: datetime | None) -> int:
    return -(2**62) if t is None else int(t.timestamp())


def _mark_missing(items: list[dict], used: dict[tuple, Factor | None]) -> list[str]:
    """Null for the values no factor could give (NaN so far), with the reason on the interval; the fuels named."""
    if all(factor is not None for factor in used.values()):
        return []
    names = _fuel_names()
    for item in items:
        if isinstance(item["value"], float) and math.isnan(item["value"]):
            item["value"] = None
            lacking = []
            for part in item.get("valueByFuelSource", []):
                if isinstance(part["value"], float) and math.isnan(part["value"]):
                    part["value"] = None
                    lacking.append(part["type"])
            item["reason"] = "no emission factor for " + ", ".join(sorted(set(lacking)))
    return sorted({names[0][key[0][1]] for key, factor in used.items() if factor is None})


def _fuel_names() -> tuple[dict[int, str], dict[int, str]]:
    """Names of the catalogue's fuel types and technologies by id."""
    return cached(
        "fuel-names",
        lambda: (
            dict(FuelSourceType.objects.values_list("pk", "name")),
            dict(FuelSourceTechnology.objects.values_list("pk", "name")),
        ),
    )


_DAWN = datetime.min.replace(tzinfo=UTC)


def _factors_out(used: dict[tuple, Factor | None]) -> list[dict]:
    """The factors a page applied, one entry per member PSR, fuel and factor: what a third party checks against."""
    fuels, techs = _fuel_names()
    out = []
    for ((member, fuel, tech), _factor_id), factor in used.items():
        if factor is not None:
            out.append(
                {
                    "psr": member,
                    "type": fuels[fuel],
                    "technology": techs.get(tech),
                    "value": factor.value,
                    "basis": factor.basis,
                    "factorFuelType": fuels.get(factor.fuel_type_id),
                    "technologySpecific": factor.technology_specific,
                    "scope": factor.scope,
                    "source": factor.source,
                    "validFrom": factor.valid_from,
                    "validUntil": factor.valid_until,
                }
            )
    out.sort(key=lambda f: (f["psr"], f["type"], f["technology"] or "", f["validFrom"] or _DAWN))
    return out


# --- carbon intensity ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IntensityQuery:
    base: TimeseriesQuery  # the PSR, timeframe, range, output resolution (None: the tracing step), page, cursor
    basis: str
    method: str


@dataclass
class _Fallback:
    """What an end of the traced system supplies when its mix is unknown: its declared intensity where there is
    one (its own or its nearest ancestor's), else the catalogue's Unspecified factor, marked estimated."""

    psr: str
    declared_by: str | None
    declared: tuple[list[int], list]  # (from epochs, DeclaredIntensity | None)
    estimated: tuple[list[int], list[Factor | None]]

    def at(self, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per bucket start: the intensity (gCO2e/kWh, NaN if none) and whether it is an estimate."""
        d_from, d_values = self.declared
        e_from, e_values = self.estimated
        declared = np.array([np.nan if d is None else d.value for d in d_values])
        estimated = np.array([np.nan if f is None else f.value for f in e_values])
        d = declared[np.searchsorted(d_from, starts, side="right") - 1]
        e = estimated[np.searchsorted(e_from, starts, side="right") - 1]
        is_estimate = np.isnan(d)
        return np.where(is_estimate, e, d), is_estimate

    def described(self, start: int, end: int) -> list[dict]:
        """The figures that applied between two instants, for the response to name: the declared ones, and the
        estimate where nothing was declared."""
        out = []
        undeclared = []
        for lo, hi, declared in _segments(self.declared, start, end):
            if declared is None:
                undeclared.append((lo, hi))
                continue
            entry = {"psr": self.psr, "kind": "declared", "value": declared.value, "source": declared.source}
            if self.declared_by != self.psr:
                entry["declaredFor"] = self.declared_by
            out.append(entry)
        for lo, hi in undeclared:
            for _, _, factor in _segments(self.estimated, lo, hi):
                if factor is not None:
                    out.append({"psr": self.psr, "kind": "estimated", "value": factor.value, "source": factor.source})
        unique = []
        for entry in out:
            if entry not in unique:
                unique.append(entry)
        return unique


def _segments(timeline: tuple[list[int], list], start: int, end: int) -> list[tuple[int, int, object]]:
    """The steps of a (from epochs, values) timeline that overlap [start, end), clipped to it."""
    froms, values = timeline
    out = []
    for i, value in enumerate(values):
        until = froms[i + 1] if i + 1 < len(froms) else 2**62
        lo, hi = max(froms[i], start), min(until, end)
        if lo < hi:
            out.append((lo, hi, value))
    return out


@dataclass
class _System:
    """The PSRs one intensity is traced over, and how each series read feeds the computation.

    Ends are the traced nodes (PSRs whose generation is held; the asked one first) then the boundaries (PSRs known
    only by the flows to and from them). Each unordered pair of ends that a flow series joins is one pair."""

    nodes: list[str]
    boundaries: list[str]
    inputs: list[_EmissionInputs]
    columns: list[tuple[int, int, int | None]]  # energy columns: (node, fuel, technology)
    column_of: dict[int, int]  # generation series id -> energy column
    reported_of: dict[int, tuple[int, int | None]]  # reported series id -> (node, energy column or None)
    pairs: list[tuple[int, int]]  # (u, v) ends, u < v
    flow_of: dict[int, tuple[int, int, float]]  # flow series id -> (pair, side: 0 u's own 1 v's, +1 into u / -1)
    fallbacks: list[_Fallback]  # per end
    clock: list[int]  # the asked PSR's series: the intervals it has data for
    labels: dict[tuple, dict]
    rolled_up: bool

    @property
    def ends(self) -> list[str]:
        return self.nodes + self.boundaries

    def series_ids(self) -> list[int]:
        return sorted({*self.column_of, *self.reported_of, *self.flow_of})


def intensity_page(query: IntensityQuery) -> ComputedPage:
    """One page of carbon intensity (gCO2e/kWh per interval) of the query's PSR, with the mix it was computed from.

    `production`: emissions of the PSR's generation over that generation. `consumption`: flow-traced, each traced
    PSR consuming its own generation plus its inflows with the mix of where they come from, solved per interval
    as one linear system (Tranberg et al. 2019); ends whose generation is not held supply their declared intensity,
    else the catalogue's Unspecified factor (the interval is then marked estimated). The tracing runs at the longest
    interval of the series involved (the tracing step); a coarser `resolution` aggregates the traced intervals,
    weighted by the energy consumed. Intervals the PSR has no generation for, or none at all, are null with a reason.
    """
    base = query.base
    system = _system(base.psr, base.timeframe, query.basis, query.method)
    if not system.clock:
        return ComputedPage(unit=INTENSITY_UNIT, items=[], extra=_intensity_extra(query, system, None, [], []))
    if query.method == CONSUMPTION and not system.columns:
        raise QueryError(
            "method",
            f"no PSR that flows connect to '{base.psr.pk}' ({', '.join(system.ends)}) holds generation: there is no "
            "supply to trace a consumption intensity from.",
        )
    tz = ZoneInfo(base.psr.timezone)
    ids = system.series_ids()
    lengths = interval_lengths(ids)
    step = _tracing_step(lengths)
    if base.resolution is not None and base.resolution.seconds and base.resolution.seconds < step.seconds:
        raise QueryError(
            "resolution", f"{base.resolution.code} is finer than the tracing step of this system ({step.code})."
        )
    page_res = base.resolution or step
    paged = replace(base, resolution=page_res)
    if _one_page(paged, tz):
        window, next_cursor, previous_cursor = Q(start__gte=base.start, start__lt=base.end), None, None
    else:
        window, next_cursor, previous_cursor = _page_bounds_resampled(paged, _in_range(base, system.clock), tz)
    traced = _trace(system, fetch_columns(_in_range(base, ids).filter(window), ids, lengths), step, tz)
    items, factors, fallbacks = _intervals(query, system, traced, page_res, tz)
    extra = _intensity_extra(query, system, page_res, factors, fallbacks)
    return ComputedPage(
        unit=INTENSITY_UNIT,
        items=items,
        rolled_up=system.rolled_up,
        next=next_cursor,
        previous=previous_cursor,
        extra=extra,
    )


def _one_page(query: TimeseriesQuery, tz: ZoneInfo) -> bool:
    """Whether the whole asked range fits the first page: fixed buckets on the UTC grid, as many as the page holds.
    Then the page is the range, with no link either way, and the data need not be searched for its bounds."""
    res = query.resolution
    if query.cursor is not None or query.start is None or query.end is None or res is None or not res.seconds:
        return False
    start, end = int(query.start.timestamp()), int(query.end.timestamp())
    buckets = -(-end // res.seconds) - start // res.seconds  # those the range touches, on the UTC grid
    return buckets <= query.page_size and res.aligned_in_utc(tz, start, end)


def _intensity_extra(
    query: IntensityQuery, system: _System, res: Resolution | None, factors: list[dict], fallbacks: list[dict]
) -> dict:
    reporting = sorted({m for inputs in system.inputs for m in inputs.reporting})
    extra: dict = {"basis": query.basis, "method": query.method}
    if res is not None:
        extra["resolution"] = res.code
    members = {key[0] for inputs in system.inputs for key in inputs.generation.values()}
    extra["emissionsSource"] = "computed" if not reporting else "reported" if members <= set(reporting) else "mixed"
    if reporting:
        extra["reportedFor"] = reporting
    if query.method == CONSUMPTION:
        extra["traced"] = system.nodes
        extra["boundaries"] = system.boundaries
    extra["factors"] = factors
    if fallbacks:
        extra["fallbacks"] = fallbacks
    return extra


# --- the traced system --------------------------------------------------------------------------------------------


def _system(psr: PowerSystemResource, timeframe: str, basis: str, method: str) -> _System:
    return cached(
        f"traced-system:{psr.pk}:{timeframe}:{basis}:{method}", lambda: _build_system(psr, timeframe, basis, method)
    )


def _holders(timeframe: str) -> frozenset[str]:
    """The PSRs that hold generation series of their own."""
    return cached(
        f"generation-holders:{timeframe}",
        lambda: frozenset(
            Series.objects.filter(quantity=Quantity.GENERATION, timeframe=timeframe, psr__isnull=False)
            .values_list("psr_id", flat=True)
            .distinct()
        ),
    )


def _build_system(psr: PowerSystemResource, timeframe: str, basis: str, method: str) -> _System:
    holders = _holders(timeframe)
    asked_line = set(psr.get_ancestors(include_self=True).values_list("pk", flat=True))
    subtree = set(psr.get_descendants().values_list("pk", flat=True))

    def end_of(connected: str) -> tuple[str, bool]:
        """The end a connected PSR stands for: itself or its nearest ancestor that holds generation (a converter
        station stands for its zone), traced; else itself, a boundary."""
        if connected == psr.pk or connected in subtree:
            return psr.pk, True
        for ancestor in _line(connected):
            if ancestor in asked_line:
                break  # an ancestor of the asked PSR holds the asked PSR's own generation: never its neighbour
            if ancestor in holders:
                return ancestor, True
        return connected, False

    nodes: list[str] = [psr.pk]
    boundaries: list[str] = []
    node_psr = {psr.pk: psr}
    flows: dict[int, tuple[str, str, str]] = {}  # series -> (the end that holds it, the other end, quantity)

    def reach(end: str, is_node: bool) -> None:
        if is_node and end not in node_psr:
            if len(nodes) >= MAX_TRACED:
                raise QueryError("method", f"more than {MAX_TRACED} PSRs are connected by flows: too many to trace.")
            node_psr[end] = PowerSystemResource.objects.get(pk=end)
            nodes.append(end)
            queue.append(end)
        elif not is_node and end not in boundaries:
            boundaries.append(end)

    queue = [psr.pk]
    while queue and method == CONSUMPTION:
        current = queue.pop(0)
        # Its own flows (or its subtree's that cross its boundary) ...
        for quantity in (Quantity.IMPORTS, Quantity.EXPORTS):
            for series_id, role in series_set(node_psr[current], quantity, timeframe).roles.items():
                if role.part is None or series_id in flows:
                    continue
                other, is_node = end_of(role.part[1])
                if other != current:
                    reach(other, is_node)
                    flows[series_id] = (current, other, quantity)
        # ... and the flows others hold with it: a flow is often written by one side only.
        for series_id, holder, quantity in _flows_naming(node_psr[current], timeframe):
            if series_id in flows:
                continue
            other, is_node = end_of(holder)
            if other != current:
                reach(other, is_node)
                flows[series_id] = (other, current, quantity)

    ends = nodes + boundaries
    index = {end: i for i, end in enumerate(ends)}
    inputs = [_emission_inputs(node_psr[n], timeframe, basis) for n in nodes]
    columns: list[tuple[int, int, int | None]] = []
    column_index: dict[tuple[int, int, int | None], int] = {}
    column_of: dict[int, int] = {}
    reported_of: dict[int, tuple[int, int | None]] = {}
    labels: dict[tuple, dict] = {}
    for i, node_inputs in enumerate(inputs):
        labels |= node_inputs.labels
        for series_id, (_member, fuel, tech) in node_inputs.generation.items():
            key = (i, fuel, tech)
            if key not in column_index:
                column_index[key] = len(columns)
                columns.append(key)
            column_of[series_id] = column_index[key]
    for i, node_inputs in enumerate(inputs):
        for series_id, (_member, fuel, tech) in node_inputs.reported.items():
            reported_of[series_id] = (i, column_index.get((i, fuel, tech)))

    pairs: list[tuple[int, int]] = []
    pair_index: dict[tuple[int, int], int] = {}
    flow_of: dict[int, tuple[int, int, float]] = {}
    for series_id, (owner, other, quantity) in flows.items():
        a, b = index[owner], index[other]
        u, v = min(a, b), max(a, b)
        if (u, v) not in pair_index:
            pair_index[(u, v)] = len(pairs)
            pairs.append((u, v))
        side = 0 if a == u else 1
        into_owner = quantity == Quantity.IMPORTS
        into_u = into_owner if a == u else not into_owner
        flow_of[series_id] = (pair_index[(u, v)], side, 1.0 if into_u else -1.0)
    # A pair's flows are read from one side's series: the first end's where it holds any (both sides usually write
    # the same flow, mirrored), else the other's.
    first_side = {pair for pair, side, _ in flow_of.values() if side == 0}
    flow_of = {sid: f for sid, f in flow_of.items() if f[1] == 0 or f[0] not in first_side}

    fallbacks = [_fallback(end, basis, asked_line) for end in ends]
    own = series_set(psr, Quantity.GENERATION, timeframe)
    clock = sorted(set(inputs[0].generation) | set(inputs[0].reported))
    if method == CONSUMPTION:
        # Its flows count whoever holds them: an interval it only has flows for is one without generation data.
        own_flows = {sid for sid, (owner, other, _) in flows.items() if psr.pk in (owner, other)}
        clock = sorted(set(clock) | (own_flows & set(flow_of)))
    return _System(
        nodes=nodes,
        boundaries=boundaries,
        inputs=inputs,
        columns=columns,
        column_of=column_of,
        reported_of=reported_of,
        pairs=pairs,
        flow_of=flow_of,
        fallbacks=fallbacks,
        clock=clock,
        labels=labels,
        rolled_up=own.rolled_up,
    )


def _flows_naming(node: PowerSystemResource, timeframe: str) -> list[tuple[int, str, str]]:
    """(series, the PSR that holds it, quantity) of the flows whose connected PSR is the node or below it."""
    named = Series.objects.filter(
        quantity__in=(Quantity.IMPORTS, Quantity.EXPORTS), timeframe=timeframe, psr__isnull=False
    ).filter(Q(connected_psr=node) | Q(connected_psr__in=node.get_descendants()))
    return list(named.values_list("pk", "psr_id", "quantity"))


def _line(psr_id: str) -> list[str]:
    """The PSR and its ancestors, nearest first."""

    def find() -> list[str]:
        psr = PowerSystemResource.objects.filter(pk=psr_id).first()
        if psr is None:
            return [psr_id]
        return list(reversed(psr.get_ancestors(include_self=True).values_list("pk", flat=True)))

    return cached(f"psr-line:{psr_id}", find)


def _fallback(end: str, basis: str, asked_line: set[str]) -> _Fallback:
    line = []
    for ancestor in _line(end):
        if ancestor in asked_line:
            break
        line.append(ancestor)
    declared_by, declared = None, ([_epoch(None)], [None])
    timelines = declared_intensity_timelines(psr_ids=line, basis=basis)
    for ancestor in line:  # the nearest that declares one
        steps = timelines[ancestor]
        if any(d is not None for _, d in steps):
            declared_by = ancestor
            declared = ([_epoch(t) for t, _ in steps], [d for _, d in steps])
            break
    unspecified = _unspecified()
    estimated: tuple[list[int], list] = ([_epoch(None)], [None])
    if unspecified is not None:
        factors = EmissionFactors(basis=basis, line=_line(end), catalogue=_catalogue(basis))
        steps = factors.timeline(fuel_type_id=unspecified.pk, technology_id=None)
        estimated = ([_epoch(t) for t, _ in steps], [f for _, f in steps])
    return _Fallback(end, declared_by, declared, estimated)


def _catalogue(basis: str) -> FactorCatalogue:
    return cached(f"factor-catalogue:{basis}", lambda: factor_catalogue(basis))


def _unspecified() -> FuelSourceType | None:
    """The catalogue's Unspecified fuel type (F00000000): what generation of unknown fuels, and an end supplying no
    declared intensity, count as."""
    return cached("unspecified-fuel", lambda: FuelSourceType.objects.filter(aib_code=UNSPECIFIED_FUEL).first())


def _tracing_step(lengths: dict[int, int]) -> Resolution:
    """The longest interval among the series: the step the system is traced at."""
    longest = max(lengths.values(), default=0)
    if longest == 0:
        longest = 3600
    if longest > 86_400 or 86_400 % longest:
        raise QueryError(
            "resolution",
            f"these series hold {longest // 60}-minute intervals; intensities are traced at steps that divide a day.",
        )
    hours, minutes = divmod(longest // 60, 60)
    code = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return Resolution(code, seconds=longest)


# --- tracing ---------------------------------------------------------------------------------------------------------


@dataclass
class _Traced:
    """Per tracing interval: the asked PSR's intensity and where its energy came from."""

    lo: np.ndarray  # interval starts (epoch seconds)
    hi: np.ndarray  # interval ends
    energy: np.ndarray  # MWh the asked PSR consumed (production: generated)
    intensity: np.ndarray  # gCO2e/kWh, NaN where there is none (see reasons)
    reasons: np.ndarray  # why there is none: one of the codes of REASONS (TRACED where there is one)
    shares: np.ndarray  # share of each column (energy columns, then each end's fallback) in that energy
    column_intensity: np.ndarray  # gCO2e/kWh of each column
    inflow: np.ndarray  # MWh flowing into the asked PSR from each end
    end_intensity: np.ndarray  # gCO2e/kWh of what each end supplies (its consumption intensity, or its fallback)
    estimated: np.ndarray  # an estimated fallback fed the interval
    factors: dict[tuple, Factor | None]  # the factors applied: ((member, fuel, technology), factor id) -> factor


def _trace(system: _System, columns: tuple[np.ndarray, ...], step: Resolution, tz: ZoneInfo) -> _Traced:
    n_nodes, n_ends, n_cols = len(system.nodes), len(system.ends), len(system.columns)
    width = n_cols + n_ends  # energy columns, then one fallback column per end
    used: dict[tuple, Factor | None] = {}
    series, start, end, value = columns
    if not len(series):
        empty = np.zeros(0)
        return _Traced(empty, empty, empty, empty, np.zeros(0, np.int8), np.zeros((0, width)), np.zeros((0, width)),
                       np.zeros((0, n_ends)), np.zeros((0, n_ends)), np.zeros(0, bool), used)  # fmt: skip

    # Each row into its tracing interval, cut in the asked PSR's timezone like any resampling.
    if step.aligned_in_utc(tz, int(start.min()), int(end.max())):
        # Buckets at multiples of the step since the epoch: numbered without a sort, empty ones dropped.
        lo_of = start - start % step.seconds
        if np.any(end > lo_of + step.seconds):
            raise _crossing(start, end, step, tz)
        slot = (lo_of - lo_of.min()) // step.seconds
        present = np.bincount(slot) > 0
        t = (np.cumsum(present) - 1)[slot]
        lo = lo_of.min() + np.flatnonzero(present) * step.seconds
        hi = lo + step.seconds
    else:
        starts, first_of = np.unique(start, return_inverse=True)
        bounds = [_bucket(step, int(s), tz) for s in starts.tolist()]
        lo_of = np.array([b[0] if b[0] is not None else -1 for b in bounds], dtype=np.int64)[first_of]
        hi_of = np.array([b[1] if b[1] is not None else -1 for b in bounds], dtype=np.int64)[first_of]
        if np.any(end > hi_of):
            raise _crossing(start, end, step, tz)
        lo, t = np.unique(lo_of, return_inverse=True)
        hi = np.zeros_like(lo)
        hi[t] = hi_of
    n_t = len(lo)

    def summed(cell: np.ndarray, weights: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
        """Weights summed per (interval, column), each given as its cell of the flattened array (interval x width +
        column): a bincount (np.add.at is ten times slower)."""
        return np.bincount(cell, weights=weights, minlength=shape[0] * shape[1]).reshape(shape)

    # Per series: its kind and where its rows go.
    keys = np.array(sorted({*system.column_of, *system.reported_of, *system.flow_of}), dtype=np.int64)
    k = np.searchsorted(keys, series)
    kind = np.full(len(keys), -1)
    column = np.zeros(len(keys), dtype=np.int64)
    node = np.zeros(len(keys), dtype=np.int64)
    factor_const = np.zeros(len(keys))
    pair_of = np.zeros(len(keys), dtype=np.int64)
    side_of = np.zeros(len(keys), dtype=np.int64)
    sign_of = np.zeros(len(keys))
    varying = []
    node_of_column = np.array([c[0] for c in system.columns], dtype=np.int64)
    for i, key in enumerate(keys.tolist()):
        if key in system.column_of:
            kind[i], column[i] = 0, system.column_of[key]
            node[i] = node_of_column[column[i]]
            inputs = system.inputs[node[i]]
            member = inputs.generation[key][0]
            if member in inputs.reporting:
                continue  # its member reports its emissions: its generation counts as energy only
            froms, factors = inputs.timelines[key]
            if len(factors) == 1:
                factor_const[i] = math.nan if factors[0] is None else factors[0].value
            else:
                varying.append((i, froms, factors))
        elif key in system.reported_of:
            kind[i] = 1
            node[i], col = system.reported_of[key]
            column[i] = -1 if col is None else col
        else:
            kind[i] = 2
            pair_of[i], side_of[i], sign_of[i] = system.flow_of[key]

    # Generation: energy per column (negative generation, storage charging or pumping, counts as none) and its
    # computed emissions at the factor of each row's instant. Each row's series, interval and cell are looked up
    # once per kind of row (these are arrays of every point read).
    row_kind = kind[k]
    gen = row_kind == 0
    k_gen, t_gen = k[gen], t[gen]
    energy_rows = np.maximum(value[gen], 0.0)
    factor_rows = factor_const[k_gen]
    for i, froms, factors in varying:
        mine = k_gen == i
        values = np.array([math.nan if f is None else f.value for f in factors])
        factor_rows[mine] = values[np.searchsorted(froms, start[gen][mine], side="right") - 1]
    gen_cell = t_gen * n_cols + column[k_gen]
    node_cell = t_gen * n_nodes + node[k_gen]
    energy = summed(gen_cell, energy_rows, (n_t, n_cols))
    col_emissions = energy_rows * factor_rows * TONNES_PER_MWH_PER_G_KWH
    emitted = summed(gen_cell, col_emissions, (n_t, n_cols))
    node_emitted = summed(node_cell, col_emissions, (n_t, n_nodes))
    has_generation = np.zeros((n_t, n_nodes), dtype=bool)
    has_generation.ravel()[node_cell] = True
    _note_factors(system, keys, k_gen, int(lo[0]), int(hi[-1]), used)

    # Reported emissions: to their node, and to the energy column of the same fuel where there is one.
    rep = row_kind == 1
    node_emitted += summed(t[rep] * n_nodes + node[k[rep]], value[rep], (n_t, n_nodes))
    with_column = rep.copy()
    with_column[rep] = column[k[rep]] >= 0
    emitted += summed(t[with_column] * n_cols + column[k[with_column]], value[with_column], (n_t, n_cols))

    # Flows: per pair of ends and interval, the net flow, from the first end's own series where it holds one.
    flows = np.zeros((n_t, n_ends, n_nodes))  # [t, from, to]: only what flows into a traced node is used
    if system.pairs:
        fl = row_kind == 2
        k_fl = k[fl]
        n_pairs = len(system.pairs)
        flow_cell = t[fl] * (2 * n_pairs) + pair_of[k_fl] * 2 + side_of[k_fl]  # [t, pair, side]
        into_u = summed(flow_cell, sign_of[k_fl] * value[fl], (n_t, 2 * n_pairs)).reshape(n_t, n_pairs, 2)
        held = np.zeros((n_t, n_pairs, 2), dtype=bool)
        held.ravel()[flow_cell] = True
        net = np.where(held[:, :, 0], into_u[:, :, 0], into_u[:, :, 1])
        us = np.array([p[0] for p in system.pairs])
        vs = np.array([p[1] for p in system.pairs])
        into = us < n_nodes
        flows[:, vs[into], us[into]] = np.maximum(net[:, into], 0.0)
        into = vs < n_nodes
        flows[:, us[into], vs[into]] = np.maximum(-net[:, into], 0.0)

    fallback = np.zeros((n_t, n_ends))
    fallback_estimated = np.zeros((n_t, n_ends), dtype=bool)
    for e, fb in enumerate(system.fallbacks):
        fallback[:, e], fallback_estimated[:, e] = fb.at(lo)

    # The linear system per interval (Tranberg et al. 2019, eq. 4 to 6): each traced node's inflow P_i (its
    # generation plus what flows in) has the mix x_i with P_i x_i - sum_j F_ji x_j = s_i, s_i its own generation by
    # column and its inflows from boundaries as their fallback columns; the same with emissions gives its intensity.
    node_energy = np.zeros((n_t, n_nodes))
    for c, n in enumerate(node_of_column.tolist()):  # column after column, as np.add.at would, at a tenth of its cost
        node_energy[:, n] += energy[:, c]
    inflow = flows.sum(axis=1)
    supply = node_energy + inflow
    matrix = -np.transpose(flows[:, :n_nodes, :n_nodes], (0, 2, 1))
    diagonal = np.arange(n_nodes)
    matrix[:, diagonal, diagonal] += supply
    rhs = np.zeros((n_t, n_nodes, width + 1))
    rhs[:, node_of_column, np.arange(n_cols)] = energy
    from_boundaries = flows[:, n_nodes:, :n_nodes]  # [t, boundary, node]
    rhs[:, :, n_cols + n_nodes : width] = np.transpose(from_boundaries, (0, 2, 1))
    boundary_emissions = np.einsum("tbn,tb->tn", from_boundaries, np.nan_to_num(fallback[:, n_nodes:], nan=0.0))
    unknown_boundary = np.einsum("tbn,tb->tn", from_boundaries, np.isnan(fallback[:, n_nodes:]).astype(float)) > 0
    rhs[:, :, width] = node_emitted + boundary_emissions * TONNES_PER_MWH_PER_G_KWH
    rhs[:, :, width][unknown_boundary] = math.nan

    # A node with no generation data in an interval supplies its fallback; one with nothing in or out, nothing.
    missing = ~has_generation
    idle = missing | (supply <= 0)
    ti, ni = np.nonzero(idle)
    matrix[ti, ni, :] = 0.0
    matrix[ti, ni, ni] = 1.0
    rhs[ti, ni, :] = 0.0
    gap = missing[ti, ni]
    rhs[ti[gap], ni[gap], n_cols + ni[gap]] = 1.0
    rhs[ti[gap], ni[gap], width] = fallback[ti[gap], ni[gap]] * TONNES_PER_MWH_PER_G_KWH

    # Only the asked node's row of the solution is read whole (its mix); of the others, their intensity.
    inverse, unsolvable = _inverse(matrix)
    first_row = np.einsum("tn,tnc->tc", inverse[:, 0, :], rhs)
    shares = first_row[:, :width]
    intensity = first_row[:, width] / TONNES_PER_MWH_PER_G_KWH
    node_intensity = np.einsum("tmn,tn->tm", inverse, rhs[:, :, width]) / TONNES_PER_MWH_PER_G_KWH

    no_data, no_supply = missing[:, 0], supply[:, 0] <= 0
    untraceable = unsolvable | ~(np.abs(shares.sum(axis=1) - 1.0) < 1e-6)
    reasons = np.select(
        [no_data, no_supply, untraceable, np.isnan(intensity)],
        [NO_DATA, NO_SUPPLY, UNTRACEABLE, NO_FACTOR],
        default=TRACED,
    ).astype(np.int8)
    intensity = np.where(reasons == TRACED, intensity, math.nan)

    with np.errstate(invalid="ignore", divide="ignore"):
        fuel_intensity = np.where(energy > 0, emitted / energy / TONNES_PER_MWH_PER_G_KWH, math.nan)
    column_intensity = np.concatenate([fuel_intensity, fallback], axis=1)
    end_intensity = np.concatenate([node_intensity, fallback[:, n_nodes:]], axis=1)
    fed = shares[:, n_cols:] > 1e-12
    estimated = np.any(fed & fallback_estimated, axis=1)
    return _Traced(
        lo, hi, supply[:, 0], intensity, reasons, shares, column_intensity, flows[:, :, 0], end_intensity, estimated,
        used,
    )  # fmt: skip


def _crossing(start: np.ndarray, end: np.ndarray, step: Resolution, tz: ZoneInfo) -> QueryError:
    longest = int(np.max(end - start))
    return QueryError(
        "resolution",
        f"the data's {longest // 60}-minute intervals cross the boundaries of the {step.code} tracing step, cut in "
        f"the PSR's local time ({tz.key}).",
    )


def _inverse(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The matrices inverted at once; when one is singular, each alone (the singular ones NaN, and flagged)."""
    unsolvable = np.zeros(len(matrix), dtype=bool)
    try:
        return np.linalg.inv(matrix), unsolvable
    except np.linalg.LinAlgError:
        inverse = np.full(matrix.shape, math.nan)
        for i in range(len(matrix)):
            try:
                inverse[i] = np.linalg.inv(matrix[i])
            except np.linalg.LinAlgError:
                unsolvable[i] = True
        return inverse, unsolvable


def _note_factors(system: _System, keys: np.ndarray, k: np.ndarray, first: int, last: int, used: dict) -> None:
    """Record the factors that applied to the generation read: the steps, within the span read, of each series that
    had rows."""
    for i in np.flatnonzero(np.bincount(k, minlength=len(keys))).tolist():
        key = int(keys[i])
        inputs = system.inputs[system.columns[system.column_of[key]][0]]
        ident = inputs.generation[key]
        if ident[0] in inputs.reporting:
            continue
        froms, factors = inputs.timelines[key]
        for j, factor in enumerate(factors):
            until = froms[j + 1] if j + 1 < len(froms) else 2**62
            if froms[j] < last and until > first:
                used[(ident, factor.factor_id if factor else None)] = factor


def _intervals(
    query: IntensityQuery, system: _System, traced: _Traced, res: Resolution, tz: ZoneInfo
) -> tuple[list[dict], list[dict], list[dict]]:
    """The response's intervals (tracing intervals aggregated to the page's resolution, weighted by energy), the
    factors applied and the fallbacks that fed them."""
    base, n_cols = query.base, len(system.columns)
    n_t = len(traced.lo)
    if not n_t:
        return [], _factors_out(traced.factors), []
    if base.resolution is None:
        out_lo, out_hi, group = traced.lo, traced.hi, np.arange(n_t)
    else:
        bounds = [_bucket(res, int(s), tz) for s in traced.lo.tolist()]
        lo_of = np.array([b[0] if b[0] is not None else -1 for b in bounds], dtype=np.int64)
        hi_of = np.array([b[1] if b[1] is not None else -1 for b in bounds], dtype=np.int64)
        if np.any(traced.hi > hi_of):
            raise QueryError("resolution", f"the tracing intervals cross the boundaries of {res.code} buckets.")
        out_lo, group = np.unique(lo_of, return_inverse=True)
        out_hi = np.zeros_like(out_lo)
        out_hi[group] = hi_of
    n_out = len(out_lo)
    valid = ~np.isnan(traced.intensity)
    weight = np.where(valid, traced.energy, 0.0)

    def total(values: np.ndarray) -> np.ndarray:
        if base.resolution is None:  # one output interval per tracing interval
            return np.asarray(values, dtype=np.float64)
        sums = np.zeros((n_out, *values.shape[1:]))
        np.add.at(sums, group, values)
        return sums

    energy = total(weight)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = total(weight * np.nan_to_num(traced.intensity)) / energy
        weighted_shares = weight[:, None] * traced.shares
        shares = total(weighted_shares) / energy[:, None]
        col_intensity = total(weighted_shares * np.nan_to_num(traced.column_intensity)) / total(weighted_shares)
        inflow = np.where(valid[:, None], traced.inflow, 0.0)
        inflow_share = total(inflow) / energy[:, None]
        end_intensity = total(inflow * np.nan_to_num(traced.end_intensity)) / total(inflow)
    estimated = total(traced.estimated & valid) > 0
    nulls = total((~valid).astype(float))
    first_reason: dict[int, str] = {}
    for i in np.flatnonzero(traced.reasons != TRACED).tolist():
        first_reason.setdefault(int(group[i]), REASONS[traced.reasons[i]].format(psr=system.nodes[0]))
    missing_factor = np.isnan(traced.column_intensity[:, :n_cols]) & (traced.shares[:, :n_cols] > 0)

    # Fuel columns merged across the nodes they come from (one item per fuel and technology), all buckets at once.
    fuel_keys = sorted(
        {("fuel", fuel, tech) for _node, fuel, tech in system.columns},
        key=lambda f: (system.labels[f]["type"], system.labels[f]["technology"] or ""),
    )
    merge = np.zeros((n_cols, len(fuel_keys)))
    rank = {f: i for i, f in enumerate(fuel_keys)}
    for c, (_node, fuel, tech) in enumerate(system.columns):
        merge[c, rank[("fuel", fuel, tech)]] = 1.0
    fuel_share = shares[:, :n_cols] @ merge
    with np.errstate(invalid="ignore", divide="ignore"):
        fuel_intensity = (shares[:, :n_cols] * np.nan_to_num(col_intensity[:, :n_cols])) @ merge / fuel_share
    any_lacking = bool(missing_factor.any())
    if any_lacking:
        fuel_lacking = (total(missing_factor.astype(float)) @ merge) > 0
        fuel_intensity = np.where(fuel_lacking, np.nan, fuel_intensity)
        any_lacking = bool(fuel_lacking.any())

    consumption = query.method == CONSUMPTION
    # The buckets answered: all but those at the calendar's ends (-1: no bound there); one cut by the range is
    # clipped to it and marked partial, as everywhere (selectors.clip_to_range, here for all buckets at once).
    # Those of them with a value.
    in_range = (out_lo != -1) & (out_hi != -1)
    partial = np.zeros(n_out, dtype=bool)
    start, end = range_seconds(base.start, base.end)
    if start is not None:
        cut = in_range & (out_lo < start)
        out_lo, partial = np.where(cut, start, out_lo), partial | cut
    if end is not None:
        cut = in_range & (out_hi > end)
        out_hi, partial = np.where(cut, end, out_hi), partial | cut
    energy = np.round(energy, ENERGY_DIGITS)
    with_value = in_range & ~(energy <= 0)

    def parts(
        share: np.ndarray, intensity: np.ndarray, labels: list[dict], nan_as_null: np.ndarray | None = None
    ) -> tuple[list[int], list[dict]]:
        """The parts of the intervals with a value: a part per (interval, column) cell with a share, found for the
        whole page at once and built in one pass, in the order of the intervals then of the columns (no Python work
        for a column that supplies nothing in an interval); and where each interval's parts begin (and the next's).
        `nan_as_null`: the columns whose unknown intensity (NaN) is written as None."""
        rounded = np.round(share, SHARE_DIGITS)
        held = (rounded > 0) & with_value[:, None]
        at = np.concatenate(([0], np.cumsum(np.count_nonzero(held, axis=1)))).tolist()
        columns = np.nonzero(held)[1]
        intensities = np.round(intensity[held], SHARE_DIGITS)
        values = intensities.tolist()
        if nan_as_null is not None:
            for i in np.flatnonzero(np.isnan(intensities) & nan_as_null[columns]).tolist():
                values[i] = None
        named = _gather(labels, columns)
        return at, [
            dict(label, share=s, intensity=i) for label, s, i in zip(named, rounded[held].tolist(), values, strict=True)
        ]

    # The mix: the fuels (an unknown intensity is null where a factor is missing), then the ends' fallbacks.
    fuel_labels = [{"technology": system.labels[f]["technology"], "type": system.labels[f]["type"]} for f in fuel_keys]
    ends = system.ends
    mix_at, mix_parts = parts(
        np.concatenate([fuel_share, shares[:, n_cols:]], axis=1),
        np.concatenate([fuel_intensity, col_intensity[:, n_cols:]], axis=1),
        fuel_labels + [{"type": None, "technology": None, "fallback": e} for e in ends],
        np.array([any_lacking] * len(fuel_keys) + [False] * len(ends)),
    )
    if consumption:  # from every end but the asked PSR itself
        n_nodes = len(system.nodes)
        neighbour_at, neighbour_parts = parts(
            inflow_share[:, 1:],
            end_intensity[:, 1:],
            [{"connectedPSR": ends[e], "traced": e < n_nodes} for e in range(1, len(ends))],
        )

    starts, stops = out_lo.tolist(), out_hi.tolist()
    values, energies = np.round(value, SHARE_DIGITS).tolist(), energy.tolist()
    has_value, estimated_list, nulls_list = with_value.tolist(), estimated.tolist(), nulls.astype(np.int64).tolist()
    partial_list = partial.tolist()
    items = []
    for g in np.flatnonzero(in_range).tolist():
        if not has_value[g]:
            reason = first_reason.get(g, "no generation in this interval.")
            item = {"startDatetime": starts[g], "endDatetime": stops[g], "value": None, "reason": reason}
            if partial_list[g]:
                item["partial"] = True
            items.append(item)
            continue
        item: dict = {
            "startDatetime": starts[g],
            "endDatetime": stops[g],
            "value": values[g],
            "energy": energies[g],
            "mixByFuelSource": mix_parts[mix_at[g] : mix_at[g + 1]],
        }
        if consumption:
            item["mixByConnectedPSR"] = neighbour_parts[neighbour_at[g] : neighbour_at[g + 1]]
        if estimated_list[g]:
            item["estimated"] = True
        if nulls_list[g]:
            item["intervalsWithoutValue"] = nulls_list[g]
        if partial_list[g]:
            item["partial"] = True
        items.append(item)
    first, last = int(traced.lo[0]), int(traced.hi[-1])
    shown = in_range & (energy > 0)
    fed = np.flatnonzero(np.round(np.nan_to_num(shares[shown, n_cols:]), SHARE_DIGITS).max(axis=0, initial=0) > 0)
    fallbacks = [entry for e in fed.tolist() for entry in system.fallbacks[e].described(first, last)]
    return items, _factors_out(traced.factors), fallbacks


def _gather(values: list, at: np.ndarray) -> list:
    """[values[i] for i in at], gathered by numpy."""
    held = np.empty(len(values), dtype=object)
    held[:] = values
    return held[at].tolist()
