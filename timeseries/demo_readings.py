"""The demo's meter readings: every format and validity across the demo production projects (psr.demo).

The solar PPA's SCADA stream is the real PV sample (`../shared/data/meters/pv`), imported through the import
service as any file would be; its settlement and forecast streams are derived from it. The Spanish VPPA's and the
net-metered turbine's streams are generated. Deterministic and idempotent: each generated stream is replaced whole.
"""

import math
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from psr.demo import DEMO_SOLAR_PROJECT
from psr.models import Meter, ProductionProject

from .choices import Quality
from .imports.services import import_job_create, import_job_run
from .models import ImportJob, Point
from .services import PointIn, meter_series_get_or_create, series_replace_points

PV_SAMPLE = Path("pv") / "serf_east_15min_ac_power.csv"
QUARTER = timedelta(minutes=15)
HOUR = timedelta(hours=1)
# The revenue meter sees the inverter's output less transformer and cable losses.
SETTLEMENT_LOSS = 0.985


def load_demo_readings(*, meters_dir: Path | None) -> dict[str, int]:
    """Readings of the demo projects' meters; the solar SCADA stream from `meters_dir` when it holds the PV sample
    (else a clear-sky curve over the same days stands in, marked `calculated`). Returns the count per meter."""
    counts = {}
    solar = Meter.objects.filter(project_id=DEMO_SOLAR_PROJECT).order_by("meter_number").first()
    if solar is not None:
        counts[solar.meter_number] = _solar(solar, meters_dir)
    vppa = Meter.objects.filter(project_id="ES-ALMARAZ-1-VPPA").first()
    if vppa is not None:
        counts[vppa.meter_number] = _nuclear_vppa(vppa)
    farm = Meter.objects.filter(project_id="US-CISO-FARM-WIND-NEM").first()
    if farm is not None:
        counts[farm.meter_number] = _net_metered_wind(farm)
    return counts


def _replace(meter: Meter, fmt: str, validity: str, direction: str, points: Iterator[PointIn]) -> int:
    series = meter_series_get_or_create(meter=meter, reading_format=fmt, validity=validity, direction=direction)
    return series_replace_points(series=series, points=points, unit="kWh")


def _solar(meter: Meter, meters_dir: Path | None) -> int:
    scada = meter_series_get_or_create(meter=meter, reading_format="scada", validity="total_gross", direction="net")
    sample = meters_dir / PV_SAMPLE if meters_dir is not None else None
    if sample is not None and sample.is_file():
        job = import_job_run(job_id=import_job_create(source_path=str(sample), meter=meter).pk)
        if job.status != ImportJob.Status.SUCCEEDED:
            raise RuntimeError(f"The PV sample did not import: {job.message}")
    else:
        _replace(meter, "scada", "total_gross", "net", _clear_sky(datetime(2016, 7, 1, 7, tzinfo=UTC), days=104))
    rows = list(Point.objects.filter(series=scada).order_by("start").values_list("start", "end", "value"))
    share = float(ProductionProject.objects.get(pk=meter.project_id).contract_share or 1)
    written = len(rows)
    delivered = [(a, b, max(v, 0.0) * SETTLEMENT_LOSS) for a, b, v in rows]
    written += _replace(meter, "settlement", "total_gross", "delivered", _points(delivered, Quality.REVENUE))
    written += _replace(
        meter,
        "settlement",
        "contracted",
        "delivered",
        _points([(a, b, v * share) for a, b, v in delivered], Quality.REVENUE),
    )
    # At night the inverters draw a little from the grid (the SCADA log's negative values).
    received = [(a, b, -v) for a, b, v in rows if v < 0]
    written += _replace(meter, "settlement", "total_gross", "received", _points(received, Quality.REVENUE))
    rng = random.Random("demo-solar-forecast")
    hour_ahead = [(a, b, max(v, 0.0) * (1 + rng.uniform(-0.08, 0.08))) for a, b, v in rows]
    written += _replace(
        meter, "forecast_hour_ahead", "total_gross", "delivered", _points(hour_ahead, Quality.CALCULATED)
    )
    written += _replace(
        meter, "forecast_day_ahead", "total_gross", "delivered", _points(_hourly(rows, rng), Quality.CALCULATED)
    )
    return written


def _points(rows: list[tuple[datetime, datetime, float]], quality: int) -> Iterator[PointIn]:
    return (PointIn(a, b, round(v, 6), quality) for a, b, v in rows)


def _hourly(rows: list[tuple[datetime, datetime, float]], rng: random.Random) -> list[tuple[datetime, datetime, float]]:
    """A day-ahead forecast per whole hour: the hour's production, off by the day's forecast error."""
    hours: dict[datetime, float] = {}
    for a, _, v in rows:
        hour = a.replace(minute=0, second=0)
        hours[hour] = hours.get(hour, 0.0) + max(v, 0.0)
    errors: dict[object, float] = {}
    out = []
    for hour, energy in sorted(hours.items()):
        error = errors.setdefault(hour.date(), rng.uniform(-0.25, 0.2))
        out.append((hour, hour + HOUR, energy * (1 + error)))
    return out


def _clear_sky(start: datetime, *, days: int) -> Iterator[PointIn]:
    """Energy per quarter of hour of a 10 kW plant at 40 degrees north, for when the PV sample is not there."""
    t = start
    for _ in range(days * 96):
        local_hour = (t.hour - 7) % 24 + t.minute / 60  # UTC-7, as the sample
        sun = math.sin(math.pi * (local_hour - 5.5) / 14) if 5.5 < local_hour < 19.5 else 0.0
        power_kw = 10 * sun**1.2 if sun > 0 else -0.003
        yield PointIn(t, t + QUARTER, round(power_kw * 0.25, 6), Quality.CALCULATED)
        t += QUARTER


def _nuclear_vppa(meter: Meter) -> int:
    """January 2024 of Almaraz 1, hourly: the unit's output, the contract's share of it, and the day-ahead plan."""
    project = ProductionProject.objects.get(pk=meter.project_id)
    share = float(project.contract_share or 0)
    capacity_kw = float(project.installed_capacity_mw or 1000) * 1000
    rng = random.Random("demo-almaraz")
    start = datetime(2023, 12, 31, 23, tzinfo=UTC)  # local midnight of 1 January in Madrid
    gross = []
    for i in range(31 * 24):
        a = start + i * HOUR
        gross.append((a, a + HOUR, capacity_kw * rng.uniform(0.985, 0.998)))  # kWh in an hour at ~99 % load
    written = _replace(meter, "settlement", "total_gross", "delivered", _points(gross, Quality.REVENUE))
    contracted = [(a, b, v * share) for a, b, v in gross]
    written += _replace(meter, "settlement", "contracted", "delivered", _points(contracted, Quality.REVENUE))
    planned = [(a, b, capacity_kw * 0.99) for a, b, _ in gross]
    written += _replace(meter, "forecast_day_ahead", "total_gross", "delivered", _points(planned, Quality.CALCULATED))
    written += _replace(
        meter,
        "forecast_day_ahead",
        "contracted",
        "delivered",
        _points([(a, b, v * share) for a, b, v in planned], Quality.CALCULATED),
    )
    return written


def _net_metered_wind(meter: Meter) -> int:
    """June 2024 of a 100 kW turbine behind a farm's meter, per quarter of hour: the turbine's gross output, and
    what the net meter saw each way once the farm's own use is taken off."""
    rng = random.Random("demo-farm-wind")
    start = datetime(2024, 6, 1, 7, tzinfo=UTC)  # local midnight in California (PDT)
    wind, gross, exported, imported = 0.4, [], [], []
    for i in range(30 * 96):
        a = start + i * QUARTER
        wind = min(max(wind + rng.uniform(-0.06, 0.06), 0.0), 1.0)
        produced = 100 * wind**3 * 0.25  # kWh in 15 minutes
        local_hour = (a.hour - 7) % 24
        used = (6 + 10 * (8 <= local_hour < 18)) * 0.25 * rng.uniform(0.8, 1.2)
        gross.append((a, a + QUARTER, produced))
        exported.append((a, a + QUARTER, max(produced - used, 0.0)))
        imported.append((a, a + QUARTER, max(used - produced, 0.0)))
    written = _replace(meter, "settlement", "total_gross", "delivered", _points(gross, Quality.REVENUE))
    written += _replace(meter, "settlement", "net_metering", "delivered", _points(exported, Quality.REVENUE))
    written += _replace(meter, "settlement", "net_metering", "received", _points(imported, Quality.REVENUE))
    return written
