"""Yearly range partitions of the point table on PostgreSQL: made ahead of writes, listed, archived to a file and
restored from it. SQLite keeps the plain table, and none of this applies there.

The table (`timeseries_point`) is partitioned by `start`, one partition per UTC calendar year
(`timeseries_point_y2023`), plus a DEFAULT partition (`timeseries_point_default`) that takes any point whose year
has no partition yet: a write never fails for want of a partition. Making a year's partition moves that year's
points out of the default one. Why yearly, by time and not by series hash: docs/performance.md ("Partitioning").

Locks, because readers must never queue behind a long import: a partition is made as a plain table and then
attached (`ATTACH PARTITION` takes SHARE UPDATE EXCLUSIVE on the parent, which neither readers nor writers
conflict with; `CREATE TABLE ... PARTITION OF` would take ACCESS EXCLUSIVE and wait for every open writer, with
all readers queued behind it). Attaching still takes ACCESS EXCLUSIVE on the default partition, which an open
writer may hold, so writes make their partitions before their own transaction opens, each in a short transaction
of its own that gives up after `LOCK_TIMEOUT_MS` (the rows then go to the default partition; the daily
`partitions create` moves them out later).
"""

import csv
import gzip
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import DatabaseError, connection, transaction

from .models import Point, Series
from .versions import data_changed

logger = logging.getLogger(__name__)

TABLE = Point._meta.db_table
DEFAULT = f"{TABLE}_default"
COLUMNS = ("series_id", "start", "end", "value", "quality", "updated_at")
# The years a partition may cover: Django's datetimes run from year 1 to 9999.
FIRST_YEAR, LAST_YEAR = 1, 9999
# How long making a partition ahead of a write may wait for a lock before the write goes on without it.
LOCK_TIMEOUT_MS = 2000
# How many partitions one write makes ahead at most: a write spread over centuries (a test, a typo in a year)
# leaves the rest in the default partition rather than making hundreds of tables.
MAX_AHEAD_PER_WRITE = 20
# Two-key advisory lock that serialises making and archiving partitions (its first key, like the import's
# liveness locks, keeps it apart from other users of two-key locks).
LOCK_CLASS, LOCK_PARTITIONS = 0x43445343, 1  # "CDSC"

_NAME = re.compile(rf"^{TABLE}_y(\d{{4}})$")


class PartitionError(Exception):
    """A partition command that cannot run here (SQLite, a plain table) or with these arguments."""


@dataclass(frozen=True)
class Partition:
    """One partition of the point table: its name, its bounds as PostgreSQL prints them, the year it covers (None
    for the default partition), its rows (the planner's estimate unless counted) and its size on disk in bytes."""

    name: str
    bounds: str
    year: int | None
    rows: int
    size: int


def partition_name(year: int) -> str:
    return f"{TABLE}_y{year:04d}"


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _year_start(year: int) -> str:
    # A literal with its offset, so the bound does not depend on the session's time zone. Year 10000 is a valid
    # timestamptz (the upper bound of year 9999's partition), though not a Python datetime.
    return f"'{year:04d}-01-01 00:00:00+00'"


def is_partitioned() -> bool:
    """Whether the point table is a partitioned table here (PostgreSQL after migration 0007)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        row = cursor.fetchone()
    return row is not None and row[0] == "p"


def _require_partitioned() -> None:
    if connection.vendor != "postgresql":
        raise PartitionError("Partitions exist on PostgreSQL only; on SQLite the point table is a plain table.")
    if not is_partitioned():
        raise PartitionError(f"{TABLE} is not partitioned: run `manage.py migrate` first.")


def partition_years() -> set[int]:
    """The years that have a partition of their own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s)",
            [TABLE],
        )
        return {int(m.group(1)) for (name,) in cursor.fetchall() if (m := _NAME.match(name))}


def partitions_list(*, exact: bool = False) -> list[Partition]:
    """Every partition, the default one first and then by year. Rows are the planner's estimate (as of the last
    ANALYZE, -1 before any) unless `exact`, which counts them (a scan of the whole table)."""
    _require_partitioned()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), c.reltuples::bigint, pg_total_relation_size(c.oid) "
            "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(%s)",
            [TABLE],
        )
        found = []
        for name, bounds, rows, size in cursor.fetchall():
            if exact:
                cursor.execute(f"SELECT count(*) FROM {_q(name)}")
                rows = cursor.fetchone()[0]
            match = _NAME.match(name)
            found.append(Partition(name, bounds, int(match.group(1)) if match else None, rows, size))
    return sorted(found, key=lambda p: (p.year is not None, p.year or 0, p.name))


def partition_create(year: int) -> tuple[bool, int]:
    """Make the partition of `year` if it has none, moving the year's points out of the default partition; returns
    (whether it was made, how many points moved). Runs in the caller's transaction (a savepoint) if there is one.

    The points stay the same points (moved, not changed), so the data version does not move.
    """
    _require_partitioned()
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise PartitionError(f"{year} is outside the years a point can start in ({FIRST_YEAR} to {LAST_YEAR}).")
    name = partition_name(year)
    lower, upper = _year_start(year), _year_start(year + 1)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, LOCK_PARTITIONS])
        if year in partition_years():
            return False, 0
        cursor.execute(f"CREATE TABLE {_q(name)} (LIKE {_q(TABLE)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        moved = 0
        if _has_default(cursor):
            cursor.execute(
                f"WITH moved AS (DELETE FROM {_q(DEFAULT)} WHERE start >= {lower} AND start < {upper} "
                f"RETURNING {', '.join(_q(c) for c in COLUMNS)}) "
                f"INSERT INTO {_q(name)} ({', '.join(_q(c) for c in COLUMNS)}) SELECT * FROM moved"
            )
            moved = cursor.rowcount
        # The key before the attach (the parent's key index attaches to it, rather than being built under the lock),
        # and a check equal to the partition's bounds, so the attach trusts it instead of scanning the rows.
        cursor.execute(f"ALTER TABLE {_q(name)} ADD PRIMARY KEY (series_id, start)")
        bounds = _q(f"{name}_bounds")
        cursor.execute(f"ALTER TABLE {_q(name)} ADD CONSTRAINT {bounds} CHECK (start >= {lower} AND start < {upper})")
        cursor.execute(f"ALTER TABLE {_q(TABLE)} ATTACH PARTITION {_q(name)} FOR VALUES FROM ({lower}) TO ({upper})")
        cursor.execute(f"ALTER TABLE {_q(name)} DROP CONSTRAINT {bounds}")  # the partition bound says the same
    logger.info("made partition %s (%s points moved from the default partition)", name, moved)
    return True, moved


def _has_default(cursor) -> bool:
    cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s) AND partdefid <> 0", [TABLE])
    return cursor.fetchone() is not None


def partitions_create(*, years: Iterable[int]) -> list[tuple[int, int]]:
    """Make the partitions of `years` that are missing, each in its own transaction; returns (year, points moved out
    of the default partition) of each one made. The operator's command (`partitions create`)."""
    _require_partitioned()
    made = []
    for year in sorted(set(years) - partition_years()):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                # Waiting on an open import that writes to the default partition would queue the readers of that
                # partition behind this command: it gives up instead, and the next run makes the year.
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{LOCK_TIMEOUT_MS * 5}ms"])
                created, moved = partition_create(year)
        except DatabaseError as exc:
            raise PartitionError(
                f"The partition of {year} was not made ({exc}); partitions made before it: "
                f"{', '.join(str(y) for y, _ in made) or 'none'}. Run the command again."
            ) from exc
        if created:
            made.append((year, moved))
    return made


def default_years() -> list[int]:
    """The years that have points in the default partition (points written before their year had a partition)."""
    _require_partitioned()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT extract(year FROM start AT TIME ZONE 'UTC')::int FROM {_q(DEFAULT)} ORDER BY 1"
            if _has_default(cursor)
            else "SELECT 1 WHERE false"
        )
        return [y for (y,) in cursor.fetchall() if FIRST_YEAR <= y <= LAST_YEAR]


def partitions_ahead(*, years: Iterable[int]) -> list[int]:
    """Before a write opens its transaction: make the partitions of the years it writes to (the UTC years of its
    intervals' starts, most rows first when they are more than `MAX_AHEAD_PER_WRITE`).

    Best effort, and never an error for the write: nothing on SQLite, on a plain table, or inside a transaction
    (making a partition there would hold its locks until that transaction ends; the rows go to the default
    partition). Each partition is made in a short transaction of its own that waits at most `LOCK_TIMEOUT_MS` for
    its locks. Returns the years made.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return []
    wanted = [y for y in dict.fromkeys(years) if FIRST_YEAR <= y <= LAST_YEAR]
    if not wanted or not is_partitioned():
        return []
    have = partition_years()
    made = []
    for year in [y for y in wanted if y not in have][:MAX_AHEAD_PER_WRITE]:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{LOCK_TIMEOUT_MS}ms"])
                if partition_create(year)[0]:
                    made.append(year)
        except DatabaseError as exc:
            # Another transaction held the default partition (a long import writing to it): the points of this year
            # go to the default partition; `partitions create` moves them out later.
            logger.warning("partition of %s not made ahead of a write (%s); its points go to %s", year, exc, DEFAULT)
    return made


def start_years(starts: Iterable[datetime]) -> list[int]:
    """The UTC years of these interval starts, most starts first (what `partitions_ahead` takes)."""
    counts: dict[int, int] = {}
    for start in starts:
        year = start.astimezone(UTC).year
        counts[year] = counts.get(year, 0) + 1
    return sorted(counts, key=lambda y: -counts[y])


def span_years(spans: Iterable[tuple[datetime, datetime, Any]]) -> list[int]:
    """The UTC years that intervals from `first` start to `last` end can start in, for each (first, last, ...) span
    of a write (an import's staged range per series), the years most spans cover first."""
    counts: dict[int, int] = {}
    for first, last, *_ in spans:
        for year in years_between(first, last - timedelta(microseconds=1)):
            counts[year] = counts.get(year, 0) + 1
    return sorted(counts, key=lambda y: (-counts[y], -y))


def years_between(first: datetime, last: datetime) -> list[int]:
    """The UTC years from the one holding `first` to the one holding `last` (the starts of a write)."""
    return list(range(first.astimezone(UTC).year, last.astimezone(UTC).year + 1))


# -- archive and restore ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Archived:
    year: int
    path: Path
    rows: int


def partitions_archive(*, before: int, directory: Path) -> list[Archived]:
    """Archive every year before `before` and drop it from the store: for each year's partition, oldest first, its
    points are written to `<directory>/timeseries_point_y<year>.csv.gz` (gzip CSV of the table's columns, restored
    by `partitions_restore`), then the partition is detached and dropped, and the data version raised, in one
    transaction per year. Points of those years still in the default partition are moved to their year's partition
    first, so every point starting before 1 January of `before` (UTC) goes.

    A year's file is complete on disk (flushed and synced) before its points leave the store; if the detach cannot
    get its lock in time, that year stays in the store, its file is removed, and the error says so.
    """
    _require_partitioned()
    directory.mkdir(parents=True, exist_ok=True)
    partitions_create(years=[y for y in default_years() if y < before])
    done = []
    for year in sorted(y for y in partition_years() if y < before):
        done.append(_archive_year(year, directory))
    return done


def _archive_year(year: int, directory: Path) -> Archived:
    name = partition_name(year)
    path = directory / f"{name}.csv.gz"
    if path.exists():
        raise PartitionError(f"{path} exists already: move it away or archive to another folder.")
    partial = path.with_suffix(".gz.partial")
    columns = ", ".join(_q(c) for c in COLUMNS)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, LOCK_PARTITIONS])
            # Writers of this year wait from here (readers do not), so the file holds exactly what is dropped.
            cursor.execute(f"LOCK TABLE {_q(name)} IN SHARE MODE")
            rows = 0
            with gzip.open(partial, "wb", compresslevel=6) as out:
                copy_sql = (
                    f"COPY (SELECT {columns} FROM {_q(name)} ORDER BY series_id, start) TO STDOUT "
                    "(FORMAT csv, HEADER true)"
                )
                with cursor.cursor.copy(copy_sql) as copy:
                    for block in copy:
                        out.write(block)
                        rows += bytes(block).count(b"\n")  # no value holds a newline: numbers and timestamps only
            with open(partial, "rb") as done:
                os.fsync(done.fileno())
            os.replace(partial, path)
            rows -= 1  # the header
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{LOCK_TIMEOUT_MS * 5}ms"])
            # DETACH takes ACCESS EXCLUSIVE on the parent for an instant (CONCURRENTLY is not allowed beside a
            # default partition); the timeout keeps readers from queueing behind it for long.
            cursor.execute(f"ALTER TABLE {_q(TABLE)} DETACH PARTITION {_q(name)}")
            cursor.execute(f"DROP TABLE {_q(name)}")
            data_changed()
    except BaseException:
        partial.unlink(missing_ok=True)
        if path.exists() and year in partition_years():
            path.unlink()  # the year is still in the store: no archive of it
        raise
    logger.info("archived %s points of %s to %s", rows, year, path)
    return Archived(year, path, rows)


@dataclass(frozen=True)
class Restored:
    path: Path
    rows: int
    inserted: int
    skipped_series: int


def partitions_restore(*, path: Path) -> Restored:
    """Load an archive written by `partitions_archive` back into the store: its points are staged, the partitions of
    their years made, then they are inserted in one transaction that raises the data version. A point whose (series,
    start) is stored already is left as stored; a point of a series that no longer exists is skipped and counted."""
    _require_partitioned()
    with gzip.open(path, "rt", newline="") as text:
        header = next(csv.reader(text), None)
    if header is None or tuple(header) != COLUMNS:
        raise PartitionError(f"{path} is not a point archive: its header is {header}, not {list(COLUMNS)}.")
    temp = "cdsc_restore_points"
    columns = ", ".join(_q(c) for c in COLUMNS)
    series = _q(Series._meta.db_table)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {temp}")
            cursor.execute(f"CREATE TEMP TABLE {temp} (LIKE {_q(TABLE)} INCLUDING DEFAULTS)")
            with (
                gzip.open(path, "rb") as raw,
                cursor.cursor.copy(f"COPY {temp} ({columns}) FROM STDIN (FORMAT csv, HEADER true)") as copy,
            ):
                while block := raw.read(1 << 20):
                    copy.write(block)
            cursor.execute(
                f"SELECT DISTINCT extract(year FROM start AT TIME ZONE 'UTC')::int FROM {temp} "
                f"WHERE start >= {_year_start(FIRST_YEAR)}"
            )
            years = [y for (y,) in cursor.fetchall()]
        # Outside the insert's transaction, as any write does (see the module's docstring).
        partitions_ahead(years=years)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*), count(*) FILTER (WHERE NOT EXISTS "
                f"(SELECT 1 FROM {series} s WHERE s.id = t.series_id)) FROM {temp} t"
            )
            rows, orphans = cursor.fetchone()
            cursor.execute(
                f"INSERT INTO {_q(TABLE)} ({columns}) SELECT {columns} FROM {temp} t "
                f"WHERE EXISTS (SELECT 1 FROM {series} s WHERE s.id = t.series_id) "
                "ON CONFLICT (series_id, start) DO NOTHING"
            )
            inserted = cursor.rowcount
            if inserted:
                data_changed()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {temp}")
    logger.info("restored %s of %s points from %s", inserted, rows, path)
    return Restored(path, rows, inserted, orphans)
