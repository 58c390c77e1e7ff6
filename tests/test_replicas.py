"""Read replicas for real: a PostgreSQL primary and a streaming standby of it (`pg_basebackup -R`), the app served by
gunicorn with DATABASE_REPLICA_URLS naming the standby. API reads come from the standby
(shown by pausing its replay: the API then answers what the primary held before); a standby that lags or is down,
or dies between two checks, leaves reads to the primary with no error; the admin, the import pages and a caller
right after its own write read the primary.

The module starts its own pair of servers (it needs PostgreSQL's binaries, not the suite's DATABASE_URL) and two
gunicorns: one that tolerates any lag and checks once (to show where reads go, and a replica that dies between
checks), one with a lag limit of 1 s checked five times a second. It runs in the PostgreSQL half of `make test`
only: it would do exactly the same in the SQLite half, for another 15 s (README, "Skipped tests").
"""

import http.client
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from psr.models import PowerSystemResource
from tests.conftest import REPO
from tests.pgcluster import StreamingReplica, ThrowawayCluster, _free_port
from tests.timeseries.imports.workers.workers import wait_until
from timeseries.models import DataVersion, Point, Series

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="runs in the PostgreSQL half of the suite: it starts its own PostgreSQL servers, the same in either half",
)

DEMAND = "/power-system-resources/US-WECC-CISO/timeseries/demand"
FIRST_HOUR = f"{DEMAND}?startDatetime=2023-01-01T00:00:00Z&endDatetime=2023-01-01T01:00:00Z"
DESCRIBE = "/power-system-resources/US-WECC-CISO/describe"
INTENSITY = "/power-system-resources/US-WECC-CISO/timeseries/carbon-intensity"
PIN_COOKIE = "cdsc_primary"

# What the load script prints last: the session key of a logged-in operator (the admin and the import pages).
LOAD = """
import django; django.setup()
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from psr.demo import load_spec_examples
call_command("migrate", verbosity=0)
load_spec_examples()
call_command("generate_timeseries", "--areas", "1", "--days", "1")
user = get_user_model().objects.create_superuser("operator", "operator@example.org", "replica-test-password-1")
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(session.session_key)
"""


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def cookies(self) -> dict[str, str]:
        jar = SimpleCookie()
        for header in self.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        return {name: morsel.value for name, morsel in jar.items()}

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Pair:
    primary: ThrowawayCluster
    replica: StreamingReplica
    session: str  # an operator's session key
    environment: dict[str, str] = field(default_factory=dict)

    def primary_sql(self, sql: str, params: tuple = ()) -> None:
        with psycopg.connect(self.primary.url, autocommit=True) as connection:
            connection.execute(sql, params)

    def replica_sql(self, sql: str) -> object:
        with psycopg.connect(self.replica.url, autocommit=True) as connection:
            return connection.execute(sql).fetchone()[0]

    def set_first_demand(self, value: float) -> None:
        """Write the first hour of the demo area's demand on the primary, and raise the data version with it, as the
        write services do (one transaction)."""
        with psycopg.connect(self.primary.url) as connection, connection.transaction():
            connection.execute(
                f"UPDATE {Point._meta.db_table} SET value = %s WHERE start = '2023-01-01T00:00:00Z' AND series_id = "
                f"(SELECT id FROM {Series._meta.db_table} WHERE psr_id = 'US-WECC-CISO' AND quantity = 'demand' "
                "AND timeframe = 'actual')",
                (value,),
            )
            connection.execute(f"UPDATE {DataVersion._meta.db_table} SET version = version + 1, changed_at = now()")

    def replica_up(self) -> None:
        """The standby running (started again if a test stopped it), replaying, and caught up."""
        status = [*self.primary.as_user, str(self.primary.bindir / "pg_ctl"), "-D", str(self.replica.data), "status"]
        if subprocess.run(status, stdout=subprocess.DEVNULL).returncode:
            self.replica.start_server()
        self.caught_up()

    def caught_up(self) -> None:
        """Replay running, and everything the primary committed replayed."""
        if self.replica_sql("SELECT pg_is_wal_replay_paused()"):
            self.replica_sql("SELECT pg_wal_replay_resume()")
        with psycopg.connect(self.primary.url, autocommit=True) as connection:
            version = connection.execute(f"SELECT version FROM {DataVersion._meta.db_table}").fetchone()[0]
        self.replica.wait_for(f"SELECT version FROM {DataVersion._meta.db_table}", version)


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path

    def request(
        self, method: str, path: str, *, cookies: dict[str, str] | None = None, body: bytes = b"", headers=None
    ) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            sent = {"Accept": "application/json", **(headers or {})}
            if cookies:
                sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
            connection.request(method, path, body=body or None, headers=sent)
            response = connection.getresponse()
            return Answer(response.status, response.headers, response.read())
        finally:
            connection.close()

    def first_demand(self, cookies: dict[str, str] | None = None) -> float:
        answer = self.request("GET", FIRST_HOUR, cookies=cookies)
        assert answer.status == 200, answer.body
        return answer.json()["demand"][0]["value"]

    def log_since(self, offset: int) -> str:
        return self.log.read_text()[offset:]

    def log_size(self) -> int:
        return len(self.log.read_text())

    def wait_for_log(self, offset: int, text: str, timeout: float = 15) -> None:
        wait_until(lambda: text in self.log_since(offset), timeout=timeout, interval=0.05, what=f"log line {text!r}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> Iterator[Pair]:
    folder = tmp_path_factory.mktemp("replicas")
    primary = ThrowawayCluster()
    replica = None
    try:
        primary.start()
        # The standby is made from the empty database, then replays the migrations and the demo data as they commit.
        replica = StreamingReplica(primary).start()
        environment = {
            "PATH": os.environ["PATH"],
            # The test settings: the admin's pages need no collectstatic, import jobs run before the upload returns.
            "DJANGO_SETTINGS_MODULE": "cdsc_site.settings.test",
            "DATABASE_URL": primary.url,
            "DJANGO_DB_CONNECT_TIMEOUT": "2",
            "CDSC_VAR_DIR": str(folder),
            "PYTHONUNBUFFERED": "1",
        }
        loaded = subprocess.run(
            [sys.executable, "-c", LOAD], cwd=REPO, env=environment, capture_output=True, text=True, timeout=180
        )
        assert loaded.returncode == 0, loaded.stderr
        pair = Pair(primary, replica, loaded.stdout.split()[-1], environment)
        pair.caught_up()
        yield pair
    finally:
        if replica is not None:
            replica.stop()
        primary.stop()


def _serve(pair: Pair, folder: Path, **settings: str) -> Iterator[Server]:
    port = _free_port()
    log = folder / f"gunicorn-{port}.log"
    pair.replica_up()  # a module's server may start after a test stopped the standby
    env = {**pair.environment, "DATABASE_REPLICA_URLS": pair.replica.url, **settings}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "cdsc_site.wsgi:application", "--bind", f"127.0.0.1:{port}",
                "--workers", "1", "--threads", "4", "--timeout", "60", "--max-requests", "0",
                "--graceful-timeout", "5", "--no-control-socket",
            ],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = Server(process, port, log)

    def up() -> bool:
        assert process.poll() is None, f"gunicorn exited:\n{log.read_text()}"
        try:
            return server.request("GET", "/health/live").status == 200
        except OSError:
            return False

    try:
        wait_until(up, timeout=30, what="gunicorn to answer")
        # The first API read starts the process's replica checks (and is read from the primary meanwhile).
        offset = server.log_size()
        assert server.request("GET", "/metadata/topology-levels").status == 200
        server.wait_for_log(offset, "Read replica replica_1 is in use.")
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def tolerant(pair, tmp_path_factory) -> Iterator[Server]:
    """Any lag is fine and the replica is checked once: reads stay on the standby while its replay is paused."""
    yield from _serve(
        pair,
        tmp_path_factory.mktemp("tolerant"),
        DATABASE_REPLICA_MAX_LAG="3600",
        DATABASE_REPLICA_CHECK_SECONDS="3600",
    )


@pytest.fixture(scope="module")
def strict(pair, tmp_path_factory) -> Iterator[Server]:
    """A lag limit of 1 s, checked every 0.2 s."""
    yield from _serve(
        pair, tmp_path_factory.mktemp("strict"), DATABASE_REPLICA_MAX_LAG="1", DATABASE_REPLICA_CHECK_SECONDS="0.2"
    )


@pytest.fixture
def replica_up(pair) -> Pair:
    """Each test starts with the standby running, replaying, and caught up."""
    pair.replica_up()
    return pair


def test_api_reads_come_from_the_replica(replica_up, tolerant):
    pair = replica_up
    pair.set_first_demand(1000.0)
    pair.caught_up()
    assert tolerant.first_demand() == 1000.0

    # The standby stops replaying; the primary takes a new value. The API still answers the standby's.
    pair.replica_sql("SELECT pg_wal_replay_pause()")
    pair.set_first_demand(2000.0)
    assert [tolerant.first_demand() for _ in range(3)] == [1000.0] * 3
    # The metadata endpoints read it too, and the computed ones (flow tracing reads its points in a transaction of its
    # own, on the standby).
    offset = tolerant.log_size()
    assert tolerant.request("GET", DESCRIBE).status == 200
    intensity = tolerant.request("GET", f"{INTENSITY}?startDatetime=2023-01-01T00:00:00Z&endDatetime=2023-01-02")
    assert intensity.status == 200, intensity.body
    assert intensity.json()["carbonIntensity"]
    assert "failed on GET" not in tolerant.log_since(offset)  # answered by the standby, not again by the primary

    # Replay again: the standby catches up and the API answers the new value.
    pair.caught_up()
    assert tolerant.first_demand() == 2000.0


def test_the_admin_the_import_pages_and_a_caller_after_its_own_write_read_the_primary(replica_up, tolerant):
    pair = replica_up
    pair.set_first_demand(3000.0)
    pair.caught_up()
    pair.replica_sql("SELECT pg_wal_replay_pause()")
    renamed = f"Renamed on the primary {uuid.uuid4().hex[:8]}"
    pair.primary_sql(f"UPDATE {PowerSystemResource._meta.db_table} SET name = %s WHERE id = 'US-WECC-CISO'", (renamed,))
    operator = {"sessionid": pair.session}

    # An anonymous API read: the standby's older row. The admin's page of the same PSR: the primary's.
    assert renamed.encode() not in tolerant.request("GET", DESCRIBE).body
    admin = tolerant.request("GET", "/admin/psr/powersystemresource/US-WECC-CISO/change/", cookies=operator)
    assert admin.status == 200
    assert renamed.encode() in admin.body

    # The operator uploads a file that changes the first hour's demand (the job runs before the upload returns).
    form = tolerant.request("GET", "/imports/new", cookies=operator)
    assert form.status == 200
    csrf = form.cookies["csrftoken"]
    boundary = uuid.uuid4().hex
    csv = "psr,quantity,start,end,value\nUS-WECC-CISO,demand,2023-01-01T00:00:00Z,2023-01-01T01:00:00Z,4242\n"
    parts = [("csrfmiddlewaretoken", csrf), ("format", "auto"), ("mode", "strict")]
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in parts
    )
    body += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="demand.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
    ).encode()
    uploaded = tolerant.request(
        "POST",
        "/imports/new",
        cookies={**operator, "csrftoken": csrf},
        body=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "Referer": "http://127.0.0.1/"},
    )
    assert uploaded.status == 302, uploaded.body
    job_page = uploaded.headers["Location"]
    pin = uploaded.cookies[PIN_COOKIE]

    # The job exists on the primary only (the standby is paused): its page reads the primary, pinned or not.
    assert tolerant.request("GET", job_page, cookies=operator).status == 200
    state = tolerant.request("GET", f"{job_page}/status", cookies=operator)
    assert (state.status, state.json()["status"]) == (200, "succeeded")

    # The operator, right after the upload, reads the API: the primary's new value. Anyone else: the standby's.
    assert tolerant.first_demand(cookies={**operator, PIN_COOKIE: pin}) == 4242.0
    assert tolerant.first_demand(cookies={PIN_COOKIE: pin}) == 4242.0  # the pin alone, e.g. a script with a jar
    assert tolerant.first_demand() == 3000.0
    assert tolerant.first_demand(cookies=operator) == 3000.0  # logged in but not pinned: an API read like any


def test_a_replica_that_dies_between_two_checks_costs_no_error(replica_up, tolerant):
    # The tolerant server checked the standby once, at its start, and will not again: this request is the first to
    # find it gone. It is answered from the primary, and the standby is left out from then on.
    pair = replica_up
    pair.set_first_demand(5000.0)
    pair.caught_up()
    pair.replica_sql("SELECT pg_wal_replay_pause()")
    pair.set_first_demand(6000.0)
    assert tolerant.first_demand() == 5000.0  # the standby, still in use

    offset = tolerant.log_size()
    pair.replica.stop_server()
    assert [tolerant.first_demand() for _ in range(3)] == [6000.0] * 3
    log = tolerant.log_since(offset)
    assert "Read replica replica_1 failed on GET /power-system-resources/US-WECC-CISO/timeseries/demand" in log
    assert "Traceback" not in log


def test_a_lagging_replica_leaves_reads_to_the_primary(replica_up, strict):
    pair = replica_up
    pair.set_first_demand(7000.0)
    pair.caught_up()
    pair.replica_sql("SELECT pg_wal_replay_pause()")
    offset = strict.log_size()
    pair.set_first_demand(8000.0)
    # Once the new WAL waits unreplayed for more than the 1 s limit, the next check leaves the standby out.
    strict.wait_for_log(offset, "Read replica replica_1 is not used: it is ")
    assert "behind the primary (DATABASE_REPLICA_MAX_LAG is 1 s)" in strict.log_since(offset)
    answers = [strict.request("GET", FIRST_HOUR) for _ in range(5)]
    assert {(a.status, a.json()["demand"][0]["value"]) for a in answers} == {(200, 8000.0)}

    # Replaying again, it catches up and is used again.
    offset = strict.log_size()
    pair.caught_up()
    strict.wait_for_log(offset, "Read replica replica_1 is in use.")
    assert strict.first_demand() == 8000.0


def test_a_replica_that_is_down_leaves_reads_to_the_primary(replica_up, strict):
    pair = replica_up
    pair.set_first_demand(9000.0)
    pair.caught_up()
    offset = strict.log_size()
    pair.replica.stop_server()
    # Right away (whether a check or this request finds it gone first) and after: 200, the primary's data.
    assert strict.first_demand() == 9000.0
    strict.wait_for_log(offset, "Read replica replica_1 is not used: ")
    pair.set_first_demand(9500.0)
    answers = [strict.request("GET", FIRST_HOUR) for _ in range(5)]
    assert {(a.status, a.json()["demand"][0]["value"]) for a in answers} == {(200, 9500.0)}
    assert "Traceback" not in strict.log_since(offset)

    # Back up, it is used again without a restart of the web process.
    offset = strict.log_size()
    pair.replica.start_server()
    strict.wait_for_log(offset, "Read replica replica_1 is in use.")
    pair.caught_up()
    assert strict.first_demand() == 9500.0
