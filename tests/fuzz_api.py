"""Fuzz every API operation from its own OpenAPI schema with schemathesis, against a live server.

`python -m tests.fuzz_api` (and `make fuzz`): migrates a fresh database (DATABASE_URL, or SQLite in a temporary
folder), loads the demo grid, serves it with gunicorn on the production settings (plain HTTP) on a free port, and
runs schemathesis with every check (no 5xx, responses conform to the schema, status codes documented, invalid input
rejected, 405 for methods the schema does not list). One check is left out: `positive_data_acceptance`, which
expects every schema-valid value to be accepted, while a valid string naming no PSR (`parent=abc`) is a 400 by
design (docs/spec-notes.md).
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server did not answer {url} within {seconds}s")


def main(extra: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="cdsc-fuzz-") as var:
        env = {
            **os.environ,
            # The production settings, as deployed, but over plain HTTP on a loopback port: no redirect to HTTPS.
            "DJANGO_SETTINGS_MODULE": "cdsc_site.settings.production",
            "DJANGO_SECRET_KEY": "fuzzing-only-" + "x" * 40,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "CDSC_VAR_DIR": var,
            "DJANGO_LOG_LEVEL": "ERROR",  # the 400s are expected; keep the output to schemathesis' report
            # Thousands of requests from one address: the limiter (tested on its own) would answer most with 429.
            "CDSC_RATE_LIMIT_ANONYMOUS": "0",
            "CDSC_RATE_LIMIT_ANONYMOUS_POINTS": "0",
        }
        env.setdefault("DATABASE_URL", f"sqlite:///{var}/fuzz.sqlite3")
        manage = [sys.executable, str(REPO / "manage.py")]
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=REPO)
        # As a deployment does: the production settings serve the hashed static files collectstatic writes.
        subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True, cwd=REPO)
        subprocess.run([*manage, "setup_demo", "--no-admin"], env=env, check=True, cwd=REPO)
        # Two weeks of every quantity (and 15-minute meters), so time-series requests meet real data.
        subprocess.run(
            [*manage, "generate_timeseries", "--days", "14", "--meters", "2"],
            env=env,
            check=True,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
        )
        # A key, so the private endpoints answer with their data shapes too, not only with 401; with no limits of its
        # own, or its thousands of requests a minute would mostly meet 429.
        key = subprocess.run(
            [*manage, "create_api_key", "--client", "Fuzzing",
             "--requests-per-minute", "0", "--points-per-minute", "0"],
            env=env, check=True, cwd=REPO, capture_output=True,
            text=True,
        ).stdout.strip().splitlines()[-1]  # fmt: skip
        # Granted every demo production project, whose meters hold readings: the private endpoints answer with data.
        subprocess.run([*manage, "load_demo_readings"], env=env, check=True, cwd=REPO, stdout=subprocess.DEVNULL)
        grant = (
            "from cdsc_site.clients.models import ApiClient; from psr.models import ProductionProject; "
            "from psr.services.projects import production_project_grant; "
            "c = ApiClient.objects.get(organisation='Fuzzing'); "
            "[production_project_grant(project=p, client=c) for p in ProductionProject.objects.all()]"
        )
        subprocess.run([*manage, "shell", "-v", "0", "-c", grant], env=env, check=True, cwd=REPO)
        port = _free_port()
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "cdsc_site.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--log-level",
                "warning",
                "--no-control-socket",  # not the user-wide socket: the SQLite and PostgreSQL runs overlap
            ],
            env=env,
            cwd=REPO,
        )
        try:
            schema_url = f"http://127.0.0.1:{port}/openapi.json"
            _wait_for(schema_url, server)
            print(f"Fuzzing {schema_url} on {env['DATABASE_URL'].split(':', 1)[0]}", flush=True)
            command = [
                str(BIN / "st"),
                "run",
                schema_url,
                "--checks",
                "all",
                "--exclude-checks",
                "positive_data_acceptance",
                "--max-examples",
                os.environ.get("FUZZ_EXAMPLES", "100"),
                "--seed",
                os.environ.get("FUZZ_SEED", "20261122"),
                "--no-color",
                "--header",
                f"Authorization: Bearer {key}",
                *extra,
            ]
            return subprocess.call(command, cwd=var)
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
