"""Bench part "explorer" (issue 16, item 5): the time from navigation to the first chart drawn on CISO's explorer
page with a year of hourly generation (10 fuels, about 87,600 values), in headless Chromium, against 1.5 s.

The page's script sets a `performance.mark` ("cdsc-first-chart") when ECharts' first `finished` event fires; the
figure is that mark's time, which the browser counts from the start of the navigation. Each run is a fresh browser
context (no HTTP cache), against gunicorn serving the production settings (static files collected, as deployed).
"""

import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET_MS = 1500.0
WARMUP, RUNS = 1, 7
PAGE = "/explore/psr/US-WECC-CISO?start=2023-01-01&end=2023-12-31&resolution=raw&unit=MWh"


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, str(REPO / "manage.py"), *args], check=True, cwd=REPO)


def prepare() -> None:
    """CISO's year of hourly series (left alone if the read parts made it) and the static files, collected."""
    _manage("generate_timeseries", "--if-empty", "--areas", "1")
    _manage("collectstatic", "--noinput", "-v0")


def first_chart_ms(base: str, runs: int = RUNS, warmup: int = WARMUP) -> tuple[list[float], int]:
    """Each run's time to the first chart drawn (ms), and how many values that chart drew."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    times, values = [], 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for i in range(warmup + runs):
                context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900})
                page = context.new_page()
                page.goto(PAGE)
                page.wait_for_function(
                    "() => performance.getEntriesByName('cdsc-first-chart').length > 0", timeout=60_000
                )
                mark = page.evaluate("performance.getEntriesByName('cdsc-first-chart')[0].startTime")
                values = page.evaluate(
                    "(() => { const o = echarts.getInstanceByDom(document.getElementById('plot-generation'))"
                    ".getOption(); return o.dataset[0].source.length * o.series.length; })()"
                )
                # The other charts' requests (emissions and intensity of the year among them) run to their end
                # before the next run, which would otherwise queue behind them.
                page.wait_for_function(
                    "() => [...document.querySelectorAll('section.chart')].every(s => s.dataset.state !== 'loading')",
                    timeout=180_000,
                )
                context.close()
                if i >= warmup:
                    times.append(mark)
        finally:
            browser.close()
    return times, values


def run(server_factory) -> tuple[list[tuple], bool]:
    """Rows for the bench table (part, measurement, median, p95 / max, runs, target, verdict) and whether it met the
    target. `server_factory()` starts the server (bench.run.Server) and returns it."""
    prepare()
    server = server_factory()
    try:
        times, values = first_chart_ms(server.base)
    finally:
        server.stop()
    median = statistics.median(times)
    ok = median <= TARGET_MS
    row = (
        "explorer",
        f"CISO page, first chart drawn ({values:,} values)",
        f"{median:.0f} ms",
        f"{max(times):.0f} ms",
        ", ".join(f"{t:.0f}" for t in times),
        f"{TARGET_MS:.0f} ms",
        "met" if ok else "MISSED",
    )
    return [row], ok
