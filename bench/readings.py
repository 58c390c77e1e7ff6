"""The readings part of `make bench` (issue 13): ten meters x a year of 15-minute settlement readings imported as
our meter CSV, beside a canonical time-series import of the same rows and a raw COPY of them; then one page of
100 daily usage segments of one meter (9,600 values) read through the API with an API key, median of 20.

The part makes its own production project and meters (`BENCH-READINGS`) and removes their readings at its end.
"""

import itertools
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import imports

PROJECT = "BENCH-READINGS"
METERS = 10
DAYS = 365
START = datetime(2023, 1, 1, 8, tzinfo=UTC)  # local midnight in Los Angeles, the project's timezone
STEP = timedelta(minutes=15)
TARGET_PAGE_MS = 50.0
SEGMENTS = 100


@dataclass(frozen=True)
class Prepared:
    meters: list[str]
    psrs: list[str]  # grid meters under imports.PARENT, for the canonical import of the same rows
    readings: Path
    canonical: imports.Files
    key: str


def prepare(folder: Path = imports.WORK) -> Prepared:
    """The project, its meters, an API client granted it; the meter CSV and the canonical CSV of the same values."""
    from cdsc_site.clients.services import api_client_get_or_create, api_key_create
    from psr.services.projects import meter_upsert, production_project_grant, production_project_upsert

    project = production_project_upsert(
        id=PROJECT, name="Benchmark project", contract_type="PPA", contract_start_date=datetime(2020, 1, 1, tzinfo=UTC),
        contract_rule="100%", timezone="America/Los_Angeles",
    )  # fmt: skip
    meters = [meter_upsert(meter_number=f"{PROJECT}-{i:02d}", project=project).meter_number for i in range(METERS)]
    client = api_client_get_or_create(organisation="Benchmark readings client")
    client.requests_per_minute = client.points_per_minute = 0  # no limit: the part measures the read, not the limiter
    client.save()
    production_project_grant(project=project, client=client, note="bench")
    _, key = api_key_create(client=client, label="bench")
    psrs = imports.meters_create(METERS)
    folder.mkdir(parents=True, exist_ok=True)
    instants = [START + i * STEP for i in range(DAYS * 96 + 1)]
    spans = [f"{a:%Y-%m-%dT%H:%M:%SZ},{b:%Y-%m-%dT%H:%M:%SZ}," for a, b in itertools.pairwise(instants)]
    readings = folder / f"readings-{METERS}x{DAYS}d.csv"
    canonical = imports.Files(
        full=folder / f"readings-canonical-{METERS}x{DAYS}d.csv",
        small=folder / f"readings-canonical-{METERS}x{DAYS}d.csv",
        raw=folder / f"readings-{METERS}x{DAYS}d.raw.csv",
        rows=METERS * len(spans),
        small_rows=METERS * len(spans),
    )
    big = 1 << 20
    with (
        open(readings, "w", buffering=big) as out,
        open(canonical.full, "w", buffering=big) as grid,
        open(canonical.raw, "w", buffering=big) as raw,
    ):
        out.write("meter_number,format,validity,direction,start,end,value,unit,quality\n")
        grid.write(imports.HEADER)
        raw.write("series_id,start,end,value\n")
        for n, (meter, psr) in enumerate(zip(meters, psrs, strict=True), 1):
            rng = random.Random(f"bench-readings:{meter}")
            values = [repr(round(rng.uniform(0, 250), 3)) for _ in spans]  # kWh per quarter of a 1 MW plant
            out.write(
                "".join(
                    f"{meter},settlement,total_gross,delivered,{s}{v},kWh,revenue\n"
                    for s, v in zip(spans, values, strict=True)
                )
            )
            grid.write("".join(f"{psr},demand,{s}{v}\n" for s, v in zip(spans, values, strict=True)))
            raw.write("".join(f"{n},{s}{v}\n" for s, v in zip(spans, values, strict=True)))
    return Prepared(meters, psrs, readings, canonical, key)


def run_imports(prepared: Prepared) -> tuple[list[tuple], bool]:
    """Raw COPY, the canonical import and the meter-reading import of the same rows (each into an empty store)."""
    rows = prepared.canonical.rows
    raw_rate = imports.raw_copy(prepared.canonical)
    canonical = imports.import_run("canonical CSV, same rows", prepared.canonical.full, rows)
    imports._print_run(canonical)
    _clear(prepared)
    readings = imports.import_run(f"meter CSV, {METERS} meters x {DAYS} days", prepared.readings, rows)
    imports._print_run(readings)
    out = [("readings", f"raw COPY of {rows:,} rows", f"{raw_rate:,.0f} rows/s", "1.00x", "", "", "")]
    for run in (canonical, readings):
        out.append(("readings", *imports._ratio_row(run, raw_rate, None)[1:]))
    ok = canonical.ok and readings.ok
    if ok:
        verdict = "met" if readings.rate >= canonical.rate * 0.95 else "MISSED"  # within noise of the canonical rate
        out.append(("readings", "meter CSV vs canonical CSV", f"{readings.rate / canonical.rate:.2f}x", "", "",
                    ">= 1x (5 % noise)", verdict))  # fmt: skip
    return out, ok


def page_path(prepared: Prepared) -> str:
    return (
        f"/production-projects/{PROJECT}/usage-segments?meter_numbers={prepared.meters[0]}"
        "&reading_formats=settlement&after=2023-03-01T08:00:00Z"
    )


def page_row(median_ms: float, p95_ms: float, size: int, segments: int, values: int) -> tuple:
    verdict = "met" if median_ms <= TARGET_PAGE_MS else "MISSED"
    return ("readings", f"one page: {segments} daily usage segments, {values:,} values", f"{median_ms:.1f} ms",
            f"p95 {p95_ms:.1f} ms", f"{size:,} B", f"<= {TARGET_PAGE_MS:.0f} ms", verdict)  # fmt: skip


def _clear(prepared: Prepared) -> None:
    from timeseries.models import Point, Series

    for series in Series.objects.filter(psr_id__in=prepared.psrs) | Series.objects.filter(meter__project_id=PROJECT):
        Point.objects.filter(series=series).delete()
    Series.objects.filter(psr_id__in=prepared.psrs).delete()
    imports._sql("CHECKPOINT")


def cleanup(prepared: Prepared) -> None:
    """Remove the part's readings and grid meters (the project and its meters stay, like the demo's)."""
    from timeseries.models import Series

    _clear(prepared)
    Series.objects.filter(meter__project_id=PROJECT).delete()
    imports._meters_delete(prepared.psrs)
    for path in (prepared.readings, prepared.canonical.full, prepared.canonical.raw):
        path.unlink(missing_ok=True)
