"""The web entry points' process settings, checked in a fresh interpreter as a web process starts."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

# After a product as large as a traced year's, the CPU that numpy's other threads (OpenBLAS's helpers) spend while
# the main thread sleeps: about a core's 100 ms when they spin in wait for more work.
HELPERS_AFTER_A_PRODUCT = """
import json, os, time
import {module}
import numpy as np

def others():
    main, total = str(os.getpid()), 0
    for tid in os.listdir("/proc/self/task"):
        if tid != main:
            fields = open(f"/proc/self/task/{{tid}}/stat").read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total * 1000 / os.sysconf("SC_CLK_TCK")

rng = np.random.default_rng(0)
shares, merge = rng.random((8760, 27)), np.eye(27)[:, :12]
before = others()
for _ in range(3):
    shares @ merge
    time.sleep(0.1)
print(json.dumps({{"helpers_ms": others() - before, "timeout": os.environ.get("OPENBLAS_THREAD_TIMEOUT")}}))
"""


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="reads the threads' CPU time from /proc")
@pytest.mark.parametrize("module", ["cdsc_site.wsgi", "cdsc_site.asgi"])
def test_numpys_blas_threads_sleep_as_soon_as_a_product_is_done(module):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cdsc_site.settings.test"}
    env.pop("OPENBLAS_THREAD_TIMEOUT", None)
    result = subprocess.run(
        [sys.executable, "-c", HELPERS_AFTER_A_PRODUCT.format(module=module)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    assert measured["timeout"] == "4"
    assert measured["helpers_ms"] < 40, measured  # spinning, they took some 200 ms
