"""Bench part "memory": the peak memory one request for the largest answers adds to a fresh server process.

Each case runs in a child process (the bench settings, Django's test client, the store the read parts generated):
the process's peak RSS before the request and after its whole body was read, streamed or not. One process per
case, so no case inherits another's heap.

    python -m bench.memory URL      # one case, prints {"status", "bytes", "before_kb", "after_kb", "seconds"}
"""

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WIDEST = "startDatetime=0001-01-01&endDatetime=9999-12-31"
CASES = {
    "US-WECC generation, widest range, JSON, pageSize 10000 (roll-up)": (
        f"/power-system-resources/US-WECC/timeseries/generation?{WIDEST}&pageSize=10000"
    ),
    "US-WECC-CISO generation, widest range, JSON, pageSize 10000": (
        f"/power-system-resources/US-WECC-CISO/timeseries/generation?{WIDEST}&pageSize=10000"
    ),
    "US-WECC-CISO generation, widest range, CSV, pageSize 10000": (
        f"/power-system-resources/US-WECC-CISO/timeseries/generation?{WIDEST}&pageSize=10000&format=csv"
    ),
    "US-WECC generation, widest range, CSV, whole window (streamed)": (
        f"/power-system-resources/US-WECC/timeseries/generation?{WIDEST}&format=csv"
    ),
    "PSR list, pageSize 1000": "/power-system-resources?pageSize=1000",
    "topology of US-WECC, numLevels 100": "/power-system-resources/US-WECC/topology?numLevels=100",
}
LIMIT_MB = 150  # what one request may add to a process (docs/performance.md says why)


def run() -> tuple[list[tuple], bool]:
    """Every case in its own child process: rows for the bench table, and whether all stayed under the limit."""
    rows, ok = [], True
    for name, url in CASES.items():
        child = subprocess.run(
            [sys.executable, "-m", "bench.memory", url], cwd=REPO, capture_output=True, text=True, check=False
        )
        if child.returncode != 0:
            raise SystemExit(f"memory case {name!r} failed:\n{child.stderr}")
        r = json.loads(child.stdout.strip().splitlines()[-1])
        added = (r["after_kb"] - r["before_kb"]) / 1024
        verdict = "met" if added <= LIMIT_MB and r["status"] == 200 else "MISSED"
        ok = ok and verdict == "met"
        rows.append(
            ("memory", name, f"+{added:.0f} MB", f"{r['bytes'] / 1e6:.1f} MB", f"{r['seconds']:.2f} s",
             f"<= +{LIMIT_MB} MB", verdict)
        )  # fmt: skip
    return rows, ok


def _one(url: str) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.get("/power-system-resources/US-WECC-CISO/timeseries/demand?startDatetime=2023-01-01&endDatetime=2023-01-02")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    response = client.get(url)
    size = sum(len(c) for c in response.streaming_content) if response.streaming else len(response.content)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"status": response.status_code, "bytes": size, "before_kb": before, "after_kb": after, "seconds": seconds}


if __name__ == "__main__":
    print(json.dumps(_one(sys.argv[1])))
