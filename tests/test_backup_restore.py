"""The backup and restore of docs/deployment.md, for real: pg_dump -Fc of a database holding the demo, pg_restore
into a fresh database, and the restored one holds the same rows, the same points and serves the same answers.

It makes a throwaway PostgreSQL cluster of its own (tests/pgcluster.py), so it runs in the SQLite half of the suite
too, and touches neither test database.
"""

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.apps import apps
from psycopg import sql

from tests.conftest import REPO
from tests.pgcluster import ThrowawayCluster

# What the API is asked on both databases: time series of the generated slice, the grid, the catalogue.
SLICE_START, SLICE_DAYS = "2023-03-01", 10
REQUESTS = [
    "/power-system-resources/US-WECC-CISO/timeseries/generation?startDatetime=2023-03-02&endDatetime=2023-03-04",
    "/power-system-resources/US-WECC-CISO/timeseries/demand?startDatetime=2023-03-01&endDatetime=2023-03-11"
    "&resolution=P1D",
    "/power-system-resources/US-WECC-CISO-ABC-M00001/timeseries/demand?startDatetime=2023-03-05&endDatetime=2023-03-06",
    "/power-system-resources?pageSize=1000",
    "/power-system-resources/US-WECC/topology?numLevels=100",
    "/power-system-resources/US-WECC-CISO/capacity",
    "/metadata/fuel-source/types",
]
# One line of JSON per request of $URLS (with the API key $KEY if set): status and body, through Django's test client
# on DATABASE_URL's database.
SERVE = """
import json, os
from django.test import Client
key = {"HTTP_AUTHORIZATION": f"Bearer {os.environ['KEY']}"} if "KEY" in os.environ else {}
client = Client(HTTP_HOST="localhost", **key)
for url in json.loads(os.environ["URLS"]):
    response = client.get(url)
    print(json.dumps({"url": url, "status": response.status_code, "body": response.content.decode()}))
"""
# The server's secret key: cursors are signed with it (a fixed one here, the same for both databases).
SECRET_KEY = "backup-restore-test-" + "k" * 40
# A signed cursor ends in ":<timestamp>:<signature>", which differ from one second to the next.
CURSOR_STAMP = re.compile(r"(cursor=[^&\"]*?)%3A[^&\"]*")
# Every point, in key order, as text: one checksum says whether two databases hold the same points.
POINTS_CHECKSUM = """
SELECT count(*), md5(coalesce(string_agg(
    concat_ws(',', series_id, to_char(start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS'),
              to_char("end" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS'), value::text, quality::text),
    E'\\n' ORDER BY series_id, start), '')), sum(value)
FROM timeseries_point
"""


@pytest.fixture(scope="module")
def cluster() -> Iterator[ThrowawayCluster]:
    cluster = ThrowawayCluster()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def _url(cluster: ThrowawayCluster, database: str, user: str = "postgres") -> str:
    return f"postgres://{user}@127.0.0.1:{cluster.port}/{database}"


def _manage(url: str, var_dir: Path, *args: str, **env: str) -> str:
    """manage.py on the local settings (its default) against the database at `url`."""
    env = {
        "PATH": os.environ["PATH"],
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "cdsc_site.settings.local",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "CDSC_VAR_DIR": str(var_dir),
        "DJANGO_LOG_LEVEL": "WARNING",
        **env,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _client_tool(cluster: ThrowawayCluster, tool: str, *args: str) -> None:
    """A PostgreSQL client program (pg_dump, pg_restore, createdb) over TCP as the postgres user."""
    command = [str(cluster.bindir / tool), "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{tool} failed:\n{result.stderr}"


def _tables(conn: psycopg.Connection) -> list[str]:
    return [
        row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    ]


def _contents(conn: psycopg.Connection) -> dict[str, tuple[int, str]]:
    """Per table: its row count and a checksum of all its rows (each row as text, in text order)."""
    found = {}
    for table in _tables(conn):
        quoted = sql.Identifier(table)
        query = sql.SQL(
            "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM {} AS t"
        ).format(quoted)
        found[table] = conn.execute(query).fetchone()
    return found


def _sequences(conn: psycopg.Connection) -> dict[str, int | None]:
    """Where each sequence stands: the next id a new row gets depends on it."""
    return dict(conn.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"))


def _serve(url: str, var_dir: Path, paths: list[str], **env: str) -> list[dict]:
    out = _manage(url, var_dir, "shell", "-v", "0", "-c", SERVE, URLS=json.dumps(paths), **env)
    return [json.loads(line) for line in out.splitlines()]


def _unstamped(answers: list[dict]) -> list[dict]:
    """The answers with their cursors' signing time and signature left out (the payload stays)."""
    return [{**a, "body": CURSOR_STAMP.sub(r"\1", a["body"])} for a in answers]


def test_a_dump_restored_into_a_fresh_database_holds_the_same_data_and_serves_the_same_answers(cluster, tmp_path):
    # The restored database belongs to the application's own role, not to the superuser that owned the dumped one.
    source, restored = _url(cluster, "cdsc"), _url(cluster, "restored", user="app")
    var_dir = tmp_path / "var"
    _manage(source, var_dir, "migrate", "--noinput", "-v", "0")
    _manage(source, var_dir, "setup_demo")
    _manage(
        source, var_dir, "generate_timeseries", "--areas", "2", "--start", SLICE_START, "--days", str(SLICE_DAYS),
        "--meters", "2",
    )  # fmt: skip

    key = _manage(source, var_dir, "create_api_key", "--client", "Backup test").strip().splitlines()[-1]

    # The commands of docs/deployment.md: a custom-format dump, a fresh database, a restore that stops on any error.
    dump = tmp_path / "cdsc.dump"
    _client_tool(cluster, "pg_dump", "-Fc", "-f", str(dump), "cdsc")
    _client_tool(cluster, "createuser", "app")
    _client_tool(cluster, "createdb", "-O", "app", "restored")
    _client_tool(
        cluster, "pg_restore", "--exit-on-error", "--no-owner", "--role=app", "-j", "2", "-d", "restored", str(dump)
    )

    with psycopg.connect(source) as before, psycopg.connect(restored) as after:
        tables_before, tables_after = _contents(before), _contents(after)
        model_tables = {model._meta.db_table for model in apps.get_models(include_auto_created=True)}
        assert model_tables <= tables_before.keys(), "the migrated database lacks some model tables"
        assert tables_after.keys() == tables_before.keys()
        for table in sorted(tables_before):
            assert tables_after[table] == tables_before[table], f"{table}: (rows, checksum) differ after the restore"
        assert _sequences(after) == _sequences(before)

        points_before = before.execute(POINTS_CHECKSUM).fetchone()
        points_after = after.execute(POINTS_CHECKSUM).fetchone()
        assert points_before[0] > 10_000, "the demo slice should hold points for the check to mean anything"
        assert points_after == points_before
        # The demo grid and its catalogue came along, not only the points.
        for table in ("psr_powersystemresource", "metadata_fuelsourcetype", "auth_user", "django_migrations"):
            assert tables_after[table][0] > 0, f"{table} is empty"

    answers_before, answers_after = _serve(source, var_dir, REQUESTS), _serve(restored, var_dir, REQUESTS)
    assert [a["status"] for a in answers_before] == [200] * len(REQUESTS)
    assert len(json.loads(answers_before[0]["body"])["generation"]) == 48  # two days, hourly
    assert _unstamped(answers_after) == _unstamped(answers_before)

    # A cursor a client got before the restore still opens the next page after it, given the same secret key;
    # under another key it is refused, which is why the key is part of the backup.
    next_page = json.loads(answers_before[-1]["body"])["next"]
    assert next_page, "the fuel-source types should span more than one page"
    [second_before] = _serve(source, var_dir, [next_page])
    [second_after] = _serve(restored, var_dir, [next_page])
    assert second_before["status"] == 200
    assert _unstamped([second_after]) == _unstamped([second_before])
    [other_key] = _serve(restored, var_dir, [next_page], DJANGO_SECRET_KEY="another-key-" + "z" * 40)
    assert other_key["status"] == 400
    assert "not a cursor this server issued" in json.loads(other_key["body"])["detail"]

    # API keys are rows of the database (hashes): a key made before the dump is still valid after the restore,
    # with the keys required; another key is not.
    keys_required = {"CDSC_API_KEYS_REQUIRED": "1"}
    [with_key] = _serve(restored, var_dir, REQUESTS[:1], KEY=key, **keys_required)
    assert _unstamped([with_key]) == _unstamped(answers_before[:1])
    [without_key] = _serve(restored, var_dir, REQUESTS[:1], **keys_required)
    [unknown_key] = _serve(restored, var_dir, REQUESTS[:1], KEY=key[:-4] + "xxxx", **keys_required)
    assert (without_key["status"], unknown_key["status"]) == (401, 401)

    # The restored database is a working one for its role: migrations have nothing left to do, and new rows (written
    # as that role) get new ids.
    assert "No planned migration operations" in _manage(restored, var_dir, "migrate", "--plan")
    _manage(
        restored, var_dir, "generate_timeseries", "--areas", "0", "--start", SLICE_START, "--days", "1",
        "--meters", "3",
    )  # fmt: skip
