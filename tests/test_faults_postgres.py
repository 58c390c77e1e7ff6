"""PostgreSQL going away under a running server: the API answers 503 problem documents with Retry-After within a
bounded time (no hang, no trace, no HTML), /health/ready says not ready while /health/live stays up, and the same
server processes serve again once PostgreSQL is back, without a restart.

Real components only: a throwaway PostgreSQL cluster of this module (whatever database the suite runs on), migrated
and loaded with the demo grid, and gunicorn with two worker processes on the production settings.
"""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import OperationalError

from tests.conftest import REPO
from tests.pgcluster import ThrowawayCluster, _free_port
from tests.timeseries.imports.workers.workers import wait_until

# How long one request may take while PostgreSQL is down: the connect timeout (DJANGO_DB_CONNECT_TIMEOUT, 2 s here)
# and a little work, far below a load balancer's or a client's patience.
OUTAGE_ANSWER_SECONDS = 10

DEMAND = "/power-system-resources/US-WECC-CISO/timeseries/demand?startDatetime=2023-01-01&endDatetime=2023-01-02"
API_PATHS = ["/power-system-resources", "/power-system-resources/US-WECC-CISO/describe", DEMAND]


# A key of the right shape that the database does not know: checking it needs the database, in the middleware.
UNKNOWN_KEY = "Unknown1." + "x" * 32


@dataclass
class Server:
    cluster: ThrowawayCluster
    process: subprocess.Popen
    url: str
    log: Path
    key: str

    def worker_pids(self) -> set[int]:
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children")
        return {int(p) for p in children.read_text().split()} if children.exists() else set()

    def get(self, path: str, key: str | None = None) -> tuple[int, dict[str, str], bytes, float]:
        """Status, headers, body and seconds taken of a GET (10 s more than the bound: a hang shows as slow)."""
        started = time.monotonic()
        headers = {"Accept": "application/json", **({"Authorization": f"Bearer {key}"} if key else {})}
        request = urllib.request.Request(self.url + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=OUTAGE_ANSWER_SECONDS + 10) as response:
                status, headers, body = response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            status, headers, body = error.code, dict(error.headers), error.read()
        return status, headers, body, time.monotonic() - started


def _environment(cluster: ThrowawayCluster, var_dir: Path) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "cdsc_site.settings.production",
        "DJANGO_SECRET_KEY": "faults-test-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DATABASE_URL": cluster.url,
        "DJANGO_DB_CONNECT_TIMEOUT": "2",
        "CDSC_VAR_DIR": str(var_dir),
        "DJANGO_STATIC_ROOT": str(var_dir),
        "CDSC_IMPORT_RUNNER": "thread",
        # Open, unthrottled API: this test is about the database, not keys or rate limits.
        "CDSC_API_KEYS_REQUIRED": "0",
        "CDSC_RATE_LIMIT_ANONYMOUS": "0",
        "CDSC_RATE_LIMIT_ANONYMOUS_POINTS": "0",
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("faults-postgres")
    (folder / "var").mkdir()
    cluster = ThrowawayCluster()
    cluster.start()
    process = None
    try:
        env = _environment(cluster, folder / "var")
        # One process for all of it (each would start Django again): the key is the last line it prints.
        load = (
            "from django.core.management import call_command; call_command('migrate', verbosity=0); "
            "call_command('setup_demo', '--no-admin'); call_command('generate_timeseries', '--days', '2'); "
            "call_command('create_api_key', '--client', 'Faults')"
        )
        loaded = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {load}"],
            cwd=REPO, env=env, check=True, capture_output=True, text=True, timeout=180,
        )  # fmt: skip
        key = loaded.stdout.strip().splitlines()[-1]
        port = _free_port()
        log = folder / "gunicorn.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    sys.executable, "-m", "gunicorn", "cdsc_site.wsgi:application", "--bind", f"127.0.0.1:{port}",
                    "--workers", "2", "--threads", "2", "--timeout", "60", "--max-requests", "0",
                    "--graceful-timeout", "5", "--no-control-socket",  # not the user-wide socket others may use
                ],
                cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        server = Server(cluster, process, f"http://127.0.0.1:{port}", log, key)

        def up() -> bool:
            assert process.poll() is None, f"gunicorn exited:\n{log.read_text()}"
            try:
                return server.get("/health/live")[0] == 200 and len(server.worker_pids()) == 2
            except OSError:
                return False

        wait_until(up, timeout=30, what="gunicorn to answer")
        yield server
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        cluster.stop()


def assert_serves(server: Server) -> None:
    assert server.get(API_PATHS[0], UNKNOWN_KEY)[0] == 401
    for path, key in [*((p, None) for p in API_PATHS), *((p, server.key) for p in API_PATHS)]:
        status, _, body, _ = server.get(path, key)
        assert status == 200, (path, body[:300], server.log.read_text()[-3000:])
        content = {key: value for key, value in json.loads(body).items() if key not in ("next", "previous")}
        assert content and all(content.values()), (path, body[:300])  # rows read from the database, not empty
    assert server.get("/health/ready")[0] == 200


def assert_unavailable(server: Server, path: str, key: str | None = None) -> None:
    status, headers, body, took = server.get(path, key)
    assert status == 503, (path, status, body[:500])
    assert headers["Content-Type"] == "application/problem+json", (path, body[:300])
    assert int(headers["Retry-After"]) > 0
    problem = json.loads(body)
    assert problem["status"] == 503
    assert "database" in problem["detail"].lower()
    assert "Traceback" not in body.decode()
    assert took < OUTAGE_ANSWER_SECONDS, f"{path} took {took:.1f} s"


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_postgres_stopped_gives_503s_and_the_same_processes_serve_again_once_it_is_back(server, mode):
    # Each path on both workers (requests are spread between them), so both hold an open connection at the stop.
    for _ in range(4):
        assert_serves(server)
    workers = server.worker_pids()
    assert len(workers) == 2

    server.cluster.stop_server(mode)
    try:
        for _ in range(2):  # both workers: one whose connection just broke, then ones that find no server at all
            for path in API_PATHS:
                assert_unavailable(server, path)
                assert_unavailable(server, path, server.key)  # a key the process may have kept: the view fails
            assert_unavailable(server, API_PATHS[0], UNKNOWN_KEY)  # the key middleware's lookup fails
        status, _, body, took = server.get("/health/ready")
        assert status == 503 and took < OUTAGE_ANSWER_SECONDS
        assert json.loads(body)["checks"]["database"]["status"] == "failed"
        assert server.get("/health/live")[0] == 200
    finally:
        server.cluster.start_server()

    for _ in range(4):
        assert_serves(server)
    assert server.worker_pids() == workers, "the workers were restarted"
    assert server.process.poll() is None
    assert "Database unavailable on GET /power-system-resources" in server.log.read_text()


class DatabaseGoneMiddleware:
    """A middleware that meets a lost database, as one that looks API keys or sessions up would."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/power-system-resources", "/admin/", "/imports/"])
def test_database_lost_inside_a_middleware_is_a_503_problem_too(client, settings, path):
    # Raised in a middleware, the exception reaches Django's handler500 (cdsc_site.views.server_error), not the
    # API's error middleware, which only sees what views raise.
    at = settings.MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware") + 1
    settings.MIDDLEWARE = [*settings.MIDDLEWARE[:at], f"{__name__}.DatabaseGoneMiddleware", *settings.MIDDLEWARE[at:]]
    client.raise_request_exception = False
    response = client.get(path)
    assert response.status_code == 503, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    assert int(response["Retry-After"]) > 0
    assert "database" in response.json()["detail"]
