"""On PostgreSQL, the point table becomes a table partitioned by range of `start`, one partition per UTC year plus a
DEFAULT partition, keeping its rows (timeseries/partitions.py says how partitions are made and archived later).

Django's model state does not change: the table keeps its name, columns, primary key (series_id, start) and check,
and every query stays as it was. SQLite keeps the plain table. Upgrading copies the table once, under an exclusive
lock (about as long as a COPY of it: docs/deployment.md).
"""

from datetime import UTC, datetime

from django.db import migrations

TABLE = "timeseries_point"


def _year_start(year: int) -> str:
    return f"'{year:04d}-01-01 00:00:00+00'"


def _relkind(cursor, table: str) -> str | None:
    cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table])
    row = cursor.fetchone()
    return row[0] if row else None


def partition_table(cursor, table: str = TABLE, *, ahead: int = 1) -> None:
    """Turn the plain `table` into a range-partitioned one with the same rows: a partition for each year that holds
    points, the current year and `ahead` years after it, and a default partition (does nothing if it is partitioned
    already). Its rows are copied once, in key order."""
    if _relkind(cursor, table) != "r":
        return
    old = f"{table}_unpartitioned"
    cursor.execute(f'ALTER TABLE "{table}" RENAME TO "{old}"')
    cursor.execute(f'ALTER INDEX "{table}_pkey" RENAME TO "{old}_pkey"')
    cursor.execute(
        f'CREATE TABLE "{table}" (LIKE "{old}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (start)'
    )
    cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_pkey" PRIMARY KEY (series_id, start)')
    cursor.execute(f'CREATE TABLE "{table}_default" PARTITION OF "{table}" DEFAULT')
    cursor.execute(f"""SELECT DISTINCT extract(year FROM start AT TIME ZONE 'UTC')::int FROM "{old}" """)
    this_year = datetime.now(UTC).year
    years = {y for (y,) in cursor.fetchall()} | set(range(this_year, this_year + ahead + 1))
    for year in sorted(y for y in years if 1 <= y <= 9999):
        cursor.execute(
            f'CREATE TABLE "{table}_y{year:04d}" PARTITION OF "{table}" '
            f"FOR VALUES FROM ({_year_start(year)}) TO ({_year_start(year + 1)})"
        )
    cursor.execute(f'INSERT INTO "{table}" SELECT * FROM "{old}" ORDER BY series_id, start')
    cursor.execute(f'DROP TABLE "{old}"')
    cursor.execute(f'ANALYZE "{table}"')  # new tables have no statistics until autovacuum comes by


def unpartition_table(cursor, table: str = TABLE) -> None:
    """The reverse: a plain table with the same rows, key and check (does nothing if it is plain already)."""
    if _relkind(cursor, table) != "p":
        return
    old = f"{table}_partitioned"
    cursor.execute(f'ALTER TABLE "{table}" RENAME TO "{old}"')
    cursor.execute(f'ALTER INDEX "{table}_pkey" RENAME TO "{old}_pkey"')
    cursor.execute(f'CREATE TABLE "{table}" (LIKE "{old}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)')
    cursor.execute(f'INSERT INTO "{table}" SELECT * FROM "{old}" ORDER BY series_id, start')
    cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_pkey" PRIMARY KEY (series_id, start)')
    cursor.execute(f'DROP TABLE "{old}"')  # and its partitions


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            partition_table(cursor)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            unpartition_table(cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("timeseries", "0006_data_version"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
