"""The bulk writer of time series: rows go to a staging table, set-based checks run there, one upsert writes them.

One writer per database: PostgreSQL loads the staging table with binary COPY and upserts with one
`INSERT ... ON CONFLICT`, counting inserted and updated rows as it goes; SQLite loads it with batched inserts.
The staging tables are temporary (per connection, never logged, gone with the connection), so a worker that dies
leaves nothing behind, and staging can run outside the job's transaction while progress is committed.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from django.db import DatabaseError, connection
from django.utils import timezone

from ...models import Point, Series
from ...versions import data_changed
from ..outcome import Counts
from ..records import EPOCH, MICROSECOND
from ..validate import Row, RowColumns

ROWS = "cdsc_import_rows"
DIMS = "cdsc_import_dims"
REJECTS = "cdsc_import_rejects"
STORED = "cdsc_import_stored"  # the staged rows of series with points in their range, beside the stored point


@dataclass(frozen=True)
class Rejection:
    """A staged row refused by a set-based check: a duplicate, an overlap in the file, or a clash with the store."""

    seq: int
    line: int
    kind: str  # "duplicate" | "overlap" | "clash"
    other_line: int | None
    other_start: datetime | str | None
    other_end: datetime | str | None
    start: datetime | str
    end: datetime | str
    dim: int


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


class StagingWriter:
    """Stages rows, checks them as a set and upserts them. Stage outside a transaction; check and write inside one."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.point = _q(Point._meta.db_table)
        self.staged = 0
        # Each dimension's first start, last end (microseconds since 1970) and rows, kept as blocks of columns are
        # staged; None once rows came one by one or were dropped (`ranges` then asks the staging table).
        self._spans: dict[int, list[int]] | None = {}
        with connection.cursor() as cursor:
            for table in (ROWS, DIMS, REJECTS, STORED):
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
            if self.postgres:
                cursor.execute(
                    f"CREATE TEMP TABLE {ROWS} (seq bigint, line bigint, dim integer, "
                    "start timestamptz, "
                    '"end" timestamptz, value double precision, quality smallint)'
                )
            else:
                cursor.execute(
                    f'CREATE TEMP TABLE {ROWS} (seq integer, line integer, dim integer, start text, "end" text, '
                    "value real, quality integer)"
                )
            # The staged rows the set-based checks refuse, and why.
            stamp = "timestamptz" if self.postgres else "timestamp"
            cursor.execute(
                f"CREATE TEMP TABLE {REJECTS} (seq bigint, kind varchar(10), other_line bigint, "
                f"other_start {stamp}, other_end {stamp})"
            )

    # -- staging ---------------------------------------------------------------------------------------------------

    def stage(self, rows: list[Row] | RowColumns) -> int:
        """Append rows to the staging table (one COPY on PostgreSQL), after those staged before; returns how many.

        The rows are in hand before the COPY starts: checking rows may query the database (a PSR seen for the
        first time), and an open COPY holds the connection.
        """
        with connection.cursor() as cursor:
            if self.postgres:
                columns = f'COPY {ROWS} (seq, line, dim, start, "end", value, quality) FROM STDIN (FORMAT BINARY)'
                with cursor.cursor.copy(columns) as copy:
                    # seq: the rows' order in the file, numbered here (a sequence's default costs a call a row).
                    if rows.__class__ is RowColumns:
                        copy.write(_binary_copy(rows, first_seq=self.staged + 1))
                    else:
                        copy.set_types(["int8", "int8", "int4", "timestamptz", "timestamptz", "float8", "int2"])
                        write = copy.write_row
                        for seq, row in enumerate(rows, self.staged + 1):
                            write((seq, *row))
            else:
                one_by_one = _rows_of(rows) if rows.__class__ is RowColumns else rows
                adapt = connection.ops.adapt_datetimefield_value  # the text the ORM stores and compares
                batch = [
                    (self.staged + i, r.line, r.dim, adapt(r.start), adapt(r.end), r.value, r.quality)
                    for i, r in enumerate(one_by_one, 1)
                ]
                columns = 'seq, line, dim, start, "end", value, quality'
                cursor.executemany(f"INSERT INTO {ROWS} ({columns}) VALUES ({', '.join(['%s'] * 7)})", batch)
        self._note_spans(rows)
        self.staged += len(rows)
        return len(rows)

    def _note_spans(self, rows: list[Row] | RowColumns) -> None:
        if rows.__class__ is not RowColumns or self._spans is None:
            self._spans = None
            return
        dims, at = np.unique(rows.dim, return_inverse=True)
        first = np.full(len(dims), np.iinfo(np.int64).max)
        last = np.full(len(dims), np.iinfo(np.int64).min)
        np.minimum.at(first, at, rows.start)
        np.maximum.at(last, at, rows.end)
        for dim, lo, hi, n in zip(dims.tolist(), first.tolist(), last.tolist(), np.bincount(at).tolist(), strict=True):
            span = self._spans.get(dim)
            self._spans[dim] = [lo, hi, n] if span is None else [min(span[0], lo), max(span[1], hi), span[2] + n]

    # -- inside the job's transaction ------------------------------------------------------------------------------

    def ranges(self) -> dict[int, tuple[datetime, datetime, int]]:
        """For each staged dimension: its first start, last end and number of rows."""
        if self._spans is not None:
            spans = self._spans.items()
            return {d: (EPOCH + lo * MICROSECOND, EPOCH + hi * MICROSECOND, n) for d, (lo, hi, n) in spans}
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT dim, MIN(start), MAX("end"), COUNT(*) FROM {ROWS} GROUP BY dim')
            return {dim: (_dt(lo), _dt(hi), n) for dim, lo, hi, n in cursor.fetchall()}

    def bind_series(self, series: dict[int, Series], ranges: dict[int, tuple[datetime, datetime, int]]) -> None:
        """Record the series of each dimension, and whether the store already holds points in its staged range."""
        rows = []
        with connection.cursor() as cursor:
            for dim, item in series.items():
                first, last, _ = ranges[dim]
                cursor.execute(
                    f'SELECT "end" FROM {self.point} WHERE series_id = %s AND start < %s ORDER BY start DESC LIMIT 1',
                    [item.pk, connection.ops.adapt_datetimefield_value(last)],
                )
                found = cursor.fetchone()
                # Stored intervals never overlap, so the last one starting before `last` tells whether any overlaps.
                rows.append((dim, item.pk, found is not None and _dt(found[0]) > first))
            cursor.execute(f"CREATE TEMP TABLE {DIMS} (dim integer PRIMARY KEY, series_id bigint, existing boolean)")
            cursor.executemany(f"INSERT INTO {DIMS} (dim, series_id, existing) VALUES (%s, %s, %s)", rows)

    def reject_dimension(self, dim: int) -> None:
        """Refuse every row of one dimension (its series cannot take them)."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {REJECTS} (seq, kind, other_line, other_start, other_end) "
                f"SELECT seq, 'series', NULL, NULL, NULL FROM {ROWS} WHERE dim = %s",
                [dim],
            )

    def check(self, *, unordered: set[int]) -> None:
        """Find duplicates and overlaps within the file, and clashes with stored intervals of another length.

        Only the dimensions in `unordered` can hold duplicates or overlaps: the others arrived in time order, each
        row starting at or after the end of the one before.
        """
        with connection.cursor() as cursor:
            if self.postgres:
                # Sorting and joining millions of staged rows below: give them memory rather than disk (for this
                # transaction only; a hash join may use twice this). Temporary tables get no statistics unless
                # asked: without them the planner probes the store row by row.
                cursor.execute("SET LOCAL work_mem = '1GB'")
                cursor.execute("SET LOCAL jit = off")  # compiling these plans costs more than it saves
                cursor.execute(f"ANALYZE {ROWS}")
                cursor.execute(f"ANALYZE {DIMS}")
            # Rows in key order per series: a row starting where the previous one started is a duplicate; a row
            # starting before the latest end so far overlaps an earlier interval of the same series.
            if unordered:
                cursor.execute(
                    f"INSERT INTO {REJECTS} (seq, kind, other_line, other_start, other_end) "
                    "SELECT seq, CASE WHEN prev_start = start THEN 'duplicate' ELSE 'overlap' END, prev_line, "
                    "prev_start, latest_end FROM ("
                    "  SELECT seq, start, LAG(line) OVER (PARTITION BY dim ORDER BY start, seq) AS prev_line,"
                    "    LAG(start) OVER (PARTITION BY dim ORDER BY start, seq) AS prev_start,"
                    '    MAX("end") OVER (PARTITION BY dim ORDER BY start, seq '
                    "      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS latest_end"
                    f"  FROM {ROWS} WHERE dim IN ({', '.join(str(int(d)) for d in sorted(unordered))})"
                    ") t WHERE latest_end > start"
                )
            # Against the store, only where it holds points in the staged range: each staged row beside the
            # point stored at its start, if any (one index probe each), kept for the upsert's count and choice too.
            cursor.execute(
                f"CREATE TEMP TABLE {STORED} AS "
                f'SELECT r.seq, d.series_id, r.start, r."end", r.value, r.quality, e."end" AS stored_end, '
                f"e.value AS stored_value, e.quality AS stored_quality FROM {ROWS} r "
                f"JOIN {DIMS} d ON d.dim = r.dim AND d.existing "
                f"LEFT JOIN {self.point} e ON e.series_id = d.series_id AND e.start = r.start"
            )
            # A staged interval that is exactly a stored one cannot clash (stored intervals never overlap). Any other
            # clashes when the last stored interval starting before its end ends after its start (one index probe
            # each). Materialised first, so the planner cannot probe every row before exact ones are left out.
            cursor.execute(
                f"WITH candidates AS MATERIALIZED ("
                f'  SELECT seq, start, "end", series_id FROM {STORED} '
                f'  WHERE stored_end IS NULL OR stored_end <> "end") '
                f"INSERT INTO {REJECTS} (seq, kind, other_line, other_start, other_end) "
                "SELECT seq, 'clash', NULL, NULL, last_end FROM ("
                f'  SELECT c.seq, c.start, (SELECT q."end" FROM {self.point} q WHERE q.series_id = c.series_id '
                f'    AND q.start < c."end" ORDER BY q.start DESC LIMIT 1) AS last_end FROM candidates c'
                ") t WHERE last_end > start"
            )

    def rejected_count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(DISTINCT seq) FROM {REJECTS}")
            return cursor.fetchone()[0]

    def rejections(self, limit: int) -> list[Rejection]:
        """The first rejections in file order, one per staged row."""
        with connection.cursor() as cursor:
            cursor.execute(
                'SELECT x.seq, r.line, x.kind, x.other_line, x.other_start, x.other_end, r.start, r."end", r.dim '
                f"FROM {REJECTS} x JOIN {ROWS} r ON r.seq = x.seq ORDER BY x.seq, x.kind LIMIT %s",
                [limit * 3],
            )
            seen, out = set(), []
            for row in cursor.fetchall():
                if row[0] not in seen and len(out) < limit:
                    seen.add(row[0])
                    out.append(Rejection(*row))
            return out

    def drop_rejected(self) -> None:
        self._spans = None
        with connection.cursor() as cursor:
            for table in (ROWS, STORED):
                cursor.execute(f"DELETE FROM {table} WHERE seq IN (SELECT seq FROM {REJECTS})")

    def count(self, *, existing_only: bool = False) -> Counts:
        """What the upsert would do: rows new to the store, rows that change a stored point, rows already there."""
        with connection.cursor() as cursor:
            existing = "AND d.existing" if existing_only else ""
            cursor.execute(f"SELECT COUNT(*) FROM {ROWS} r JOIN {DIMS} d ON d.dim = r.dim {existing}")
            total = cursor.fetchone()[0]
            cursor.execute(
                'SELECT COUNT(stored_end), SUM(CASE WHEN stored_end = "end" AND stored_value = value '
                f"AND stored_quality = quality THEN 1 ELSE 0 END) FROM {STORED}"
            )
            matched, same = cursor.fetchone()
        return Counts(inserted=total - matched, updated=matched - (same or 0), unchanged=same or 0)

    def upsert(self) -> Counts:
        """Write the staged rows: insert new points, update changed ones, leave unchanged ones untouched; raise the
        data version."""
        data_changed()
        now = timezone.now()
        stamp = now if self.postgres else connection.ops.adapt_datetimefield_value(now)
        columns = 'series_id, start, "end", value, quality, updated_at'
        # The WHERE keeps SQLite's parser from reading ON CONFLICT as part of the join.
        select = (
            f'SELECT d.series_id, r.start, r."end", r.value, r.quality, %s FROM {ROWS} r '
            f"JOIN {DIMS} d ON d.dim = r.dim WHERE"
        )
        with connection.cursor() as cursor:
            # Series with no stored point in the staged range cannot conflict (duplicates in the file were refused):
            # a plain insert, as fast as the table takes rows.
            cursor.execute(
                f"INSERT INTO {self.point} ({columns}) {select} NOT d.existing",
                [stamp],
            )
            fresh = cursor.rowcount
            changed = " OR ".join(
                f"{self.point}.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in ('"end"', "value", "quality")
            )
            update = (
                'ON CONFLICT (series_id, start) DO UPDATE SET "end" = EXCLUDED."end", value = EXCLUDED.value, '
                f"quality = EXCLUDED.quality, updated_at = EXCLUDED.updated_at WHERE {changed}"
            )
            if self.postgres:
                cursor.execute(f"SELECT COUNT(*) FROM {STORED}")
                total = cursor.fetchone()[0]
                # Rows equal to their stored point are left out before the insert: they would only be probed and
                # skipped by the conflict clause, one by one. Which of the others are new is known from the same
                # comparison (the series are locked by the job, so nothing else writes them meanwhile): the point
                # table is partitioned, and PostgreSQL returns no system column (`xmax = 0`, "inserted") from an
                # upsert into a partitioned table.
                changed_only = (
                    'SELECT series_id, start, "end", value, quality, stored_end IS NULL AS new '
                    f"FROM {STORED} "
                    'WHERE stored_end IS NULL OR stored_end <> "end" OR stored_value <> value '
                    "OR stored_quality <> quality"
                )
                cursor.execute(
                    f"WITH changed AS MATERIALIZED ({changed_only}), written AS ("
                    f'INSERT INTO {self.point} ({columns}) SELECT series_id, start, "end", value, quality, %s '
                    f"FROM changed {update} RETURNING 1) "
                    "SELECT COUNT(*) FILTER (WHERE new), COUNT(*) FILTER (WHERE NOT new), "
                    "(SELECT COUNT(*) FROM written) FROM changed",
                    [stamp],
                )
                inserted, updated, written = cursor.fetchone()
                if written != inserted + updated:  # a broken assumption must not go unnoticed in the counts
                    raise RuntimeError(f"upsert wrote {written} rows, expected {inserted} new and {updated} changed")
                return Counts(inserted=fresh + inserted, updated=updated, unchanged=total - inserted - updated)
            counts = self.count(existing_only=True)
            update = update.replace("IS DISTINCT FROM", "IS NOT")
            cursor.execute(f"INSERT INTO {self.point} ({columns}) {select} d.existing {update}", [stamp])
            counts.inserted += fresh
            return counts

    def close(self) -> None:
        try:
            with connection.cursor() as cursor:
                for table in (ROWS, DIMS, REJECTS, STORED):
                    cursor.execute(f"DROP TABLE IF EXISTS {table}")
        except DatabaseError:
            # A connection left in the middle of a command (a time limit's signal inside a COPY) refuses the drop:
            # the error that did that is the one to report, and the job's runner resets the connection, whose
            # session's temporary tables go with it (services._finish).
            if connection.connection is not None and connection.is_usable():
                raise


# PostgreSQL's binary COPY (its documentation, "Binary Format"): a signature, flags and header extension; each row
# its number of fields, then each field's length and big-endian value; -1 fields after the last row. Timestamps
# are microseconds since 2000-01-01 UTC.
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_COPY_TRAILER = b"\xff\xff"
_COPY_ROW = np.dtype(
    [
        ("fields", ">i2"),
        ("seq_size", ">i4"),
        ("seq", ">i8"),
        ("line_size", ">i4"),
        ("line", ">i8"),
        ("dim_size", ">i4"),
        ("dim", ">i4"),
        ("start_size", ">i4"),
        ("start", ">i8"),
        ("end_size", ">i4"),
        ("end", ">i8"),
        ("value_size", ">i4"),
        ("value", ">f8"),
        ("quality_size", ">i4"),
        ("quality", ">i2"),
    ]
)
_POSTGRES_EPOCH_US = 946_684_800 * 1_000_000  # 2000-01-01 in microseconds since 1970


def _binary_copy(rows: RowColumns, *, first_seq: int) -> bytes:
    """The rows as one binary COPY stream into the staging table's (seq, line, dim, start, end, value, quality),
    numbered from `first_seq`."""
    out = np.empty(len(rows.line), dtype=_COPY_ROW)
    out["fields"] = 7
    out["seq"] = np.arange(first_seq, first_seq + len(rows.line))
    for name, size in (("seq", 8), ("line", 8), ("dim", 4), ("start", 8), ("end", 8), ("value", 8), ("quality", 2)):
        out[f"{name}_size"] = size
    out["line"], out["dim"], out["value"], out["quality"] = rows.line, rows.dim, rows.value, rows.quality
    out["start"] = rows.start - _POSTGRES_EPOCH_US
    out["end"] = rows.end - _POSTGRES_EPOCH_US
    return _COPY_SIGNATURE + out.tobytes() + _COPY_TRAILER


def _rows_of(rows: RowColumns) -> list[Row]:
    """The rows one by one (SQLite's staging inserts them so)."""
    instants: dict[int, datetime] = {}
    for us in np.unique(np.concatenate((rows.start, rows.end))).tolist():
        instants[us] = EPOCH + us * MICROSECOND
    return [
        Row(line, dim, instants[start], instants[end], value, quality)
        for line, dim, start, end, value, quality in zip(
            rows.line.tolist(),
            rows.dim.tolist(),
            rows.start.tolist(),
            rows.end.tolist(),
            rows.value.tolist(),
            rows.quality.tolist(),
            strict=True,
        )
    ]


def _dt(value: datetime | str) -> datetime:
    """A datetime read back from the database (SQLite returns the stored text)."""
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC) if value else value
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)
