"""Bench part "admin" (issue 16, item 3): the operator admin on the demo with the EIA-860M inventory, about 3,900
PSRs (`make run`'s store: generated series, the public samples, the demo readings). A staff user, logged in with
Django's test client in this process (the bench settings: production's, debug off), asks each page 3 times to warm
up, then 15 times; medians and p95 against the issue's 300 ms for every admin page.
"""

import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET_MS = 300.0
RUNS = 15
CHANGELIST = "/admin/psr/powersystemresource/"


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, str(REPO / "manage.py"), *args], check=True, cwd=REPO)


def prepare() -> None:
    """The demo store as `make run` leaves it (setup_demo has run): series, samples (EIA-860M included), readings."""
    if not os.environ.get("CDSC_SAMPLE_DATA"):
        raise SystemExit("the admin part needs CDSC_SAMPLE_DATA (the public samples, ../shared/data/public)")
    _manage("generate_timeseries", "--if-empty", "--meters", "4")
    _manage("load_samples")
    _manage("load_demo_readings")


def pages() -> dict[str, str]:
    from psr.models import PowerSystemResource

    # The first unit of a plant of CISO's in tree order (the EIA-860M inventory's plants hold their generators).
    unit = (
        PowerSystemResource.objects.filter(
            parent__topology_level_id="Generating Plant", parent__parent_id="US-WECC-CISO"
        )
        .order_by("tree_id", "lft")
        .values_list("pk", flat=True)
        .first()
    )
    return {
        "PSR list": CHANGELIST,
        "PSR list, filtered by parent US-WECC-CISO": f"{CHANGELIST}?parent__id__exact=US-WECC-CISO",
        "US-WECC-CISO's page": f"{CHANGELIST}US-WECC-CISO/change/",
        f"a unit's page ({unit})": f"{CHANGELIST}{unit}/change/",
        "US-WECC-CISO's data quality, last 31 days": f"{CHANGELIST}US-WECC-CISO/quality/",
        "parent autocomplete, 'CISO'": (
            "/admin/autocomplete/?app_label=psr&model_name=powersystemresource&field_name=parent&term=CISO"
        ),
    }


def run() -> tuple[list[tuple], bool]:
    """Rows for the bench table (part, page, median, p95, body, target, verdict) and whether all met the target."""
    import django

    django.setup()
    from django.conf import settings
    from django.test import override_settings

    prepare()
    # Static files' URLs without the manifest of hashed names (which needs collectstatic, not run by the bench).
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        return _measure()


def _measure() -> tuple[list[tuple], bool]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from psr.models import PowerSystemResource

    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    psrs = PowerSystemResource.objects.count()
    rows, ok = [], True
    for label, url in pages().items():
        for _ in range(3):
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url}: HTTP {response.status_code}")
        elapsed = []
        for _ in range(RUNS):
            started = time.perf_counter()
            response = client.get(url)
            elapsed.append(time.perf_counter() - started)
        elapsed.sort()
        median = statistics.median(elapsed) * 1000
        p95 = elapsed[math.ceil(0.95 * len(elapsed)) - 1] * 1000
        met = median <= TARGET_MS
        ok = ok and met
        rows.append(
            (f"admin ({psrs:,} PSRs)", label, f"{median:.0f} ms", f"{p95:.0f} ms", f"{len(response.content):,} B",
             f"<= {TARGET_MS:.0f} ms", "ok" if met else "MISSED")
        )  # fmt: skip
    user.delete()
    return rows, ok


if __name__ == "__main__":
    for row in run()[0]:
        print("  ".join(row))
