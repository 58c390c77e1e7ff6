"""Reads of the grid model, shaped as the spec's response bodies (without the envelope); the emission factors that
apply to a PSR's generation."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from metadata.models import EmissionFactor, EmissionFactorBase, FuelSourceType

from .choices import ReadingFormat, ReadingValidity, convert_power
from .models import (
    Connection,
    DeclaredIntensity,
    InstalledCapacity,
    Location,
    Meter,
    PowerSystemResource,
    ProductionProject,
    PsrEmissionFactor,
    TransmissionCapacity,
)


def psr_list() -> QuerySet[PowerSystemResource]:
    return PowerSystemResource.objects.all()


def psr_get(psr_id: str) -> PowerSystemResource | None:
    return PowerSystemResource.objects.select_related("topology_level").filter(pk=psr_id).first()


def connected_psr_ids(psr_ids: list[str]) -> dict[str, list[str]]:
    """For each of `psr_ids`, the ids of the PSRs it is connected to (either direction), sorted; one query."""
    pairs = Connection.objects.filter(Q(psr_id__in=psr_ids) | Q(connected_psr_id__in=psr_ids)).values_list(
        "psr_id", "connected_psr_id"
    )
    wanted = set(psr_ids)
    out: dict[str, set[str]] = defaultdict(set)
    for a, b in pairs:
        if a in wanted:
            out[a].add(b)
        if b in wanted:
            out[b].add(a)
    return {psr_id: sorted(out[psr_id]) for psr_id in psr_ids}


def psr_topology(*, psr: PowerSystemResource, num_levels: int) -> dict[str, Any]:
    """The PSR's place in the tree: parents up to `num_levels` above, children down to `num_levels` below.

    A `parent` of null means the top of the tree was reached; a node at the depth limit has no `parent`
    (or `children`) key, so a client can tell "not expanded" from "none".
    """
    ancestors = list(psr.get_ancestors(ascending=True)[:num_levels]) if num_levels else []
    descendants = (
        list(psr.get_descendants().filter(level__lte=psr.level + num_levels).values_list("id", "parent_id"))
        if num_levels
        else []
    )
    children_of: dict[str, list[str]] = defaultdict(list)
    for child_id, parent_id in descendants:
        children_of[parent_id].append(child_id)
    siblings = connected_psr_ids([psr.pk, *(child_id for child_id, _ in descendants)])

    def parent_chain(chain: list[PowerSystemResource], depth_left: int) -> dict[str, Any] | None:
        if not chain:
            return None
        node: dict[str, Any] = {"id": chain[0].pk}
        if depth_left > 1:
            node["parent"] = parent_chain(chain[1:], depth_left - 1)
        return node

    def child(node_id: str, depth_left: int) -> dict[str, Any]:
        node: dict[str, Any] = {"id": node_id, "connectedSiblings": [{"id": s} for s in siblings[node_id]]}
        if depth_left > 0:
            node["children"] = [child(c, depth_left - 1) for c in sorted(children_of[node_id])]
        return node

    topology: dict[str, Any] = {}
    if num_levels:
        topology["parent"] = parent_chain(ancestors, num_levels)
    topology["connectedSiblings"] = [{"id": s} for s in siblings[psr.pk]]
    if num_levels:
        topology["children"] = [child(c, num_levels - 1) for c in sorted(children_of[psr.pk])]
    return {"id": psr.pk, "topology": topology}


def _blank_to_none(value: str) -> str | None:
    return value or None


def _location(location: Location | None) -> dict[str, Any] | None:
    if location is None:
        return None
    main_address = None
    if location.has_address:
        main_address = {
            "postal_code": _blank_to_none(location.postal_code),
            "town_detail": {
                "name": _blank_to_none(location.town_name),
                "state_or_province": _blank_to_none(location.state_or_province),
            },
            "street_detail": {
                "building_name": _blank_to_none(location.building_name),
                "display_address": _blank_to_none(location.display_address),
            },
        }
    return {
        "main_address": main_address,
        "description": _blank_to_none(location.description),
        "geojson": location.geojson,
    }


def psr_describe(*, psr: PowerSystemResource) -> dict[str, Any]:
    """Descriptive metadata of a PSR (spec 3.2.3) plus its name, level, parent, timezone and external ids."""
    location = Location.objects.filter(psr=psr).first()
    return {
        "id": psr.pk,
        "describe": {
            "name": psr.name,
            "level": psr.topology_level_id,
            "parent": psr.parent_id,
            "timezone": psr.timezone,
            "description": _blank_to_none(psr.description),
            "external_identifiers": [
                {"scheme": e.scheme, "value": e.value} for e in psr.external_identifiers.order_by("scheme", "value")
            ],
            "asset_info": [
                {"name": a.name, "description": _blank_to_none(a.description), "properties": a.properties}
                for a in psr.asset_info.order_by("name", "id")
            ],
            "location": _location(location),
        },
    }


def psr_capacity(*, psr: PowerSystemResource, unit: str) -> dict[str, Any]:
    """Installed capacity by fuel type and technology over time (spec 3.2.4), every value in `unit`."""
    rows = (
        InstalledCapacity.objects.filter(psr=psr)
        .select_related("fuel_type", "technology")
        .order_by("start_datetime", "fuel_type__name", "technology__name", "id")
    )
    return {
        "id": psr.pk,
        "unit": unit,
        "capacity": [
            {
                "fuelSource": {"type": r.fuel_type.name, "technology": r.technology.name if r.technology else None},
                "value": convert_power(r.value, r.unit, unit),
                "startDatetime": r.start_datetime,
                "endDatetime": r.end_datetime,
            }
            for r in rows
        ],
    }


def psr_transmission_capacity(*, psr: PowerSystemResource, unit: str) -> dict[str, Any]:
    """Transmission capacity between this PSR and each connected PSR (spec 3.2.5), every value in `unit`."""
    rows = TransmissionCapacity.objects.filter(Q(psr=psr) | Q(connected_psr=psr))
    items = [
        {
            "connectedPSR": {"id": r.connected_psr_id if r.psr_id == psr.pk else r.psr_id},
            "value": convert_power(r.value, r.unit, unit),
            "startDatetime": r.start_datetime,
            "endDatetime": r.end_datetime,
        }
        for r in rows
    ]
    # Sorted here, not in SQL: SQLite and PostgreSQL disagree on where NULL starts sort.
    items.sort(key=lambda i: (i["connectedPSR"]["id"], i["startDatetime"] is not None, i["startDatetime"] or 0))
    return {
        "id": psr.pk,
        "unit": unit,
        "transmissionCapacity": items,
    }


def production_projects_visible(*, user: Any, client_id: int | None) -> QuerySet[ProductionProject] | None:
    """The production projects a caller may see: every one for staff allowed to view them, the granted ones for an
    API client, None for anyone else (who must authenticate). Private data: what is not visible does not exist."""
    projects = ProductionProject.objects.select_related("contract_type", "psr", "fuel_type", "technology")
    projects = projects.prefetch_related(
        Prefetch("meters", queryset=Meter.objects.order_by("meter_number")),
        Prefetch("meters__series", queryset=_streams_holding_readings(), to_attr="held_streams"),
    )
    if user is not None and user.is_active and user.is_staff and user.has_perm("psr.view_productionproject"):
        return projects
    if client_id is not None:
        return projects.filter(grants__client_id=client_id)
    return None


def meters_visible(*, user: Any, client_id: int | None) -> QuerySet[Meter] | None:
    """The meters of the production projects the caller may see (production_projects_visible), or None."""
    projects = production_projects_visible(user=user, client_id=client_id)
    if projects is None:
        return None
    return Meter.objects.filter(project__in=projects.values("pk")).select_related("project")


def _streams_holding_readings() -> QuerySet:
    """The meters' reading streams with at least one point. psr does not import the time-series store, so its models
    are reached through the reverse relations (Meter.series, Series.points)."""
    series_model = Meter._meta.get_field("series").related_model
    point_model = series_model._meta.get_field("points").related_model
    return series_model.objects.filter(Exists(point_model.objects.filter(series=OuterRef("pk")))).only(
        "meter", "reading_format", "validity"
    )


def project_available_readings(project: ProductionProject) -> tuple[list[str], list[str]]:
    """`available_formats` and `available_reading_validity` of a project: the formats and validities its meters'
    streams hold (in the vocabularies' order), or the operator's declared lists while none holds a reading. Needs
    the prefetch of production_projects_visible (else it reads the declared lists)."""
    held = [stream for meter in project.meters.all() for stream in getattr(meter, "held_streams", [])]
    if not held:
        return list(project.declared_formats), list(project.declared_validities)
    formats = {stream.reading_format for stream in held}
    validities = {stream.validity for stream in held}
    return (
        [f for f in ReadingFormat.values if f in formats],
        [v for v in ReadingValidity.values if v in validities],
    )


@dataclass(frozen=True)
class Factor:
    """The emission factor that applies, and where it comes from (for a response to name its sources)."""

    value: float  # gCO2e/kWh
    basis: str
    scope: str | None  # the PSR whose own factor this is; None for the catalogue's default
    technology_specific: bool
    source: str  # document, table and year, as one line
    factor_id: int
    fuel_type_id: int  # the factor's own fuel type: the asked one's, or a catalogue parent's
    valid_from: datetime | None = None
    valid_until: datetime | None = None


class EmissionFactors:
    """The factors that apply to one PSR's generation, on one basis: loaded once (its ancestors' own factors and the
    catalogue's defaults), then picked per fuel, technology and instant without a query.

    Precedence: the nearest PSR (itself, then its parent, ...) that sets a factor for the technology, then one for
    the fuel type; then the catalogue's default for the technology, then for the fuel type. Among factors of one
    place, the one valid at the instant. A fuel type with no factor of its own takes its catalogue parent's (by AIB
    code: F02010102 -> F02010100 -> F02010000 -> F02000000 -> F00000000), as the parent's "Unspecified" covers
    it. None: no factor applies (a missing factor is reported, never a zero).
    """

    def __init__(
        self,
        *,
        basis: str,
        psr: PowerSystemResource | None = None,
        line: list[str] | None = None,
        catalogue: "FactorCatalogue | None" = None,
    ) -> None:
        """For `psr`, or for `line` (a PSR's id and its ancestors', nearest first) when the caller has it; with the
        `catalogue` of `factor_catalogue(basis)` when the caller keeps one (a batch of PSRs shares it)."""
        if line is None:
            if psr is None:
                raise ValueError("EmissionFactors needs a PSR or its line of ancestors.")
            line = list(reversed(psr.get_ancestors(include_self=True).values_list("pk", flat=True)))
        catalogue = catalogue or factor_catalogue(basis)
        depth = {psr_id: i for i, psr_id in enumerate(line)}  # 0: the PSR itself
        own = PsrEmissionFactor.objects.filter(psr_id__in=line, basis=basis).select_related("technology")
        self._candidates: dict[int, list[tuple[tuple, EmissionFactorBase]]] = defaultdict(list)
        for factor in own:
            rank = (depth[factor.psr_id], 0 if factor.technology_id else 1)
            self._candidates[factor.fuel_type_id].append((rank, factor))
        for factor in catalogue.defaults:
            rank = (len(line), 0 if factor.technology_id else 1)
            self._candidates[factor.fuel_type_id].append((rank, factor))
        for candidates in self._candidates.values():
            candidates.sort(key=lambda c: c[0])
        self._memo: dict[tuple, Factor | None] = {}
        self._lineage = catalogue.lineage

    def factor(self, *, fuel_type_id: int, technology_id: int | None, at: datetime) -> Factor | None:
        """The factor for generation of this fuel and technology at `at`, or None."""
        for fuel_id in self._lineage.get(fuel_type_id, [fuel_type_id]):
            found = self._own_factor(fuel_id, technology_id, at)
            if found is not None:
                return found
        return None

    def timeline(self, *, fuel_type_id: int, technology_id: int | None) -> list[tuple[datetime | None, Factor | None]]:
        """The factor for this fuel and technology over all time: (from, factor) pairs in time order, the first from
        None (always); each holds until the next one's start. Lets a caller pick a factor per interval by bisection."""
        instants = set()
        for fuel_id in self._lineage.get(fuel_type_id, [fuel_type_id]):
            for _rank, candidate in self._candidates.get(fuel_id, ()):
                instants.update(t for t in (candidate.valid_from, candidate.valid_until) if t is not None)
        steps: list[tuple[datetime | None, Factor | None]] = [(None, self.factor_before(fuel_type_id, technology_id))]
        for instant in sorted(instants):
            found = self.factor(fuel_type_id=fuel_type_id, technology_id=technology_id, at=instant)
            if found != steps[-1][1]:
                steps.append((instant, found))
        return steps

    def factor_before(self, fuel_type_id: int, technology_id: int | None) -> Factor | None:
        """The factor that applies before every validity bound: the one of a factor valid since always."""
        earliest = min(
            (
                t
                for fuel_id in self._lineage.get(fuel_type_id, [fuel_type_id])
                for _rank, candidate in self._candidates.get(fuel_id, ())
                for t in (candidate.valid_from, candidate.valid_until)
                if t is not None
            ),
            default=None,
        )
        at = datetime.min.replace(tzinfo=UTC) if earliest is None else earliest - timedelta(microseconds=1)
        return self.factor(fuel_type_id=fuel_type_id, technology_id=technology_id, at=at)

    def _own_factor(self, fuel_type_id: int, technology_id: int | None, at: datetime) -> Factor | None:
        for _rank, candidate in self._candidates.get(fuel_type_id, ()):
            if candidate.technology_id is not None and candidate.technology_id != technology_id:
                continue
            if not candidate.applies_at(at):
                continue
            key = candidate.pk, type(candidate)
            if key not in self._memo:
                source = candidate.source
                self._memo[key] = Factor(
                    value=candidate.value,
                    basis=candidate.basis,
                    scope=getattr(candidate, "psr_id", None),
                    technology_specific=candidate.technology_id is not None,
                    source=source,
                    factor_id=candidate.pk,
                    fuel_type_id=candidate.fuel_type_id,
                    valid_from=candidate.valid_from,
                    valid_until=candidate.valid_until,
                )
            return self._memo[key]
        return None


@dataclass(frozen=True)
class FactorCatalogue:
    """The catalogue's default factors on one basis, and each fuel type's lineage (itself, then its catalogue parents
    that exist, nearest first): the part of EmissionFactors every PSR shares."""

    defaults: list[EmissionFactor]
    lineage: dict[int, list[int]]


def factor_catalogue(basis: str) -> FactorCatalogue:
    """The catalogue's defaults and fuel lineages, read once (two queries)."""
    codes = dict(FuelSourceType.objects.exclude(aib_code=None).values_list("pk", "aib_code"))
    ids = {code: pk for pk, code in codes.items()}
    lineage = {
        pk: list(dict.fromkeys([pk, *(ids[p] for p in _aib_parents(code) if p in ids)])) for pk, code in codes.items()
    }
    return FactorCatalogue(defaults=list(EmissionFactor.objects.filter(basis=basis)), lineage=lineage)


def declared_intensity_timeline(*, psr_id: str, basis: str) -> list[tuple[datetime | None, DeclaredIntensity | None]]:
    """The intensity declared for a PSR's supply on a basis over all time: (from, declared) pairs in time order, the
    first from None (always); each holds until the next one's start; None where nothing is declared."""
    return declared_intensity_timelines(psr_ids=[psr_id], basis=basis)[psr_id]


def declared_intensity_timelines(
    *, psr_ids: list[str], basis: str
) -> dict[str, list[tuple[datetime | None, DeclaredIntensity | None]]]:
    """declared_intensity_timeline of several PSRs, in one query."""
    by_psr: dict[str, list[DeclaredIntensity]] = {psr_id: [] for psr_id in psr_ids}
    for declared in DeclaredIntensity.objects.filter(psr_id__in=psr_ids, basis=basis).order_by("valid_from", "pk"):
        by_psr[declared.psr_id].append(declared)
    return {psr_id: _declared_steps(declared) for psr_id, declared in by_psr.items()}


def _declared_steps(declared: list[DeclaredIntensity]) -> list[tuple[datetime | None, DeclaredIntensity | None]]:
    instants = sorted({t for d in declared for t in (d.valid_from, d.valid_until) if t is not None})

    def at(instant: datetime) -> DeclaredIntensity | None:
        return next((d for d in declared if d.applies_at(instant)), None)

    first = at(instants[0] - timedelta(microseconds=1)) if instants else at(datetime.min.replace(tzinfo=UTC))
    steps: list[tuple[datetime | None, DeclaredIntensity | None]] = [(None, first)]
    for instant in instants:
        found = at(instant)
        if found != steps[-1][1]:
            steps.append((instant, found))
    return steps


def _aib_parents(code: str) -> list[str]:
    """The AIB energy-source codes above `code`, nearest first: F02010102 -> F02010100, F02010000, F02000000,
    F00000000."""
    digits = code[1:]
    return [f"F{digits[:n]}{'0' * (8 - n)}" for n in (6, 4, 2, 0) if f"F{digits[:n]}{'0' * (8 - n)}" != code]
