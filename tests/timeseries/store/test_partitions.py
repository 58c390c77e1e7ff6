"""The point table's yearly partitions on PostgreSQL (timeseries/partitions.py, migration 0007): writes in any year,
partitions made ahead, the command, archive and restore, pruning, the conversion of a plain table. SQLite keeps
the plain table: there the writes behave the same and the command refuses."""

import importlib
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.timeseries.helpers import COAL, HOUR, holder, run, utc, write
from timeseries.db import fetch_page_columns
from timeseries.models import Point, Series
from timeseries.partitions import partition_create, partition_years
from timeseries.versions import data_version

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="partitions exist on PostgreSQL only (SQLite keeps the plain table); run with `make test-postgres`",
)

migration = importlib.import_module("timeseries.migrations.0007_point_partitions")


def stored(series: Series) -> list[tuple]:
    return list(Point.objects.filter(series=series).order_by("start").values_list("start", "end", "value", "quality"))


def test_a_point_in_a_year_with_no_partition_is_written(demo):
    series = write("US-WECC-CISO", "demand", run(utc(2517, 3, 1), [1.0, 2.0]))

    assert stored(series) == [
        (utc(2517, 3, 1), utc(2517, 3, 1, 1), 1.0, 0),
        (utc(2517, 3, 1, 1), utc(2517, 3, 1, 2), 2.0, 0),
    ]
    if connection.vendor == "postgresql":
        # Inside a transaction (the test's) no partition is made ahead: the point waits in the default partition.
        assert 2517 not in partition_years()
        assert holder(series, utc(2517, 3, 1)) == "timeseries_point_default"


def test_the_partition_command_refuses_on_sqlite_and_lists_on_postgresql(demo, capsys):
    if connection.vendor == "postgresql":
        call_command("partitions", "list")
        out = capsys.readouterr().out
        assert "timeseries_point_default" in out and "DEFAULT" in out
    else:
        with pytest.raises(CommandError, match="PostgreSQL only"):
            call_command("partitions", "list")
        with pytest.raises(CommandError, match="PostgreSQL only"):
            call_command("partitions", "create", "--through", "2030")


@postgres_only
def test_the_create_command_makes_partitions_and_moves_points_out_of_the_default_one(demo, capsys):
    series = write("US-WECC-CISO", "demand", run(utc(2531, 6, 1), [1.0, 2.0, 3.0]))
    before = stored(series)
    assert holder(series, utc(2531, 6, 1)) == "timeseries_point_default"

    call_command("partitions", "create", "--from", "2530", "--through", "2532")

    assert {2530, 2531, 2532} <= partition_years()
    assert holder(series, utc(2531, 6, 1)) == "timeseries_point_y2531"
    assert stored(series) == before
    assert "made timeseries_point_y2531 (3 points moved in)" in capsys.readouterr().out
    call_command("partitions", "list", "--exact")
    listing = capsys.readouterr().out
    assert "timeseries_point_y2531" in listing
    assert "FOR VALUES FROM ('2531-01-01 00:00:00+00') TO ('2532-01-01 00:00:00+00')" in listing


@postgres_only
def test_create_also_drains_years_it_was_not_asked_for(demo):
    series = write("US-WECC-CISO", "demand", run(utc(2555, 1, 1), [4.0]))

    call_command("partitions", "create", "--from", "2530", "--through", "2530")

    assert holder(series, utc(2555, 1, 1)) == "timeseries_point_y2555"


@postgres_only
def test_archive_removes_exactly_the_old_points_into_a_file_that_restores_them(demo, tmp_path, capsys):
    partition_create(2501)  # 2502 has no partition: its points are in the default partition, and go too
    old = write("US-WECC-CISO", "demand", run(utc(2501, 12, 31, 22), [1.0, 2.0, 3.0, 4.0]))  # into 2502
    coal = write("US-WECC-CISO", "generation", run(utc(2501, 7, 1), [5.5, 6.25]), fuel=COAL)
    kept = run(utc(2503, 1, 1), [9.0])
    write("US-WECC-CISO", "demand", kept)
    old_points = [p for p in stored(old) if p[0].year < 2503]
    coal_points = stored(coal)
    versions = data_version()

    call_command("partitions", "archive", "--before", "2503-01-01", "--to", str(tmp_path / "archive"))

    assert data_version() > versions
    assert stored(old) == [(utc(2503, 1, 1), utc(2503, 1, 1, 1), 9.0, 0)]  # exactly the newer point is left
    assert stored(coal) == []
    assert not {2501, 2502} & partition_years()
    files = sorted((tmp_path / "archive").glob("*.csv.gz"))
    assert {f.name for f in files} >= {"timeseries_point_y2501.csv.gz", "timeseries_point_y2502.csv.gz"}
    assert "archived 2502: 2 points" in capsys.readouterr().out

    versions = data_version()
    for path in files:
        call_command("partitions", "restore", str(path))

    assert data_version() > versions
    assert [p for p in stored(old) if p[0].year < 2503] == old_points
    assert stored(coal) == coal_points


@postgres_only
def test_archive_refuses_a_date_inside_a_year(demo, tmp_path):
    with pytest.raises(CommandError, match="whole UTC years"):
        call_command("partitions", "archive", "--before", "2020-06-01", "--to", str(tmp_path))


@postgres_only
def test_a_query_for_a_year_reads_only_that_years_partition(demo):
    for year in (2022, 2023, 2024):
        partition_create(year)
    series = write("US-WECC-CISO", "demand", [])
    for year in (2022, 2023, 2024):
        write("US-WECC-CISO", "demand", run(utc(year, 1, 1), [1.0] * 4000))
    write("US-WECC-CISO", "demand", run(utc(2517, 6, 1), [1.0]))  # and some in the default partition
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE timeseries_point")

    # The read path's own query for the year 2023 (one page and the next interval), explained as it was sent: the
    # query between the planner hint and its reset, which go in the same message.
    with CaptureQueriesContext(connection) as queries:
        columns = fetch_page_columns(
            series_ids=[series.pk], start=utc(2023, 1, 1), end=utc(2024, 1, 1), after=None, size=10
        )
    assert len(columns[0]) == 11
    sent = next(q["sql"] for q in queries.captured_queries if "timeseries_point" in q["sql"])
    hint, query, reset = sent.split("; ")
    assert "enable_bitmapscan" in hint and "enable_bitmapscan" in reset
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {query}")
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "timeseries_point_y2023" in plan, plan
    for other in ("timeseries_point_y2022", "timeseries_point_y2024", "timeseries_point_default"):
        assert other not in plan, plan
    assert "Seq Scan" not in plan, plan


@postgres_only
def test_the_migration_converts_a_plain_table_with_its_rows_and_back(db):
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE conv_point (LIKE timeseries_point INCLUDING ALL)")
        cursor.execute(
            'INSERT INTO conv_point (series_id, start, "end", value, quality, updated_at) '
            "SELECT s, t, t + interval '1 hour', s * 10 + extract(hour FROM t), 0, '2024-01-01T00:00Z' "
            "FROM generate_series(1, 3) s, "
            "generate_series('2019-12-31T20:00Z'::timestamptz, '2020-01-01T03:00Z', interval '1 hour') t"
        )
        cursor.execute(
            'INSERT INTO conv_point (series_id, start, "end", value, quality, updated_at) '
            "VALUES (9, '0001-01-01T00:00Z', '0001-01-01T01:00Z', 1, 0, now())"
        )
        cursor.execute("SELECT * FROM conv_point ORDER BY series_id, start")
        rows = cursor.fetchall()

        migration.partition_table(cursor, "conv_point")

        cursor.execute("SELECT relkind FROM pg_class WHERE relname = 'conv_point'")
        assert cursor.fetchone() == ("p",)
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'conv_point'::regclass"
        )
        names = {name for (name,) in cursor.fetchall()}
        assert {"conv_point_default", "conv_point_y0001", "conv_point_y2019", "conv_point_y2020"} <= names
        cursor.execute("SELECT * FROM conv_point ORDER BY series_id, start")
        assert cursor.fetchall() == rows
        cursor.execute("SELECT count(*) FROM conv_point_y2020")
        assert cursor.fetchone() == (3 * 4,)
        with pytest.raises(Exception, match="check constraint"), connection.cursor() as inner, _savepoint():
            inner.execute(
                'INSERT INTO conv_point (series_id, start, "end", value, quality, updated_at) '
                "VALUES (1, '2020-05-01T00:00Z', '2020-05-01T00:00Z', 1, 0, now())"
            )

        migration.unpartition_table(cursor, "conv_point")

        cursor.execute("SELECT relkind FROM pg_class WHERE relname = 'conv_point'")
        assert cursor.fetchone() == ("r",)
        cursor.execute("SELECT * FROM conv_point ORDER BY series_id, start")
        assert cursor.fetchall() == rows


def _savepoint():
    from django.db import transaction

    return transaction.atomic()


def test_points_keep_their_values_whatever_partition_holds_them(demo):
    # A write spanning a year boundary reads back whole (the store's rules hold across partitions).
    series = write("US-WECC-CISO", "demand", run(utc(2023, 12, 31, 23), [1.0, 2.0], step=HOUR))
    assert [p[2] for p in stored(series)] == [1.0, 2.0]
    assert stored(series)[1][0] - stored(series)[0][0] == timedelta(hours=1)
