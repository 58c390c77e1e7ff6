"""Deterministic, realistic synthetic time series for the demo grid and the benchmark.

Diurnal solar with seasonal and day-to-day cloud, wind as a smoothed random walk, demand with seasonal and
daily shapes, hydro high in spring, flat nuclear, and gas filling what the rest leaves; flows between
neighbours that are each other's mirror (A's imports from B are B's exports to A); prices per timeframe that
follow the net load. Everything follows from the seed.
"""

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from metadata.selectors import fuel_source_technology_get, fuel_source_type_get
from psr.choices import PLANT_LEVEL, UNIT_LEVEL
from psr.models import PowerSystemResource
from psr.services import installed_capacity_set, location_set, psr_upsert

from .choices import Quantity, Timeframe
from .services import PointIn, series_get_or_create, series_replace_points

# (AIB fuel type, AIB technology, share of average demand as capacity, profile)
FUELS = [
    ("F01040100", "T010100", 0.45, "solar"),
    ("F01050100", "T020001", 0.25, "wind"),
    ("F01050200", "T030100", 0.15, "hydro"),
    ("F03010100", "T060200", 0.10, "flat"),
    ("F02030100", "T050100", 0.0, "residual"),
    ("F02010100", "T050300", 0.02, "flat"),
    ("F01040200", "T050300", 0.05, "flat"),
    ("F01010300", "T050300", 0.02, "flat"),
    ("F02020300", "T050500", 0.005, "peaker"),
    ("F01030100", "T050500", 0.01, "flat"),
]
CURTAILED = {"solar", "wind"}


@dataclass(frozen=True)
class Area:
    psr_id: str
    demand_mw: float  # average demand
    fuels: int | tuple[tuple[str, float], ...]  # the first n of FUELS (plus gas), or (AIB fuel code, share) pairs
    currency: str = "USD"
    unit_series: bool = False  # also give each generating unit its share of the area's generation

    def mix(self) -> list[tuple[str, str, float, str]]:
        """The fuels this area runs: (AIB fuel, AIB technology, share of average demand as capacity, profile)."""
        if isinstance(self.fuels, int):
            return FUELS[: self.fuels] + ([FUELS[4]] if self.fuels <= 4 else [])
        shares = dict(self.fuels)
        return [(code, tech, shares[code], profile) for code, tech, _, profile in FUELS if code in shares]


SOLAR, WIND, HYDRO, NUCLEAR, GAS, COAL = "F01040100", "F01050100", "F01050200", "F03010100", "F02030100", "F02010100"
OIL, WOOD = "F02020300", "F01010300"

# The US areas first (the benchmark generates those only, with --areas 5), then Europe's: mixes of the right shape.
DEMO_AREAS = [
    Area("US-WECC-CISO", 26_000, len(FUELS), unit_series=True),
    Area("US-WECC-LADWP", 3_200, 5),
    Area("US-WECC-NEVP", 4_200, 5),
    Area("US-WECC-BANC", 1_800, 3),
    Area("US-WECC-ABCD", 600, 2),
    Area("EU-CE-ES", 28_000, ((SOLAR, .35), (WIND, .45), (HYDRO, .12), (NUCLEAR, .25), (GAS, 0), (COAL, .02)), "EUR"),
    Area("EU-CE-FR", 50_000, ((SOLAR, .12), (WIND, .15), (HYDRO, .2), (NUCLEAR, .7), (GAS, 0), (OIL, .005)), "EUR"),
    Area("EU-CE-PT", 5_500, ((SOLAR, .2), (WIND, .5), (HYDRO, .35), (GAS, 0), (WOOD, .05)), "EUR"),
    Area("GB", 30_000, ((SOLAR, .12), (WIND, .45), (HYDRO, .02), (NUCLEAR, .15), (GAS, 0), (WOOD, .07)), "GBP"),
]  # fmt: skip

# Names of the demo plants by fuel.
PLANT_NAMES = {
    SOLAR: "Solar",
    WIND: "Wind",
    HYDRO: "Hydro",
    NUCLEAR: "Nuclear",
    GAS: "Gas",
    COAL: "Coal",
    "F01040200": "Geothermal",
    WOOD: "Biomass",
    OIL: "Oil",
    "F01030100": "Landfill gas",
}
DEMO_CAPACITY_START = datetime(2020, 1, 1, tzinfo=UTC)


def _hours(start: datetime, end: datetime, step: timedelta) -> Iterator[datetime]:
    t = start
    while t < end:
        yield t
        t += step


class _Weather:
    """Per-interval weather and load factors of one area, reproducible from (seed, area)."""

    def __init__(self, seed: int, key: str, tz: ZoneInfo) -> None:
        self.random = random.Random(f"{seed}:{key}")
        self.tz = tz
        self.wind = 0.4
        self.clouds: dict = {}

    def factors(self, t: datetime) -> dict[str, float]:
        local = t.astimezone(self.tz)
        hour = local.hour + local.minute / 60
        day = local.timetuple().tm_yday
        season = math.cos(2 * math.pi * (day - 172) / 365)  # 1 at midsummer
        if local.date() not in self.clouds:
            self.clouds[local.date()] = 0.55 + 0.45 * self.random.random()
        sun = max(0.0, math.sin(math.pi * (hour - 6) / 12)) * (0.75 + 0.25 * season) * self.clouds[local.date()]
        self.wind = min(1.0, max(0.03, 0.97 * self.wind + 0.03 * self.random.random() * 1.4))
        daily = 0.85 + 0.15 * math.sin(math.pi * (hour - 7) / 14) if 7 <= hour <= 21 else 0.8
        load = daily * (1 + 0.18 * season) * (1 + 0.03 * (self.random.random() - 0.5))
        hydro = 0.5 + 0.4 * math.cos(2 * math.pi * (day - 130) / 365)
        return {"solar": sun, "wind": self.wind, "hydro": hydro, "flat": 0.9, "load": load, "peak": hour}


def generate_area(area: Area, *, start: datetime, end: datetime, step: timedelta, seed: int, flows: dict) -> int:
    """Write every quantity of one area; `flows[(a, b)]` holds the signed a<-b flow per interval (filled here)."""
    psr = PowerSystemResource.objects.get(pk=area.psr_id)
    tz = ZoneInfo(psr.timezone)
    weather = _Weather(seed, area.psr_id, tz)
    hours = step.total_seconds() / 3600
    fuels = area.mix()
    units = demo_plants(area, psr, seed)
    generation = {f[3] + f[0]: [] for f in fuels}
    curtailment = {f[3] + f[0]: [] for f in fuels if f[3] in CURTAILED}
    demand, forecast, prices = (
        [],
        [],
        {tf: [] for tf in (Timeframe.DAY_AHEAD, Timeframe.HOUR_AHEAD, Timeframe.REAL_TIME)},
    )
    neighbours = sorted(b for a, b in flows if a == area.psr_id)
    rng = random.Random(f"{seed}:{area.psr_id}:noise")
    for t in _hours(start, end, step):
        f = weather.factors(t)
        load_mwh = area.demand_mw * f["load"] * hours
        net_import = sum(flows[(area.psr_id, b)](t) for b in neighbours) * hours
        supplied = 0.0
        residual_key = None
        for code, _tech, share, profile in fuels:
            key = profile + code
            if profile == "residual":
                residual_key = key
                continue
            factor = {"peaker": 1.0 if 17 <= f["peak"] <= 20 else 0.0}.get(profile, f.get(profile, 0.9))
            value = area.demand_mw * share * factor * hours
            if profile in CURTAILED:
                excess = max(0.0, supplied + value - 0.8 * (load_mwh - net_import))
                cut = min(value, excess) if value else 0.0
                curtailment[key].append(PointIn(t, t + step, round(cut, 3)))
                value -= cut
            supplied += value
            generation[key].append(PointIn(t, t + step, round(value, 3)))
        gas = max(0.05 * area.demand_mw * hours, load_mwh - net_import - supplied)
        generation[residual_key].append(PointIn(t, t + step, round(gas, 3)))
        demand.append(PointIn(t, t + step, round(load_mwh, 3)))
        forecast.append(PointIn(t, t + step, round(load_mwh * (1 + 0.04 * (rng.random() - 0.5)), 3)))
        day_ahead = 25 + 45 * gas / (area.demand_mw * hours) + 5 * (rng.random() - 0.5)
        prices[Timeframe.DAY_AHEAD].append(PointIn(t, t + step, round(day_ahead, 2)))
        prices[Timeframe.HOUR_AHEAD].append(PointIn(t, t + step, round(day_ahead + 4 * (rng.random() - 0.5), 2)))
        spike = 120 * rng.random() if rng.random() < 0.01 else 0.0
        prices[Timeframe.REAL_TIME].append(
            PointIn(t, t + step, round(day_ahead + 10 * (rng.random() - 0.5) + spike, 2))
        )

    count = 0
    for code, tech, _share, profile in fuels:
        dims = {"fuel_type": fuel_source_type_get(code), "technology": fuel_source_technology_get(tech)}
        count += _write(psr, Quantity.GENERATION, generation[profile + code], dims=dims)
        for unit, fraction in units[code] if area.unit_series else ():
            points = [PointIn(p.start, p.end, round(p.value * fraction, 3)) for p in generation[profile + code]]
            count += _write(unit, Quantity.GENERATION, points, dims=dims)
        if profile in CURTAILED:
            count += _write(psr, Quantity.CURTAILMENT, curtailment[profile + code], dims=dims)
    count += _write(psr, Quantity.DEMAND, demand)
    count += _write(psr, Quantity.DEMAND, forecast, timeframe=Timeframe.DAY_AHEAD)
    for timeframe, points in prices.items():
        count += _write(psr, Quantity.PRICE, points, timeframe=timeframe, unit=area.currency)
    for b in neighbours:
        other = PowerSystemResource.objects.get(pk=b)
        signed = [(t, flows[(area.psr_id, b)](t) * hours) for t in _hours(start, end, step)]
        imports = [PointIn(t, t + step, round(max(v, 0.0), 3)) for t, v in signed]
        exports = [PointIn(t, t + step, round(max(-v, 0.0), 3)) for t, v in signed]
        count += _write(psr, Quantity.IMPORTS, imports, dims={"connected_psr": other})
        count += _write(psr, Quantity.EXPORTS, exports, dims={"connected_psr": other})
    return count


# The zones the plants of an area are spread over (round robin); other areas hold their plants directly.
PLANT_ZONES = {"US-WECC-CISO": ["US-WECC-CISO-NP15", "US-WECC-CISO-ZP26", "US-WECC-CISO-SP15"]}


def demo_plants(area: Area, psr: PowerSystemResource, seed: int) -> dict[str, list[tuple[PowerSystemResource, float]]]:
    """A plant per fuel of the area with one to three generating units, located near their parent, with installed
    capacities on the units, the plants and the area sized from the area's mix; returns each fuel's units with
    their share of the fuel's capacity. Idempotent: running it again updates in place."""
    rng = random.Random(f"{seed}:{area.psr_id}:plants")
    zone_ids = PLANT_ZONES.get(area.psr_id, [])
    found = PowerSystemResource.objects.in_bulk(zone_ids)
    zones = [found[z] for z in zone_ids if z in found]
    units: dict[str, list[tuple[PowerSystemResource, float]]] = {}
    for i, (code, tech, share, profile) in enumerate(area.mix()):
        parent = zones[i % len(zones)] if zones else psr
        fuel, technology = fuel_source_type_get(code), fuel_source_technology_get(tech)
        capacity = round(area.demand_mw * (0.8 if profile == "residual" else share))
        label = PLANT_NAMES.get(code, code)
        plant = psr_upsert(
            id=f"{area.psr_id}-{label.upper().replace(' ', '')}",
            name=f"{psr.name} {label.lower()} plant (demo)",
            topology_level=PLANT_LEVEL,
            parent=parent,
            timezone=psr.timezone,
        )
        where = getattr(getattr(parent, "location", None), "geojson", None) or {}
        if where.get("type") == "Point":
            lon, lat = where["coordinates"]
            location_set(
                psr=plant,
                description="Demo plant.",
                geojson={
                    "type": "Point",
                    "coordinates": [round(lon + rng.uniform(-1, 1), 3), round(lat + rng.uniform(-1, 1), 3)],
                },
            )
        installed_capacity_set(
            psr=plant, fuel_type=fuel, technology=technology, value=capacity, start_datetime=DEMO_CAPACITY_START
        )
        installed_capacity_set(
            psr=psr, fuel_type=fuel, technology=technology, value=capacity, start_datetime=DEMO_CAPACITY_START
        )
        count = {"solar": 3, "wind": 3, "residual": 3, "hydro": 2}.get(profile, 1)
        units[code] = []
        for n in range(1, count + 1):
            unit = psr_upsert(
                id=f"{plant.pk}-U{n}",
                name=f"{plant.name.removesuffix(' (demo)')} unit {n} (demo)",
                topology_level=UNIT_LEVEL,
                parent=plant,
                timezone=psr.timezone,
            )
            installed_capacity_set(
                psr=unit,
                fuel_type=fuel,
                technology=technology,
                value=round(capacity / count, 3),
                start_datetime=DEMO_CAPACITY_START,
            )
            units[code].append((unit, 1 / count))
    return units


def _write(psr, quantity, points, *, dims=None, timeframe=Timeframe.ACTUAL, unit="MWh") -> int:
    series = series_get_or_create(psr=psr, quantity=quantity, unit=unit, timeframe=timeframe, **(dims or {}))
    return series_replace_points(series=series, points=points, unit=unit)


def flow_functions(pairs: list[tuple[str, str]], seed: int, capacity_mw: dict) -> dict:
    """Signed MW flow functions per ordered pair: flows[(a, b)](t) > 0 means a imports from b."""
    flows = {}
    for a, b in pairs:
        rng = random.Random(f"{seed}:{a}:{b}")
        amplitude, phase, bias = capacity_mw.get((a, b), 300) * 0.6, rng.uniform(0, 24), rng.uniform(-0.3, 0.3)

        def flow(t, amplitude=amplitude, phase=phase, bias=bias):
            hour = t.hour + t.minute / 60
            wobble = math.sin(t.timestamp() / 7919.0)
            return amplitude * (bias + 0.6 * math.sin(2 * math.pi * (hour - phase) / 24) + 0.2 * wobble)

        flows[(a, b)] = flow
        flows[(b, a)] = lambda t, f=flow: -f(t)
    return flows


@transaction.atomic
def generate_meters(*, count: int, parent_id: str, start: datetime, end: datetime, step: timedelta, seed: int) -> int:
    """`count` meters under `parent_id`, each with a demand series at `step` (15-minute meters by default)."""
    parent = PowerSystemResource.objects.get(pk=parent_id)
    template = _Weather(seed, parent_id, ZoneInfo(parent.timezone))
    times = list(_hours(start, end, step))
    shape = [template.factors(t)["load"] for t in times]  # one load shape, scaled and jittered per meter
    hours = step.total_seconds() / 3600
    written = 0
    for i in range(1, count + 1):
        meter = psr_upsert(
            id=f"{parent_id}-M{i:05d}",
            name=f"Meter {i}",
            topology_level=UNIT_LEVEL,
            parent=parent,
            timezone=parent.timezone,
        )
        rng = random.Random(f"{seed}:{meter.pk}")
        base = rng.uniform(0.05, 2.0) * hours  # MWh per interval at an average load of 0.05 to 2 MW
        points = (
            PointIn(t, t + step, round(base * load * (0.9 + 0.2 * rng.random()), 4))
            for t, load in zip(times, shape, strict=True)
        )
        written += _write(meter, Quantity.DEMAND, points)
    return written
