"""Partitions made ahead of writes that commit (timeseries/partitions.py): by a write, by an import, while another
import's transaction is open. Kept apart from test_partitions.py, whose tests share one module-wide transaction
(the demo grid's): these commit, as a worker does, on PostgreSQL only."""

import threading
import time

import psycopg
import pytest
from django.db import connection

from tests.timeseries.helpers import holder, run, utc, write
from tests.timeseries.imports.helpers import import_text
from timeseries import partitions
from timeseries.models import Series
from timeseries.partitions import partition_create, partition_name, partition_years, partitions_ahead

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="partitions exist on PostgreSQL only (SQLite keeps the plain table); run with `make test-postgres`",
)


@pytest.fixture
def drop_years():
    """Years whose partitions a committing test made: dropped after it (the test database outlives the test)."""
    years: list[int] = []
    yield years
    with connection.cursor() as cursor:
        for year in years:
            cursor.execute(f"DROP TABLE IF EXISTS {partition_name(year)}")


def test_a_write_outside_a_transaction_makes_its_years_partition_first(grid, drop_years):
    drop_years += [2519, 2520]

    series = write("US-WECC-CISO", "demand", run(utc(2519, 12, 31, 23), [1.0, 2.0]))

    assert {2519, 2520} <= partition_years()
    assert holder(series, utc(2519, 12, 31, 23)) == "timeseries_point_y2519"
    assert holder(series, utc(2520, 1, 1)) == "timeseries_point_y2520"


def test_an_import_makes_its_years_partitions_before_its_transaction(grid, drop_years, tmp_path):
    drop_years.append(2541)
    job = import_text(
        tmp_path,
        "psr,quantity,start,end,value\nUS-WECC-CISO,demand,2541-05-01T00:00:00Z,2541-05-01T01:00:00Z,7.5\n",
    )

    assert job.status == "succeeded", job.message
    assert 2541 in partition_years()
    series = Series.objects.get(psr_id="US-WECC-CISO", quantity="demand")
    assert holder(series, utc(2541, 5, 1)) == "timeseries_point_y2541"


def test_making_a_partition_ahead_waits_for_no_open_import_and_blocks_no_reader(grid, drop_years, monkeypatch):
    """An import's long transaction writing into 2023 holds its locks while a partition for 2561 is made ahead of
    another write, and a reader of 2023 on a third connection answers at once throughout."""
    drop_years += [2023, 2561, 2562]
    partition_create(2023)
    series = write("US-WECC-CISO", "demand", run(utc(2023, 1, 1), [1.0]))
    dsn = _dsn()
    with psycopg.connect(dsn) as importer, psycopg.connect(dsn, autocommit=True) as reader:
        importer.execute(
            'INSERT INTO timeseries_point (series_id, start, "end", value, quality, updated_at) '
            "VALUES (%s, '2023-03-01T00:00Z', '2023-03-01T01:00Z', 2, 0, now())",
            [series.pk],
        )  # the import's transaction stays open from here
        reader.execute("SET statement_timeout = '1s'")
        answered = []

        def read():
            query = "SELECT count(*) FROM timeseries_point WHERE series_id = %s AND start < '2024-01-01'"
            answered.append(reader.execute(query, [series.pk]).fetchone())

        began = time.monotonic()
        assert partitions_ahead(years=[2561]) == [2561]
        thread = threading.Thread(target=read)
        thread.start()
        thread.join(5)
        assert answered == [(1,)]
        assert time.monotonic() - began < 2

        # While the import writes into the default partition (a year with no partition), making that year's
        # partition ahead of another write gives up after the lock timeout, and that write still succeeds.
        importer.execute(
            'INSERT INTO timeseries_point (series_id, start, "end", value, quality, updated_at) '
            "VALUES (%s, '2562-03-01T00:00Z', '2562-03-01T01:00Z', 2, 0, now())",
            [series.pk],
        )
        monkeypatch.setattr(partitions, "LOCK_TIMEOUT_MS", 200)
        began = time.monotonic()
        write("US-WECC-CISO", "demand", run(utc(2562, 6, 1), [3.0]))
        assert time.monotonic() - began < 3
        assert 2562 not in partition_years()
        assert holder(series, utc(2562, 6, 1)) == "timeseries_point_default"
        importer.rollback()


def _dsn() -> str:
    s = connection.settings_dict
    return f"host={s['HOST']} port={s['PORT']} dbname={s['NAME']} user={s['USER']} password={s['PASSWORD'] or ''}"
