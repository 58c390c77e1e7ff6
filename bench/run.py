"""The benchmark harness behind `make bench`: time-series read latency, request rate and import rate on PostgreSQL.

    python -m tests.pgcluster -- python -m bench.run [--large-points 50000000] [--parts import,readings,latency,...]

It migrates the database in DATABASE_URL (a throwaway cluster under `make bench`), loads the demo grid and a
year of generated hourly series, adds 15-minute meters up to about 1 million points, serves the app with
gunicorn, and measures, through HTTP and the full Django stack:
  1. a year of hourly generation with 10 fuels (8,760 intervals, 87,600 values) in one page;
  2. one week of the same;
  3. a year of 15-minute demand of one meter (35,040 intervals) paged at 10,000;
  4. requests per second for one day of generation under 32 connections for 10 s (wrk), next to a bare
     Django JsonResponse view in the same run;
  memory: the peak RSS one request for the largest answers adds to a fresh process (bench/memory.py);
  load: the production stack (production settings, an API key required, Redis, a Celery worker) under 64
     connections of a realistic mix of API reads for 60 s, idle and while a 10.5 M-row import runs, and a key
     driven over its rate limit next to another key (bench/load.py);
  5. then grows a copy of the store to `--large-points` (50 M) with more meters, serves both stores at once and
     measures 1-3 on both in turn, request by request (target: each within GROWTH_TARGET x of the 1 M store's).
The import part (bench/imports.py) runs first, on the still empty point table, and leaves it empty: a canonical
CSV of `--import-meters` x `--import-days` of 15-minute demand (10.5 M rows by default) through
`manage.py import_timeseries`, first import and re-import, with the child's peak RSS at 1 M and 10 M rows,
next to a raw COPY of the same rows in the same run. The readings part (bench/readings.py) follows: ten
production-project meters x a year of 15-minute settlement readings as our meter CSV, beside the canonical CSV and
a raw COPY of the same rows, then one page of 100 daily usage segments of one meter through the API with a key.
The explorer part (bench/explorer.py): CISO's explorer page with a year of hourly generation in headless Chromium,
the time from navigation to its first chart drawn, against 1.5 s.
The admin part (bench/admin.py) comes last: the operator admin's PSR pages on the demo with the public samples
loaded (about 3,900 PSRs), through Django's test client as a staff user, against 300 ms each.
"""

import argparse
import json
import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")

YEAR = "startDatetime=2023-01-01&endDatetime=2024-01-01"
CISO = "/power-system-resources/US-WECC-CISO/timeseries/generation"
METER = "/power-system-resources/US-WECC-CISO-ABC-M00001/timeseries/demand"
QUERIES = {
    "1. year, hourly, 10 fuels, one page": f"{CISO}?{YEAR}&pageSize=8760",
    "   the same, gzipped (Accept-Encoding: gzip)": f"{CISO}?{YEAR}&pageSize=8760",
    "2. one week, hourly, 10 fuels": f"{CISO}?startDatetime=2023-06-05&endDatetime=2023-06-12",
}
QUERY_HEADERS = {"   the same, gzipped (Accept-Encoding: gzip)": {"Accept-Encoding": "gzip"}}
# Issue 15's targets for the medians on the 1 M-point store (the large store's are relative: part 5).
LATENCY_TARGETS_MS = {
    "1. year, hourly, 10 fuels, one page": 150,
    "   the same, gzipped (Accept-Encoding: gzip)": 200,
    "2. one week, hourly, 10 fuels": 10,
}
DAY = f"{CISO}?startDatetime=2023-06-05&endDatetime=2023-06-06"
METER_POINTS = 35_040
US_AREAS = 5  # the first demo areas of timeseries.generator.DEMO_AREAS, CISO's among them
PARTS = ("import", "readings", "latency", "emissions", "rate", "memory", "load", "large", "explorer", "admin")
# Issue 14: a year of hourly consumption-based intensity of CISO, traced over the demo's neighbours, in one page,
# beside the generation year of the same PSR in the same run; target within 2x.
INTENSITY = "/power-system-resources/US-WECC-CISO/timeseries/carbon-intensity"
INTENSITY_TARGET_RATIO = 2.0
WORKERS = 4  # gunicorn sync workers of the read parts' server
# Issue 15: one-day request rates with the response cache, as a share of a bare JsonResponse's.
RATE_TARGET_SAME = 0.5
RATE_TARGET_DAYS = 0.3
# Issue 15, target 5: latency of 1-3 at `--large-points` within this factor of their latency at 1 M points.
GROWTH_TARGET = 1.5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[float, bytes]:
    start = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=120) as response:
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"{url}: HTTP {response.status}")
    return time.perf_counter() - start, body


def _latency(base: str, path: str, runs: int = 20, headers: dict[str, str] | None = None) -> dict:
    return _latencies(base, [path], runs, headers)[0]


def _latencies(base: str, paths: list[str], runs: int = 20, headers: dict[str, str] | None = None) -> list[dict]:
    """Median and p95 of each path, the paths asked in turn (a, b, a, b, ...) so that a slower spell of the machine
    weighs on each alike; the last body of each."""
    return _latencies_of([base + path for path in paths], runs, headers)


def _latencies_of(urls: list[str], runs: int = 20, headers: dict[str, str] | None = None) -> list[dict]:
    """`_latencies` of whole URLs (of one server or several)."""
    for _ in range(WORKERS):  # warm the caches once per worker (which worker takes a request is up to the kernel)
        for url in urls:
            _get(url, headers)
    times: list[list[float]] = [[] for _ in urls]
    bodies = [b""] * len(urls)
    for _ in range(runs):
        for i, url in enumerate(urls):
            elapsed, bodies[i] = _get(url, headers)
            times[i].append(elapsed)
    results = []
    for elapsed, body in zip(times, bodies, strict=True):
        elapsed.sort()
        results.append(
            {
                "median_ms": statistics.median(elapsed) * 1000,
                "p95_ms": elapsed[math.ceil(0.95 * len(elapsed)) - 1] * 1000,
                "bytes": len(body),
                "body": body,
            }
        )
    return results


def _walk(base: str, path: str, runs: int = 5) -> dict:
    """Follow `next` from the first page to the end; time the whole walk."""
    return _walks([base], path, runs)[0]


def _walks(bases: list[str], path: str, runs: int = 5) -> list[dict]:
    """`_walk` on each server of `bases`, in turn (a, b, a, b, ...), after one walk each to warm up."""
    walks: list[list[float]] = [[] for _ in bases]
    pages, intervals = [0] * len(bases), [0] * len(bases)
    for _ in range(runs + 1):
        for i, base in enumerate(bases):
            url, pages[i], intervals[i], start = base + path, 0, 0, time.perf_counter()
            while url:
                _, body = _get(url)
                data = json.loads(body)
                intervals[i] += len(data["demand"])
                pages[i] += 1
                url = data["next"]
            walks[i].append(time.perf_counter() - start)
    return [
        {"median_ms": statistics.median(sorted(w[1:])) * 1000, "pages": p, "intervals": n}
        for w, p, n in zip(walks, pages, intervals, strict=True)
    ]


def _wrk(url: str, seconds: int = 10, *, days_of: str | None = None) -> float:
    """Requests per second at 32 connections; with `days_of` (a path), each request asks another day of 2023 of it."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed (apt-get install wrk); `make bench` installs it.")
    script = ["-s", str(REPO / "bench" / "days.lua")] if days_of else []
    command = [wrk, "-t2", "-c32", f"-d{seconds}s", "--latency", *script, url, *(["--", days_of] if days_of else [])]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        raise SystemExit(f"{url}: {non_2xx.group(1)} failed responses under load")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, str(REPO / "manage.py"), *args], check=True, cwd=REPO)


def _points(url: str | None = None) -> tuple[int, str]:
    """The number of points the database of `url` (DATABASE_URL's by default) stores, and the sizes of the point
    table and its index."""
    import psycopg

    with psycopg.connect(url or os.environ["DATABASE_URL"], autocommit=True) as db:
        db.execute("ANALYZE timeseries_point")
        count = db.execute("SELECT count(*) FROM timeseries_point").fetchone()[0]
        # The sizes of its partitions (a partitioned table itself holds nothing; a plain one is its own leaf).
        table, index, leaves = db.execute(
            "SELECT pg_size_pretty(sum(pg_table_size(c.oid))), pg_size_pretty(sum(pg_indexes_size(c.oid))), count(*) "
            "FROM pg_class c WHERE c.relkind = 'r' AND (c.oid = 'timeseries_point'::regclass "
            "OR c.oid IN (SELECT relid FROM pg_partition_tree('timeseries_point')))"
        ).fetchone()
        return count, f"table {table}, index {index}, {leaves} partition(s)"


class Server:
    """gunicorn on a free port: the bench app by default; the load part serves cdsc_site.wsgi on its own `env` (and
    the production gunicorn settings, `config`, with their own number of workers when `workers` is None)."""

    def __init__(
        self,
        workers: int | None,
        *,
        app: str = "bench.wsgi",
        config: str | None = None,
        env: dict[str, str] | None = None,
        probe: str = "/bench/bare",
        headers: dict[str, str] | None = None,
        log: Path | None = None,
    ) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [str(BIN / "gunicorn"), *(["-c", config] if config else []), app, "--bind", f"127.0.0.1:{self.port}"]
        if not config:
            command.append("--no-control-socket")  # the production config turns it off itself
        if workers is not None:
            command += ["--workers", str(workers)]
        with open(log or os.devnull, "wb") as out:
            self.process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                _get(self.base + probe, headers)
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.3)
        self.stop()
        raise SystemExit(f"gunicorn did not start{f': see {log}' if log else ''}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def measure(base: str, label: str, results: list, *, targets: bool = True) -> dict[str, float]:
    """Measurements 1-3 as rows of `results` (with issue 15's verdicts if `targets`); returns their medians in ms by
    measurement."""
    medians = {}
    for name, path in QUERIES.items():
        r = _latency(base, path, headers=QUERY_HEADERS.get(name))
        verdict = ""
        if targets and name in LATENCY_TARGETS_MS:
            target = LATENCY_TARGETS_MS[name]
            verdict = f", target {target} ms {'met' if r['median_ms'] <= target else 'MISSED'}"
        results.append((label, name, f"{r['median_ms']:.0f} ms", f"{r['p95_ms']:.0f} ms", f"{r['bytes']:,} B{verdict}"))
        medians[name] = r["median_ms"]
    walk = _walk(base, f"{METER}?{YEAR}&pageSize=10000")
    name = f"3. meter year, 15-min, {walk['intervals']:,} intervals in {walk['pages']} pages"
    results.append((label, name, f"{walk['median_ms']:.0f} ms", "(whole walk)", ""))
    medians[name] = walk["median_ms"]
    return medians


def measure_side_by_side(small_base: str, large_base: str, labels: tuple[str, str], results: list) -> list[dict]:
    """Measurements 1-3 on two stores served side by side, each request asked of one then the other, so that a busy
    spell of a shared machine weighs on both alike (the growth ratio compares them); rows for both; returns the
    medians of each store by measurement."""
    medians: list[dict[str, float]] = [{}, {}]
    for name, path in QUERIES.items():
        pair = _latencies_of([small_base + path, large_base + path], headers=QUERY_HEADERS.get(name))
        for i, r in enumerate(pair):
            results.append((labels[i], name, f"{r['median_ms']:.0f} ms", f"{r['p95_ms']:.0f} ms", f"{r['bytes']:,} B"))
            medians[i][name] = r["median_ms"]
    walks = _walks([small_base, large_base], f"{METER}?{YEAR}&pageSize=10000")
    for i, walk in enumerate(walks):
        name = f"3. meter year, 15-min, {walk['intervals']:,} intervals in {walk['pages']} pages"
        results.append((labels[i], name, f"{walk['median_ms']:.0f} ms", "(whole walk)", ""))
        medians[i][name] = walk["median_ms"]
    return medians


def _database_copy(url: str, suffix: str) -> str:
    """A copy of the database of `url` (CREATE DATABASE ... TEMPLATE, which needs no other session on it), made
    afresh; the URL of the copy."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    copy = f"{name}_{suffix}"
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{copy}"')
        admin.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"')
    return parts._replace(path=f"/{copy}").geturl()


def _growth(small: dict[str, float], large: dict[str, float], label: str, results: list) -> None:
    """Target 5: each of 1-3 at the large store as a multiple of the same at the small one."""
    for name, ms in large.items():
        if name in small:
            ratio = ms / small[name]
            verdict = "met" if ratio <= GROWTH_TARGET else "MISSED"
            results.append(
                (label, f"5. {name[3:]}", f"{ratio:.2f}x", f"target {GROWTH_TARGET}x", f"{verdict} ({ms:.0f} ms)")
            )


def _rates(base: str, computed: float, results: list) -> None:
    """Part 4: one-day generation requests at 32 connections against a bare Django JsonResponse on the same server,
    clients repeating the same day and each request asking another day; with the response cache on."""
    same = _wrk(base + DAY)
    days = _wrk(base + CISO, days_of=CISO)
    bare = _wrk(base + "/bench/bare")
    rows = [
        ("4. one day of generation, the same day, 32 connections, 10 s", same, RATE_TARGET_SAME),
        ("   each request another day of the year", days, RATE_TARGET_DAYS),
    ]
    for name, rate, target in rows:
        verdict = "met" if rate / bare >= target else "MISSED"
        results.append(("rate", name, f"{rate:.0f} req/s", f"{rate / bare:.2f}x bare", f"target {target:g}x {verdict}"))
    results.append(("rate", "   the same day, computed each time (no response cache)", f"{computed:.0f} req/s",
                    f"{computed / bare:.2f}x bare", ""))  # fmt: skip
    results.append(("rate", "   bare Django JsonResponse, same server", f"{bare:.0f} req/s", "", ""))


def _intensity_year(base: str, label: str, results: list) -> bool:
    """The consumption intensity year beside the generation year (one page each, asked in turn, median of 20);
    whether within target."""
    generation, intensity = _latencies(
        base, [f"{CISO}?{YEAR}&pageSize=8760", f"{INTENSITY}?{YEAR}&pageSize=8760&method=consumption&basis=lifecycle"]
    )
    traced = json.loads(intensity["body"])
    ratio = intensity["median_ms"] / generation["median_ms"]
    results.append(
        (label, f"6. year, hourly, consumption carbon intensity, traced over {len(traced['traced'])} PSRs and "
         f"{len(traced['boundaries'])} boundaries", f"{intensity['median_ms']:.0f} ms", f"{intensity['p95_ms']:.0f} ms",
         f"{intensity['bytes']:,} B"),
    )  # fmt: skip
    results.append(
        (label, "   the generation year of the same PSR, same run", f"{generation['median_ms']:.0f} ms",
         f"{generation['p95_ms']:.0f} ms", f"{generation['bytes']:,} B"),
    )  # fmt: skip
    ok = ratio <= INTENSITY_TARGET_RATIO
    results.append(
        (label, f"   ratio (target <= {INTENSITY_TARGET_RATIO:g})", f"{ratio:.2f}", "", "met" if ok else "MISSED")
    )
    return ok


def _table(header: tuple, rows: list[tuple]) -> None:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]
    print()
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small-points", type=int, default=1_000_000)
    parser.add_argument("--large-points", type=int, default=50_000_000)
    parser.add_argument(
        "--parts",
        default=",".join(PARTS),
        help="any of import, readings, latency, rate, memory, load, large, explorer, admin (default all). import "
        "takes minutes at its default size (5 to 12 on 2 cores, depending on the importer's speed) and 1.5 GB of disk "
        "in var/bench/ while it runs; readings about 2 minutes; load takes about 5 minutes and writes its 10.5 M-row "
        "file (840 MB) to a temporary folder; explorer about a minute (a year of CISO's series, headless Chromium); "
        "admin about 2 minutes and needs CDSC_SAMPLE_DATA (the public samples)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        help=f"gunicorn workers (default {WORKERS}; the load part: the production gunicorn settings' own number)",
    )
    parser.add_argument("--import-meters", type=int, default=300, help="meters in the import file (default 300)")
    parser.add_argument(
        "--import-days", type=int, default=365, help="days of 15-minute data per meter (default 365: 10.5 M rows)"
    )
    parser.add_argument(
        "--import-small-rows",
        type=int,
        default=1_000_000,
        help="rows of the smaller file (whole meters, rounded up) that peak RSS is compared at (default 1 M)",
    )
    parser.add_argument(
        "--load-seconds", type=int, default=60, help="length of each run of the load part's mix (default 60)"
    )
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    if not parts <= set(PARTS):
        parser.error(f"unknown part(s): {', '.join(sorted(parts - set(PARTS)))}; choose from {', '.join(PARTS)}")
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        raise SystemExit("run under PostgreSQL: python -m tests.pgcluster -- python -m bench.run")

    _manage("migrate", "--noinput", "-v0")
    _manage("setup_demo", "--no-admin")
    import_rows, imports_ok = [], True
    if "import" in parts:
        from bench import imports

        import_rows, imports_ok = imports.run(
            meters=args.import_meters, days=args.import_days, small_rows=args.import_small_rows
        )
    readings_rows, readings_ok = [], True
    if "readings" in parts:
        readings_rows, readings_ok = _readings()
    results: list[tuple] = []
    memory_rows, memory_ok, load_rows = [], True, ([], [], True)
    if parts & {"latency", "emissions", "rate", "memory", "load", "large"}:
        memory_rows, memory_ok, load_rows = reads(args, parts, results)
    explorer_rows, explorer_ok = [], True
    if "explorer" in parts:
        from bench import explorer

        explorer_rows, explorer_ok = explorer.run(lambda: Server(args.workers or WORKERS))
    admin_rows, admin_ok = [], True
    if "admin" in parts:  # last: it adds the samples (EIA-860M's 3,800 PSRs) to whatever the parts above left
        from bench import admin

        admin_rows, admin_ok = admin.run()

    if results:
        _table(("store", "measurement", "median", "p95", "response"), results)
    if memory_rows:
        _table(("part", "one request of", "peak RSS added", "body", "time", "target", "verdict"), memory_rows)
    mix_rows, rate_rows, load_ok = load_rows
    if mix_rows:
        _table(("load", "kind", "conns", "req/s", "p50", "p95", "p99", "non-2xx/3xx", "socket errors", "p95 x idle",
                "target", "verdict"), mix_rows)  # fmt: skip
        _table(("rate-limit run: key", "conns", "requests", "2xx", "429", "429 with Retry-After", "other errors",
                "target", "verdict"), rate_rows)  # fmt: skip
    if import_rows:
        _table(("part", "measurement", "rate", "x raw COPY", "peak RSS", "target", "verdict"), import_rows)
    if readings_rows:
        _table(("part", "measurement", "rate / median", "x raw COPY / p95", "peak RSS / body", "target", "verdict"),
               readings_rows)  # fmt: skip
    if explorer_rows:
        _table(("part", "measurement", "median", "max", "runs (ms)", "target", "verdict"), explorer_rows)
    if admin_rows:
        _table(("part", "page", "median", "p95", "body", "target", "verdict"), admin_rows)
    ok = imports_ok and memory_ok and load_ok and readings_ok and explorer_ok and admin_ok
    return 0 if ok else 1


def _readings() -> tuple[list[tuple], bool]:
    """The readings part: imports of ten meters' year, then one page of usage segments through gunicorn."""
    import django

    django.setup()
    from bench import readings

    prepared = readings.prepare()
    try:
        rows, ok = readings.run_imports(prepared)
        server = Server(WORKERS)
        try:
            r = _latency(server.base, readings.page_path(prepared), headers={"Authorization": f"Bearer {prepared.key}"})
        finally:
            server.stop()
        segments = json.loads(r["body"])["usage_segments"]
        values = sum(len(s["values"]) for s in segments)
        rows.append(readings.page_row(r["median_ms"], r["p95_ms"], r["bytes"], len(segments), values))
        return rows, ok
    finally:
        readings.cleanup(prepared)


def reads(args: argparse.Namespace, parts: set[str], results: list) -> tuple[list[tuple], bool, tuple]:
    """Parts 1-5: fill the store with generated series, serve it with gunicorn, measure reads; and the memory and
    load parts on the same store (their rows, and whether they met their targets)."""
    started = time.perf_counter()
    _manage("generate_timeseries", "--areas", str(US_AREAS))  # the demo's US areas, their plants and units
    base_points, _ = _points()
    meters = max(1, math.ceil((args.small_points - base_points) / METER_POINTS))
    _manage("generate_timeseries", "--areas", "0", "--meters", str(meters))
    small, sizes = _points()
    print(f"setup: {small:,} points ({sizes}) in {time.perf_counter() - started:.0f} s", flush=True)

    server = Server(args.workers or WORKERS)
    emissions_ok = True
    try:
        if "latency" in parts:
            measure(server.base, f"{small / 1e6:.1f}M points", results)
        if "emissions" in parts:
            emissions_ok = _intensity_year(server.base, f"{small / 1e6:.1f}M points", results)
        if "rate" in parts:
            computed = _wrk(server.base + DAY)
    finally:
        server.stop()
    if "rate" in parts:
        # The same, with the response cache on (the server's default; the parts above measure computing answers).
        server = Server(args.workers or WORKERS, env={**os.environ, "CDSC_RESPONSE_CACHE": "1"})
        try:
            _rates(server.base, computed, results)
        finally:
            server.stop()
    memory_rows, memory_ok = [], emissions_ok
    if "memory" in parts:
        from bench import memory

        memory_rows, memory_ok = memory.run()
    load_rows = ([], [], True)
    if "load" in parts:
        from bench import load

        load_rows = load.run(
            workers=args.workers, seconds=args.load_seconds, import_meters=args.import_meters,
            import_days=args.import_days,
        )  # fmt: skip

    if "large" in parts:
        # The small store stays as it is; a copy of it grows. Both are then served at once and measured in turn.
        grow = time.perf_counter()
        large_url = _database_copy(os.environ["DATABASE_URL"], "large")
        large_env = {**os.environ, "DATABASE_URL": large_url}
        meters = math.ceil((args.large_points - base_points) / METER_POINTS)
        command = [sys.executable, str(REPO / "manage.py"), "generate_timeseries", "--areas", "0", "--meters"]
        subprocess.run([*command, str(meters)], check=True, cwd=REPO, env=large_env)
        large, sizes = _points(large_url)
        print(f"grew a copy to {large:,} points ({sizes}) in {time.perf_counter() - grow:.0f} s", flush=True)
        small_server = Server(args.workers or WORKERS)
        large_server = Server(args.workers or WORKERS, env=large_env)
        try:
            labels = (f"{small / 1e6:.1f}M points, beside", f"{large / 1e6:.1f}M points")
            small_again, large_medians = measure_side_by_side(small_server.base, large_server.base, labels, results)
        finally:
            small_server.stop()
            large_server.stop()
        _growth(small_again, large_medians, f"{large / 1e6:.0f}M/{small / 1e6:.0f}M", results)
    return memory_rows, memory_ok, load_rows


if __name__ == "__main__":
    sys.exit(main())
