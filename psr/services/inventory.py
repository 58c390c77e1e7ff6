"""The bulk write of a generator inventory: plants and units under their balancing areas, with their installed
capacities, external identifiers, locations and asset info; thousands of units at once, checking the rules the
admin checks (service by service, full_clean) itself, set by set."""

import dataclasses
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import models, transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from metadata.models import TopologyLevel

from ..choices import PLANT_LEVEL, UNIT_LEVEL, PowerUnit, UnitStatus
from ..models import (
    AssetInfo,
    ExternalIdentifier,
    InstalledCapacity,
    Location,
    PowerSystemResource,
)
from ..validators import PSR_ID_PATTERN, validate_finite_json

CHANGE_REASON = "generator inventory import"
BATCH = 500
NAME_LENGTH = PowerSystemResource._meta.get_field("name").max_length
# A new PSR's id leaves room for the suffix that makes it free (`~2`, ..., `~999`).
ID_LENGTH = PowerSystemResource._meta.get_field("id").max_length - 4
PSR_ID = re.compile(PSR_ID_PATTERN)
STATE_LENGTH = Location._meta.get_field("state_or_province").max_length


@dataclass(frozen=True, kw_only=True)
class GeneratingUnit:
    """A generating unit and its plant as an inventory states them: what an inventory adapter reads, names as the
    source gives them (`area`, `fuel_types`), and, once checked, with those names resolved (`area_id`,
    `fuel_type_id`, `technology_id`), which is what generating_units_apply writes."""

    line: int  # where the unit comes from (a file's line), for refusals
    area: str  # the balancing area as the source names it: an external identifier (eia:CISO) or a PSR id
    area_id: str | None = None  # the balancing area's PSR, once resolved
    plant_key: str  # the plant's external identifier, "scheme:value", e.g. eia-plant:55182
    plant_id: str  # the id a new plant PSR gets (suffixed if another PSR holds it), e.g. EIA-55182
    plant_name: str
    unit_key: str  # the unit's external identifier, e.g. eia-generator:55182-GT 1
    unit_id: str  # the id a new unit PSR gets (URL-safe), e.g. EIA-55182-GT_1
    unit_name: str
    fuel_types: tuple[str, ...]  # source fuel codes, the most specific first: ("eia860:NG/CA", "eia860:NG")
    fuel_type_id: int | None = None  # the first source code that maps, once resolved
    technology_id: int | None = None
    capacity: float  # nameplate, MW
    status: UnitStatus
    # INSTALLED: when its capacity began; RETIRED: when it began, only if the end is known too; PLANNED: None.
    start: datetime | None
    end: datetime | None  # RETIRED: when its capacity ended; None otherwise
    period: datetime  # the first instant of the month the inventory describes (UTC)
    properties: dict[str, Any] = dataclasses.field(default_factory=dict)  # the unit's asset info (JSON values)
    state: str | None = None  # the plant's state or province
    latitude: float | None = None
    longitude: float | None = None

    @property
    def point(self) -> tuple[float, float] | None:
        """The plant's (longitude, latitude), GeoJSON's order, when both are known."""
        if self.latitude is None or self.longitude is None:
            return None
        return (self.longitude, self.latitude)


class UnitRefusal(NamedTuple):
    """A unit that was not written: its line, the field and value at fault, and why."""

    line: int
    column: str
    value: str
    reason: str


@dataclass
class GeneratingUnitsResult:
    """Per unit: a new unit PSR (inserted), anything about it or its plant changed (updated), or nothing."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[UnitRefusal] = dataclasses.field(default_factory=list)


@dataclass
class _Writes:
    """What a batch of units changes, written in bulk at the end."""

    psrs: list[PowerSystemResource] = dataclasses.field(default_factory=list)
    identifiers: list[ExternalIdentifier] = dataclasses.field(default_factory=list)
    renamed: list[PowerSystemResource] = dataclasses.field(default_factory=list)
    locations: list[Location] = dataclasses.field(default_factory=list)
    locations_changed: list[Location] = dataclasses.field(default_factory=list)
    asset_info: list[AssetInfo] = dataclasses.field(default_factory=list)
    asset_info_changed: list[AssetInfo] = dataclasses.field(default_factory=list)
    capacities: list[InstalledCapacity] = dataclasses.field(default_factory=list)
    capacities_changed: list[InstalledCapacity] = dataclasses.field(default_factory=list)


def generating_units_apply(
    *,
    units: Sequence[GeneratingUnit],
    asset_info_name: str,
    user: Any = None,
    plant_level: str = PLANT_LEVEL,
    unit_level: str = UNIT_LEVEL,
) -> GeneratingUnitsResult:
    """Create or update the plants and units of an inventory, with the units' installed capacity, in bulk.

    Plants and units are found by their external identifier first (an operator may have changed their id or moved
    them); a new one gets its proposed id, suffixed `~2`, `~3`... if another PSR holds it, under its balancing area
    (plants) or plant (units), in the area's timezone. An existing one keeps its id, parent, timezone and
    description; its name follows the inventory. The unit's asset info item `asset_info_name` holds its properties
    (rewritten only when a property other than `inventory_period` changed); the plant's location holds its state and
    point. Capacity (MW, by fuel and technology) is only ever written on units:

    - INSTALLED: an open capacity of the same value, fuel and technology is left as it is. Otherwise the open one
      is closed at the inventory's period and a new one opened there (updated in place if it opened there); a
      unit with no capacity stored yet opens it at `start`.
    - RETIRED: the open capacity is closed at `end`; a unit with no capacity stored, whose `start` is known, gets
      its past capacity from `start` to `end`.
    - PLANNED: no capacity.

    A unit whose area or fuel is not resolved, or whose dates contradict its stored capacity (an older inventory
    after a newer one), is refused and not written. Raises ValidationError when a topology level is missing. Runs
    in one transaction (a savepoint inside the caller's); history records name `user`.
    """
    levels = {level.pk: level for level in TopologyLevel.objects.filter(pk__in=[plant_level, unit_level])}
    for level_id, what in ((plant_level, "generating plants"), (unit_level, "generating units")):
        if level_id not in levels:
            raise ValidationError(
                f"There is no topology level '{level_id}' for the {what} of the inventory: add it in the admin "
                "(Metadata, Topology levels), below the balancing areas' level, and import the file again."
            )
    if levels[unit_level].level <= levels[plant_level].level:
        raise ValidationError(f"The topology level '{unit_level}' must have a higher number than '{plant_level}'.")
    with transaction.atomic():
        # Imports into the same tree take turns from here (the second reads what the first committed): each
        # renumbers the tree's nested sets, which two at once would corrupt.
        trees = PowerSystemResource.objects.filter(pk__in={u.area_id for u in units}).values("tree_id")
        roots = PowerSystemResource.objects.select_for_update().filter(tree_id__in=trees, parent__isnull=True)
        list(roots.order_by("tree_id").values_list("pk", flat=True))
        batch = _UnitBatch(units, asset_info_name, levels[plant_level], levels[unit_level])
        for unit in units:
            batch.apply(unit)
        batch.write(user)
    return batch.result


class _UnitBatch:
    """The state of one generating_units_apply: what is stored (read once, in bulk), and what changes."""

    def __init__(
        self,
        units: Sequence[GeneratingUnit],
        asset_info_name: str,
        plant_level: TopologyLevel,
        unit_level: TopologyLevel,
    ) -> None:
        self.asset_info_name = asset_info_name
        self.plant_level, self.unit_level = plant_level, unit_level
        self.result = GeneratingUnitsResult()
        self.writes = _Writes()
        self.areas = _psrs({u.area_id for u in units})
        self.found = _identified({u.plant_key for u in units} | {u.unit_key for u in units})
        self.psrs = _psrs(set(self.found.values()))
        unit_ids = [self.found[u.unit_key] for u in units if u.unit_key in self.found]
        plant_ids = [self.found[u.plant_key] for u in units if u.plant_key in self.found]
        self.capacities: dict[str, list[InstalledCapacity]] = {}
        for capacity in _chunked(InstalledCapacity.objects, "psr_id", unit_ids):
            self.capacities.setdefault(capacity.psr_id, []).append(capacity)
        self.asset_info = {
            a.psr_id: a for a in _chunked(AssetInfo.objects.filter(name=asset_info_name), "psr_id", unit_ids)
        }
        self.locations = {loc.psr_id: loc for loc in _chunked(Location.objects, "psr_id", plant_ids)}
        wanted = [u.plant_id for u in units if u.plant_key not in self.found]
        wanted += [u.unit_id for u in units if u.unit_key not in self.found]
        self.taken = {psr.pk for psr in _chunked(PowerSystemResource.objects.only("id"), "pk", wanted)}
        self.plants: dict[str, tuple[PowerSystemResource, bool]] = {}  # by key: the plant, and whether it changed
        self.done: dict[str, int] = {}  # unit keys written, and their line

    def apply(self, u: GeneratingUnit) -> None:
        stored = self.capacities.get(self.found.get(u.unit_key), [])
        plan = self._refusal(u) or _capacity_plan(u, stored)
        if isinstance(plan, UnitRefusal):
            self.result.refused.append(plan)
            return
        plant, plant_changed = self._plant(u)
        unit_id = self.found.get(u.unit_key)
        self.done[u.unit_key] = u.line
        if unit_id is None:
            unit = self._new_psr(u.unit_id, u.unit_name, self.unit_level, plant, u.unit_key)
            self._asset_info(unit, u, None)
            self._capacity(unit.pk, u, plan, None)
            self.result.inserted += 1
            return
        unit = self.psrs[unit_id]
        changed = plant_changed
        if unit.name != u.unit_name[:NAME_LENGTH]:
            unit.name = u.unit_name[:NAME_LENGTH]
            self.writes.renamed.append(unit)
            changed = True
        changed |= self._asset_info(unit, u, self.asset_info.get(unit.pk))
        changed |= self._capacity(unit.pk, u, plan, _open_capacity(stored))
        if changed:
            self.result.updated += 1
        else:
            self.result.unchanged += 1

    def _refusal(self, u: GeneratingUnit) -> UnitRefusal | None:
        if u.area_id is None:
            return UnitRefusal(u.line, "area", u.area, "the balancing area is not resolved to a PSR.")
        if u.fuel_type_id is None:
            return UnitRefusal(u.line, "fuel", ", ".join(u.fuel_types), "the fuel is not resolved to a fuel type.")
        if u.unit_key in self.done:
            return UnitRefusal(u.line, "unit", u.unit_key, f"the same generating unit as line {self.done[u.unit_key]}.")
        area = self.areas.get(u.area_id)
        if area is None:
            return UnitRefusal(u.line, "area", u.area_id, "no PSR has this id.")
        plant_id = self.found.get(u.plant_key)
        if u.unit_key not in self.found:
            # The tree's rule (a child is at a higher level number than its parent), checked as the admin would.
            parent, level = (self.psrs[plant_id], self.unit_level) if plant_id else (area, self.plant_level)
            if parent.topology_level.level >= level.level:
                return UnitRefusal(
                    u.line,
                    "plant" if plant_id else "area",
                    parent.pk,
                    f"'{parent.pk}' is at topology level {parent.topology_level.level} ('{parent.topology_level_id}'); "
                    f"a '{level.pk}' (level {level.level}) cannot be under it.",
                )
        for candidate in (u.plant_id, u.unit_id):
            if len(candidate) > ID_LENGTH or not PSR_ID.fullmatch(candidate):
                reason = f"not a URL-safe PSR id of at most {ID_LENGTH} characters (letters, digits, . _ ~ -)."
                return UnitRefusal(u.line, "id", candidate, reason)
        try:
            validate_finite_json(u.properties)
        except ValidationError as exc:
            return UnitRefusal(u.line, "properties", "", " ".join(exc.messages))
        return None

    def _plant(self, u: GeneratingUnit) -> tuple[PowerSystemResource, bool]:
        """The unit's plant, created or updated on its first unit; whether this unit changed it."""
        if u.plant_key in self.plants:
            return self.plants[u.plant_key][0], False
        plant_id = self.found.get(u.plant_key)
        changed = False
        if plant_id is None:
            plant = self._new_psr(u.plant_id, u.plant_name, self.plant_level, self.areas[u.area_id], u.plant_key)
            location = None
        else:
            plant = self.psrs[plant_id]
            if plant.name != u.plant_name[:NAME_LENGTH]:
                plant.name = u.plant_name[:NAME_LENGTH]
                self.writes.renamed.append(plant)
                changed = True
            location = self.locations.get(plant.pk)
        changed |= self._location(plant, u, location)
        self.plants[u.plant_key] = (plant, changed)
        return plant, changed

    def _new_psr(
        self, proposed: str, name: str, level: TopologyLevel, parent: PowerSystemResource, key: str
    ) -> PowerSystemResource:
        psr_id = self._free_id(proposed)
        # MPTT fields are placeholders: the trees written to are rebuilt once, after the bulk insert.
        psr = PowerSystemResource(
            id=psr_id,
            name=name[:NAME_LENGTH],
            topology_level=level,
            parent=parent,
            timezone=parent.timezone,
            tree_id=parent.tree_id,
            level=parent.level + 1,
            lft=0,
            rght=0,
        )
        self.writes.psrs.append(psr)
        scheme, _, value = key.partition(":")
        self.writes.identifiers.append(ExternalIdentifier(psr=psr, scheme=scheme, value=value))
        self.taken.add(psr_id)
        self.psrs[psr_id] = psr
        self.found[key] = psr_id
        return psr

    def _free_id(self, proposed: str) -> str:
        """The proposed id, or (when another PSR holds it) the first of `id~2`, `id~3`... that none holds."""
        candidate, n = proposed, 1
        while candidate in self.taken:
            n += 1
            candidate = f"{proposed}~{n}"
            if PowerSystemResource.objects.filter(pk=candidate).exists():
                self.taken.add(candidate)
        return candidate

    def _location(self, plant: PowerSystemResource, u: GeneratingUnit, stored: Location | None) -> bool:
        """Set the plant's state (and point, when given); other address fields are the operator's."""
        state = (u.state or "")[:STATE_LENGTH]
        geojson = {"type": "Point", "coordinates": list(u.point)} if u.point else None
        if stored is None:
            if not state and geojson is None:
                return False
            self.writes.locations.append(Location(psr=plant, state_or_province=state, geojson=geojson))
            return True
        changed = False
        if state and stored.state_or_province != state:
            stored.state_or_province, changed = state, True
        if geojson is not None and stored.geojson != geojson:
            stored.geojson, changed = geojson, True
        if changed:
            self.writes.locations_changed.append(stored)
        return changed

    def _asset_info(self, unit: PowerSystemResource, u: GeneratingUnit, stored: AssetInfo | None) -> bool:
        if stored is None:
            self.writes.asset_info.append(AssetInfo(psr=unit, name=self.asset_info_name, properties=u.properties))
            return True
        if _without_period(stored.properties) == _without_period(u.properties):
            return False  # a later inventory that only repeats the unit rewrites nothing
        stored.properties = u.properties
        self.writes.asset_info_changed.append(stored)
        return True

    def _capacity(
        self, unit_id: str, u: GeneratingUnit, plan: "_CapacityPlan", current: InstalledCapacity | None
    ) -> bool:
        """Carry out the unit's capacity plan; whether anything changed."""
        if plan.update or plan.close is not None:
            if plan.update:
                current.value, current.unit = u.capacity, PowerUnit.MW
                current.fuel_type_id, current.technology_id = u.fuel_type_id, u.technology_id
            if plan.close is not None:
                current.end_datetime = plan.close
            self.writes.capacities_changed.append(current)
        if plan.new is not None:
            self._new_capacity(unit_id, u, *plan.new)
        return plan != NO_CHANGE

    def _new_capacity(self, unit_id: str, u: GeneratingUnit, start: datetime, end: datetime | None) -> None:
        self.writes.capacities.append(
            InstalledCapacity(
                psr_id=unit_id,
                fuel_type_id=u.fuel_type_id,
                technology_id=u.technology_id,
                value=u.capacity,
                unit=PowerUnit.MW,
                start_datetime=start,
                end_datetime=end,
            )
        )

    def write(self, user: Any) -> None:
        """Everything the batch changes, in bulk, with history records (creations, then changes)."""
        w = self.writes
        history = {"batch_size": BATCH, "default_user": user, "default_change_reason": CHANGE_REASON}
        if w.psrs:
            bulk_create_with_history(w.psrs, PowerSystemResource, **history)
            for tree_id in sorted({psr.tree_id for psr in w.psrs}):
                PowerSystemResource.objects.partial_rebuild(tree_id)
        for objs, model in (
            (w.identifiers, ExternalIdentifier),
            (w.locations, Location),
            (w.asset_info, AssetInfo),
            (w.capacities, InstalledCapacity),
        ):
            if objs:
                bulk_create_with_history(objs, model, **history)
        for objs, model, fields in (
            (w.renamed, PowerSystemResource, ["name"]),
            (w.locations_changed, Location, ["state_or_province", "geojson"]),
            (w.asset_info_changed, AssetInfo, ["properties"]),
            (w.capacities_changed, InstalledCapacity, ["value", "unit", "fuel_type", "technology", "end_datetime"]),
        ):
            if objs:
                bulk_update_with_history(_unique(objs), model, fields, **history)


class _CapacityPlan(NamedTuple):
    """What a unit's row does to its stored capacity."""

    update: bool = False  # the open capacity takes the unit's value, fuel and technology (it opened this period)
    close: datetime | None = None  # the open capacity ends then
    new: tuple[datetime, datetime | None] | None = None  # a capacity from .. to (None: still installed)


NO_CHANGE = _CapacityPlan()


def _capacity_plan(u: GeneratingUnit, stored: list[InstalledCapacity]) -> _CapacityPlan | UnitRefusal:
    """The unit's status applied to its stored capacity (see generating_units_apply), or why it cannot be."""
    current = _open_capacity(stored)
    if u.status == UnitStatus.INSTALLED:
        if current is not None and _capacity_key(current) == _stated(u):
            return NO_CHANGE
        if not stored:
            return _CapacityPlan(new=(u.start, None))
        # A change is dated by the inventory that reports it, never by the unit's first operating month.
        if current is not None and current.start_datetime == u.period:
            return _CapacityPlan(update=True)
        latest = max(c.end_datetime or c.start_datetime for c in stored)
        if u.period < latest:
            return UnitRefusal(
                u.line,
                "period",
                f"{u.period:%Y-%m}",
                f"this inventory describes {u.period:%Y-%m}, before the unit's stored capacity (which starts or ends "
                f"{latest:%Y-%m-%d}): import inventories in time order, or correct the stored capacity in the admin.",
            )
        return _CapacityPlan(close=u.period if current is not None else None, new=(u.period, None))
    if u.status == UnitStatus.RETIRED:
        if current is not None:
            if u.end <= current.start_datetime:
                return UnitRefusal(
                    u.line,
                    "end",
                    f"{u.end:%Y-%m}",
                    f"the unit's capacity would end ({u.end:%Y-%m-%d}) no later than its stored open capacity starts "
                    f"({current.start_datetime:%Y-%m-%d}): import inventories in time order, or correct the stored "
                    "capacity in the admin.",
                )
            return _CapacityPlan(close=u.end)
        if not stored and u.start is not None:
            return _CapacityPlan(new=(u.start, u.end))
    return NO_CHANGE


def _open_capacity(stored: list[InstalledCapacity]) -> InstalledCapacity | None:
    """The unit's capacity in force: the open one (no end) that started last."""
    return max((c for c in stored if c.end_datetime is None), key=lambda c: c.start_datetime, default=None)


def _capacity_key(capacity: InstalledCapacity) -> tuple:
    return (capacity.value, capacity.unit, capacity.fuel_type_id, capacity.technology_id)


def _stated(u: GeneratingUnit) -> tuple:
    """The capacity the inventory states for the unit, as _capacity_key reads a stored one."""
    return (u.capacity, PowerUnit.MW, u.fuel_type_id, u.technology_id)


def _without_period(properties: Any) -> Any:
    if not isinstance(properties, dict):
        return properties
    return {key: value for key, value in properties.items() if key != "inventory_period"}


def _unique(objs: list[models.Model]) -> list[models.Model]:
    """Each object once (a unit closed and then updated in the same batch is listed twice)."""
    seen: dict[int, models.Model] = {}
    for obj in objs:
        seen.setdefault(id(obj), obj)
    return list(seen.values())


def _chunks(values: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    values = list(dict.fromkeys(values))
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _chunked(queryset: Any, field_name: str, values: Iterable[Any]) -> Iterator[Any]:
    """The rows whose `field_name` is one of `values`, a query per BATCH values (SQLite limits parameters)."""
    for chunk in _chunks(values):
        yield from queryset.filter(**{f"{field_name}__in": chunk})


def _psrs(ids: set[str]) -> dict[str, PowerSystemResource]:
    return {p.pk: p for p in _chunked(PowerSystemResource.objects.select_related("topology_level"), "pk", ids)}


def _identified(keys: set[str]) -> dict[str, str]:
    """The PSR id of each external identifier ("scheme:value") that one holds."""
    by_scheme: dict[str, list[str]] = {}
    for key in keys:
        scheme, _, value = key.partition(":")
        by_scheme.setdefault(scheme, []).append(value)
    found = {}
    for scheme, values in by_scheme.items():
        rows = _chunked(
            ExternalIdentifier.objects.filter(scheme=scheme).values_list("value", "psr_id"), "value", values
        )
        found.update({f"{scheme}:{value}": psr_id for value, psr_id in rows})
    return found
