"""Bench part "load": the production stack under a realistic mix of API reads, idle and while a 10 M-row import runs
in a Celery worker, and the per-key rate limit.

The stack: gunicorn serving cdsc_site.wsgi on the production settings (plain HTTP on a loopback port), an API key
required, rate limits on but too high to trigger, Redis (a throwaway redis-server) as cache, rate-limit store and
Celery broker, PostgreSQL from DATABASE_URL, the store the read parts generated (the demo's US areas, a year of
hourly series). The load comes from wrk, one process per endpoint kind, run together with the connections split
between them (bench/load.lua rotates each kind's paths with the key and prints the percentiles):
  1. idle: the mix for `--load-seconds` (60) at 64 connections: requests/s and p50/p95/p99 per kind, and no
     non-2xx/3xx answer nor socket error;
  2. import: the same mix while `celery worker` imports the canonical CSV of bench/imports.py (`--import-meters` x
     `--import-days`, 10.5 M rows by default), queued as an upload is; p95 against the idle run (target <= 3x).
     The window opens once the job runs; the job is cancelled after it (the import part measures import speed);
  3. rate limit: a key with a limit of LIMITED requests/min asked far beyond it gets 429s with Retry-After, while
     another key asking at the same time gets none.

    python -m bench.load enqueue PATH   # (a child of this part) queue an import job of PATH, print its id
"""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LUA = Path(__file__).with_name("load.lua")

# The production gunicorn settings (worker class, workers, threads, keep-alive, limits), when the project has them.
GUNICORN_CONFIG = "python:cdsc_site.gunicorn"
CONNECTIONS = 64
WARM_UP_SECONDS = 5
# "High enough not to trigger": the limiter runs (its counters in Redis cost what they cost) but never refuses.
HIGH_REQUESTS_PER_MINUTE = 10_000_000
HIGH_POINTS_PER_MINUTE = 10_000_000_000
LIMITED = 60  # requests per minute of the key the rate-limit run drives over its limit
RATE_SECONDS = 15
RATE_CONNECTIONS = 4  # per key
TARGET_P95_GROWTH = 3.0
# A request slower than this is a socket error (wrk's timeout), not a latency.
WRK_TIMEOUT = "30s"

METER_PARENT = "US-WECC-NEVP"
US_AREAS = ["US-WECC-CISO", "US-WECC-LADWP", "US-WECC-NEVP", "US-WECC-BANC", "US-WECC-ABCD"]


def _days(step: int, count: int) -> list[date]:
    """`count` days of 2023, `step` days apart, from 5 January."""
    return [date(2023, 1, 5) + timedelta(days=step * i) for i in range(count)]


def _mix() -> dict[str, tuple[int, list[str]]]:
    """Each endpoint kind: its connections (of 64) and the paths its wrk process rotates through.

    Most calls of a data API are small metadata and grid reads and one-day or one-week series; the series get
    the most connections. Days and weeks are spread over the year, so the database reads points from everywhere.
    """

    def ts(psr: str, quantity: str, start: date, days: int) -> str:
        end = start + timedelta(days=days)
        return f"/power-system-resources/{psr}/timeseries/{quantity}?startDatetime={start}&endDatetime={end}"

    day = [ts(psr, "generation", d, 1) for d in _days(7, 50) for psr in US_AREAS]
    day += [ts(psr, "demand", d, 1) for d in _days(11, 30) for psr in US_AREAS[:2]]
    week = [ts(psr, "generation", d, 7) for d in _days(14, 25) for psr in US_AREAS]
    week += [ts("US-WECC-CISO", "demand", d, 7) for d in _days(30, 12)]
    psrs = [*US_AREAS, "US-WECC", "US-WECC-CISO-ABC", "EU-CE-ES", "EU-CE-FR", "GB", "US-ERCOT", "EU-CE"]
    return {
        "metadata": (6, ["/metadata/topology-levels", "/metadata/fuel-source/types",
                         "/metadata/fuel-source/types?pageSize=1000", "/metadata/fuel-source/technologies"]),
        "PSR list": (6, ["/power-system-resources", "/power-system-resources?level=1",
                         "/power-system-resources?parent=US-WECC", "/power-system-resources?pageSize=1000"]),
        "topology": (6, [f"/power-system-resources/{p}/topology" for p in psrs]
                     + ["/power-system-resources/US-WECC/topology?numLevels=3"]),
        "describe": (6, [f"/power-system-resources/{p}/describe" for p in psrs]),
        "capacity": (6, [f"/power-system-resources/{p}/capacity" for p in psrs]),
        "time series, one day": (20, day),
        "time series, one week": (14, week),
    }  # fmt: skip


# -- processes: Redis, gunicorn, celery ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Redis:
    """A throwaway redis-server on a free port, keeping nothing on disk."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("redis-server is not installed (apt-get install redis-server; `make bench` installs it)")
        self.root = Path(tempfile.mkdtemp(prefix="cdsc-bench-redis-"))
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.root), "--save", "",
             "--appendonly", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("redis-server did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)


def production_env(redis_url: str) -> dict[str, str]:
    """The environment of every process of the stack: the production settings, served over plain HTTP."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cdsc_site.settings.production",
        "DJANGO_SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
        "REDIS_URL": redis_url,
        "CDSC_IMPORT_RUNNER": "celery",
        "CDSC_API_KEYS_REQUIRED": "1",
        "CDSC_RATE_LIMIT_CLIENT": str(HIGH_REQUESTS_PER_MINUTE),
        "CDSC_RATE_LIMIT_CLIENT_POINTS": str(HIGH_POINTS_PER_MINUTE),
    }


def api_key_create(env: dict[str, str], client: str, *extra: str) -> str:
    """A new key of a new client, through the operators' command; it prints the key alone on its last line."""
    out = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "create_api_key", "--client", client, *extra],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0 or not out.stdout.strip():
        raise SystemExit(f"create_api_key failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout.strip().splitlines()[-1].strip()


class Worker:
    """`celery -A cdsc_site worker` with one pool process, on the production settings, in its own process group."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [str(BIN / "celery"), "-A", "cdsc_site", "worker", "--concurrency", "1", "--loglevel", "WARNING",
                 "--without-gossip", "--without-mingle", "--without-heartbeat"],
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def stop(self) -> None:
        """A warm shutdown (its job was cancelled before), then SIGKILL for whatever is left."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait(timeout=10)


# -- wrk ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """What wrk measured for one endpoint kind (latencies in ms)."""

    requests: int
    seconds: float
    p50: float
    p95: float
    p99: float
    non_2xx_3xx: int
    socket_errors: int
    ok: int  # the counts below only when statuses were read (the rate-limit run)
    limited: int
    limited_with_retry_after: int
    other: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def _wrk_start(base: str, paths: list[str], connections: int, seconds: int, key: str, folder: Path, name: str,
               *, statuses: bool = False) -> subprocess.Popen:  # fmt: skip
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed (apt-get install wrk); `make bench` installs it.")
    paths_file = folder / f"{name}.paths"
    paths_file.write_text("\n".join(paths) + "\n")
    env = {**os.environ, "BENCH_API_KEY": key, "BENCH_PATHS": str(paths_file), "BENCH_STATUSES": "1" * statuses}
    return subprocess.Popen(
        [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", WRK_TIMEOUT, "-s", str(LUA), base],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wrk_result(process: subprocess.Popen) -> Result:
    out, err = process.communicate()
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if process.returncode != 0 or not lines:
        raise SystemExit(f"wrk failed ({process.returncode}):\n{out}\n{err}")
    r = json.loads(lines[-1])
    return Result(
        requests=r["requests"],
        seconds=r["duration_us"] / 1e6,
        p50=r["p50_us"] / 1000,
        p95=r["p95_us"] / 1000,
        p99=r["p99_us"] / 1000,
        non_2xx_3xx=r["non_2xx_3xx"],
        socket_errors=r["connect"] + r["read"] + r["write"] + r["timeout"],
        ok=r["ok"],
        limited=r["limited"],
        limited_with_retry_after=r["limited_with_retry_after"],
        other=r["other"],
    )


def mix_run(base: str, key: str, seconds: int, folder: Path) -> dict[str, Result]:
    """Every kind's wrk at once, for `seconds`; their results by kind."""
    running = {
        kind: _wrk_start(base, paths, connections, seconds, key, folder, f"mix-{n}")
        for n, (kind, (connections, paths)) in enumerate(_mix().items())
    }
    return {kind: _wrk_result(process) for kind, process in running.items()}


# -- the import job -------------------------------------------------------------------------------------------


def _enqueue(path: str) -> None:
    """(Child process, production settings and REDIS_URL) queue a job of `path` for the workers, as an upload
    does: the job row, then its message once that commits."""
    import django

    django.setup()
    from django.db import transaction

    from timeseries.imports.services import import_job_create, import_job_enqueue

    with transaction.atomic():
        job = import_job_create(source_path=path)
        import_job_enqueue(job=job)
    print(job.pk)


@dataclass
class JobWatch:
    """The job's state sampled every second while the loaded window runs (in a thread of this process)."""

    job_id: int
    stages: list[str]
    rows_read: int = 0
    status: str = ""
    stop: bool = False

    def sample(self) -> None:
        from django.db import connection

        from timeseries.models import ImportJob

        try:
            while not self.stop:
                job = ImportJob.objects.get(pk=self.job_id)
                self.status, self.rows_read = job.status, job.rows_read
                stage = job.stage if job.status == ImportJob.Status.RUNNING else job.status
                if not self.stages or self.stages[-1] != stage:
                    self.stages.append(stage)
                time.sleep(1)
        finally:
            connection.close()  # this thread's own connection


def _job_wait(job_id: int, statuses: tuple[str, ...], timeout: float) -> str:
    from timeseries.models import ImportJob

    deadline = time.monotonic() + timeout
    while True:
        job = ImportJob.objects.get(pk=job_id)
        if job.status in statuses or time.monotonic() > deadline:
            return job.status
        time.sleep(0.5)


# -- the part -------------------------------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"


def _mix_rows(label: str, results: dict[str, Result], idle: dict[str, Result] | None) -> tuple[list[tuple], bool]:
    rows, ok = [], True
    connections = {kind: c for kind, (c, _) in _mix().items()}
    for kind, r in results.items():
        clean = r.non_2xx_3xx == 0 and r.socket_errors == 0 and r.requests > 0
        growth = r.p95 / idle[kind].p95 if idle else None
        met = clean and (growth is None or growth <= TARGET_P95_GROWTH)
        ok = ok and met
        target = "no error" + (f", p95 <= {TARGET_P95_GROWTH:.0f}x idle" if idle else "")
        rows.append(
            (label, kind, connections[kind], f"{r.rate:,.0f}", _ms(r.p50), _ms(r.p95), _ms(r.p99),
             r.non_2xx_3xx, r.socket_errors, f"{growth:.2f}x" if growth else "", target, "met" if met else "MISSED")
        )  # fmt: skip
    total = sum(r.requests for r in results.values()) / max(r.seconds for r in results.values())
    rows.append((label, "all kinds", CONNECTIONS, f"{total:,.0f}", "", "", "",
                 sum(r.non_2xx_3xx for r in results.values()), sum(r.socket_errors for r in results.values()),
                 "", "", ""))  # fmt: skip
    return rows, ok


def run(
    *, workers: int | None, seconds: int, import_meters: int, import_days: int
) -> tuple[list[tuple], list[tuple], bool]:
    """Run the part on the store already generated; returns the mix table's rows, the rate-limit table's rows, and
    whether every target was met."""
    import django

    django.setup()
    from bench import imports
    from bench.run import WORKERS, Server
    from timeseries.imports.services import import_job_cancel
    from timeseries.models import ImportJob

    folder = Path(tempfile.mkdtemp(prefix="cdsc-bench-load-"))
    redis = Redis()
    env = production_env(redis.url)
    server = worker = None
    meters: list[str] = []
    try:
        key = api_key_create(env, "Load bench")
        limited_key = api_key_create(env, "Load bench, limited", "--requests-per-minute", str(LIMITED))
        other_key = api_key_create(env, "Load bench, other")

        # The import's meters exist from the start, so both runs read the same grid. Not under the parent of the
        # read parts' meters: those meters (their ids, their series) are measured again by the large part.
        started = time.perf_counter()
        meters = imports.meters_create(import_meters, parent=METER_PARENT)
        files = imports.files_write(meters, days=import_days, small_rows=0, folder=folder)
        files.raw.unlink()
        print(f"load: wrote {files.full.name} ({files.rows:,} rows) in {time.perf_counter() - started:.0f} s",
              flush=True)  # fmt: skip

        config = GUNICORN_CONFIG if (REPO / "cdsc_site" / "gunicorn.py").exists() else None
        if config is None:
            workers = workers or WORKERS
        server = Server(workers, app="cdsc_site.wsgi", config=config, env=env, probe="/metadata/topology-levels",
                        headers={"Authorization": f"Bearer {key}"}, log=folder / "gunicorn.log")  # fmt: skip
        print(f"load: gunicorn {config or 'without a config file'}, {workers or 'its own number of'} workers",
              flush=True)  # fmt: skip
        _keys_required(server.base)
        print(f"load: {load_average()}; warm-up {WARM_UP_SECONDS} s, then the mix for {seconds} s", flush=True)
        mix_run(server.base, key, WARM_UP_SECONDS, folder)
        idle = mix_run(server.base, key, seconds, folder)
        idle_rows, idle_ok = _mix_rows("idle", idle, None)
        print(f"load: idle run done, {load_average()}", flush=True)

        worker = Worker(env, folder / "celery.log")
        child = subprocess.run(
            [sys.executable, "-m", "bench.load", "enqueue", str(files.full)],
            cwd=REPO, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if child.returncode != 0:
            raise SystemExit(f"could not queue the import job:\n{child.stderr}")
        job_id = int(child.stdout.strip().splitlines()[-1])
        if _job_wait(job_id, (ImportJob.Status.RUNNING, *ImportJob.FINISHED), 120) != ImportJob.Status.RUNNING:
            raise SystemExit(f"the import job did not start on the worker:\n{(folder / 'celery.log').read_text()}")
        watch = JobWatch(job_id, [])
        watcher = threading.Thread(target=watch.sample, daemon=True)
        watcher.start()
        loaded = mix_run(server.base, key, seconds, folder)
        watch.stop = True
        watcher.join()
        job = ImportJob.objects.get(pk=job_id)
        covered = job.status == ImportJob.Status.RUNNING
        if not job.finished:
            import_job_cancel(job=job)
            _job_wait(job_id, ImportJob.FINISHED, 120)
        loaded_rows, loaded_ok = _mix_rows("import", loaded, idle)
        job_row = ("import", f"the job: {files.rows:,} rows, {' -> '.join(watch.stages)}", "", "", "", "", "",
                   "", "", f"{watch.rows_read:,} rows read", "runs the whole window",
                   "met" if covered else "MISSED (it ended early)")  # fmt: skip
        print(f"load: import run done, {load_average()}", flush=True)

        limited = _wrk_start(server.base, ["/metadata/topology-levels"], RATE_CONNECTIONS, RATE_SECONDS,
                             limited_key, folder, "limited", statuses=True)  # fmt: skip
        other = _wrk_start(server.base, ["/metadata/topology-levels"], RATE_CONNECTIONS, RATE_SECONDS, other_key,
                           folder, "other", statuses=True)  # fmt: skip
        rate_rows, rate_ok = _rate_rows(_wrk_result(limited), _wrk_result(other))
        if not (idle_ok and loaded_ok):
            _print_tail("gunicorn's log", folder / "gunicorn.log")
    finally:
        for process in (server, worker, redis):
            if process is not None:
                process.stop()
        _meters_delete(meters)
        shutil.rmtree(folder, ignore_errors=True)
    rows = [*idle_rows, *loaded_rows, job_row]
    return rows, rate_rows, idle_ok and loaded_ok and covered and rate_ok


def _rate_rows(limited: Result, other: Result) -> tuple[list[tuple], bool]:
    # A limit of LIMITED a minute lets at most that many through in each minute the run touches.
    allowed = LIMITED * (RATE_SECONDS // 60 + 2)
    limited_ok = (
        limited.limited > 0
        and limited.limited_with_retry_after == limited.limited
        and limited.ok <= allowed
        and limited.other == 0
        and limited.socket_errors == 0
    )
    other_ok = other.limited == 0 and other.other == 0 and other.socket_errors == 0 and other.ok > 0
    rows = [
        (f"over its limit ({LIMITED}/min)", RATE_CONNECTIONS, f"{limited.requests:,}", f"{limited.ok:,}",
         f"{limited.limited:,}", f"{limited.limited_with_retry_after:,}", limited.other + limited.socket_errors,
         f"429s, all with Retry-After; <= {allowed} 2xx", "met" if limited_ok else "MISSED"),
        ("another key, same time", RATE_CONNECTIONS, f"{other.requests:,}", f"{other.ok:,}", f"{other.limited:,}",
         f"{other.limited_with_retry_after:,}", other.other + other.socket_errors, "no 429, no error",
         "met" if other_ok else "MISSED"),
    ]  # fmt: skip
    return rows, limited_ok and other_ok


def _meters_delete(meters: list[str]) -> None:
    """Remove the import's meters, with the series and points of a job that ended before it could be cancelled."""
    from django.db import connection

    from bench import imports
    from timeseries.models import Series

    series = list(Series.objects.filter(psr_id__in=meters).values_list("pk", flat=True))
    if series:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM timeseries_point WHERE series_id = ANY(%s)", [series])
        Series.objects.filter(pk__in=series).delete()
    imports._meters_delete(meters)


def _print_tail(what: str, path: Path, lines: int = 30) -> None:
    """The end of a log the part's folder holds (it is removed with the folder)."""
    text = path.read_text(errors="replace").splitlines()[-lines:] if path.exists() else []
    print(f"load: the last {len(text)} lines of {what}:", *[f"    {line}" for line in text], sep="\n", flush=True)


def _keys_required(base: str) -> None:
    """The stack is the one described: a request without a key is refused."""
    from bench.run import _get

    try:
        _get(base + "/metadata/topology-levels")
    except urllib.error.HTTPError as exc:
        if exc.code == 401:
            return
        raise SystemExit(f"a request without a key got {exc.code}, not 401") from None
    raise SystemExit("a request without a key was served: CDSC_API_KEYS_REQUIRED did not take effect")


def load_average() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    if sys.argv[1:2] == ["enqueue"] and len(sys.argv) == 3:
        _enqueue(sys.argv[2])
    else:
        raise SystemExit("usage: python -m bench.load enqueue PATH")
