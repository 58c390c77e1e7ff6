"""A throwaway Redis and real `celery worker` processes, for the tests that run import jobs through a broker."""

import gc
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import quote

import redis
from django.conf import settings
from django.db import connection
from django.test import override_settings

from cdsc_site.celery import app as celery_app
from tests.conftest import REPO


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition: Callable[[], object], *, timeout: float, interval: float = 0.1, what: str = "") -> object:
    """Poll `condition` until it returns something true, and return that; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
        time.sleep(interval)


class ThrowawayRedis:
    """`redis-server` on a free local port, in a temporary folder, keeping nothing on disk unless `appendonly`
    (then what it holds survives stop_server/start_server, as with a production Redis's persistence)."""

    def __init__(self, *, appendonly: bool = False) -> None:
        self.binary = shutil.which("redis-server")
        assert self.binary, "redis-server not found: install Debian's redis-server (`make system-deps` does)"
        self.root = Path(tempfile.mkdtemp(prefix="cdsc-redis-"))
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.appendonly = appendonly
        self.start_server()

    def start_server(self) -> None:
        """Start redis-server on this port and folder (again, after stop_server) and wait until it answers."""
        with (self.root / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                [
                    self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.root),
                    "--save", "", "--appendonly", "yes" if self.appendonly else "no", "--appendfsync", "always",
                    "--daemonize", "no", "--loglevel", "warning",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        try:
            wait_until(lambda: self._ping(client), timeout=10, what="redis-server to answer")
        finally:
            client.close()

    def _ping(self, client: redis.Redis) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"redis-server exited: {(self.root / 'redis.log').read_text()}")
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    def stop_server(self) -> None:
        """Stop redis-server (SIGTERM, SIGKILL if it lingers), keeping its folder: start_server brings it back."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a frozen server cannot act on SIGTERM
            self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def freeze(self) -> None:
        """SIGSTOP: the server keeps its port open but answers nothing, as a hung or partitioned Redis."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        self.stop_server()
        shutil.rmtree(self.root, ignore_errors=True)


def database_url() -> str:
    """The URL of the database this test process uses (the test database), for another process to open."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        name = str(db["NAME"])
        assert Path(name).is_absolute(), f"an in-memory SQLite database ({name}) cannot be shared with a worker"
        return f"sqlite:///{name}"
    assert db["ENGINE"] == "django.db.backends.postgresql", db["ENGINE"]
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{quote(db['NAME'], safe='')}"


def _alive(pid: int) -> bool:
    """Whether the process exists and is not a zombie (a killed pool process may wait unreaped for a while)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


class CeleryWorker:
    """`celery -A cdsc_site worker` in its own process group, on `broker_url`, against this test database.

    Prefork with one pool process, as in production: the job runs in a child of the worker, so a test can kill
    the pool process alone (the worker lives on) or the whole worker (nothing is left to report the job).
    """

    def __init__(self, broker_url: str, log_dir: Path, queues: str | None = None, **env: str) -> None:
        self.name = f"test-{uuid.uuid4().hex[:8]}@localhost"
        self.log_path = log_dir / f"{self.name}.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cdsc_site.settings.test",
            "DATABASE_URL": database_url(),
            "REDIS_URL": broker_url,
            "CDSC_IMPORT_RUNNER": "celery",
            # The same folders as the tests: the uploaded files, and the jobs' liveness locks on SQLite.
            "CDSC_VAR_DIR": str(settings.VAR_DIR),
            "CDSC_IMPORT_DIR": str(settings.CDSC_IMPORT_DIR),
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable, "-m", "celery", "-A", "cdsc_site", "worker", "--hostname", self.name,
                    "--pool", "prefork", "--concurrency", "1", "--loglevel", "INFO",
                    "--without-gossip", "--without-mingle", "--without-heartbeat",
                    *(["--queues", queues] if queues else []),
                ],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killpg reaches the pool processes too
            )  # fmt: skip

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_ready(self, timeout: float = 60) -> None:
        """Wait until the worker answers a ping through the broker (this process must be on the same broker)."""

        def answers() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"celery worker exited with {self.process.returncode}:\n{self.log()}")
            return bool(celery_app.control.ping(destination=[self.name], timeout=0.5))

        wait_until(answers, timeout=timeout, what=f"celery worker {self.name} to answer a ping")

    def pool_pids(self) -> list[int]:
        """The worker's pool processes (the children of its main process)."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children")
        return [int(p) for p in children.read_text().split()] if children.exists() else []

    def kill_pool(self) -> list[int]:
        """SIGKILL the pool processes only, as the kernel's out-of-memory killer would; the worker lives on."""
        pids = self.pool_pids()
        assert pids, f"the worker has no pool process:\n{self.log()}"
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not any(_alive(p) for p in pids), timeout=10, what="the pool processes to die")
        return pids

    def kill(self) -> None:
        """SIGKILL the whole worker, main process and pool processes at once, as a lost machine would."""
        pids = [self.process.pid, *self.pool_pids()]
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        wait_until(lambda: not any(_alive(p) for p in pids), timeout=10, what="the worker's processes to die")


@contextmanager
def celery_broker(url: str) -> Iterator[None]:
    """Make this process send import jobs through the broker at `url` (the test settings run them in-process)."""
    saved = {key: celery_app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    _drop_connections()
    celery_app.conf.update(broker_url=url, result_backend=url, task_always_eager=False)
    try:
        with override_settings(CDSC_IMPORT_RUNNER="celery"):
            yield
    finally:
        _forget_results()
        celery_app.conf.update(saved)
        _drop_connections()


def _forget_results() -> None:
    """Stop following task results here before their Redis goes: a result object that the garbage collector
    finalises later would otherwise try to reconnect to unsubscribe, for some twenty seconds."""
    gc.collect()  # results in reference cycles unsubscribe now, while the broker still answers
    backend = celery_app._backend_cache or getattr(celery_app._local, "backend", None)
    consumer = getattr(backend, "result_consumer", None)
    if consumer is not None and hasattr(consumer, "subscribed_to"):
        consumer.subscribed_to.clear()
        consumer.stop()


def _drop_connections() -> None:
    # The app keeps its broker connections and result backend once made; the next ones must use the new URL.
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app._backend_cache = None
    celery_app._local.__dict__.pop("backend", None)
