"""The rate limit holds across processes: two gunicorn servers sharing one Redis count one budget."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.timeseries.imports.workers.workers import ThrowawayRedis, _free_port, database_url, wait_until

LIMIT = 10


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


class Server:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log.open("wb")
        command = [str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{self.port}",
                   "--workers", "1", "--no-control-socket", "cdsc_site.wsgi"]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        wait_until(self._up, timeout=30, what=f"gunicorn on {self.port}")

    def _up(self) -> bool:
        assert self.process.poll() is None, "gunicorn exited (see its log)"
        try:
            _get(f"{self.url}/")
        except OSError:
            return False
        return True

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)
        self.log.close()


@pytest.fixture
def redis_server():
    server = ThrowawayRedis()
    yield server
    server.stop()


def test_two_server_processes_share_one_budget_per_caller(db, redis_server, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cdsc_site.settings.test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_server.url,
        "CDSC_RATE_LIMIT_ANONYMOUS": str(LIMIT),
    }
    servers = [Server(env, tmp_path / f"gunicorn-{i}.log") for i in range(2)]
    try:
        # Both servers counted in one window: start with at least 20 s of it left.
        wait_until(lambda: time.time() % 60 < 40, timeout=25, interval=0.5, what="a fresh rate-limit window")
        answers = [_get(f"{servers[i % 2].url}/metadata/topology-levels") for i in range(2 * LIMIT)]
    finally:
        for server in servers:
            server.stop()
    statuses = [status for status, _ in answers]
    assert statuses.count(200) == LIMIT, statuses
    assert statuses[LIMIT:] == [429] * LIMIT  # each process alone would have let 2 x LIMIT through
    assert {statuses[i] for i in range(0, 2 * LIMIT, 2)} == {200, 429} == {statuses[i] for i in range(1, 2 * LIMIT, 2)}
    headers = answers[-1][1]
    assert 1 <= int(headers["Retry-After"]) <= 60
    assert headers["RateLimit-Policy"] == f'"requests";q={LIMIT};w=60'
