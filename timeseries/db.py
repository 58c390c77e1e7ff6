"""Database functions the query engine needs beyond the ORM's, one SQL spelling per backend."""

from datetime import UTC, datetime, timedelta
from itertools import chain

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BigIntegerField, Func, QuerySet
from django.db.models.expressions import RawSQL

from .models import Point

# The calendar's last instant: with no interval after the page, every one up to it is on the page (a bound of
# 9999-01-01 would hide the last year's intervals).
FAR_FUTURE = datetime.max.replace(tzinfo=UTC)


class EpochSeconds(Func):
    """A datetime column as whole seconds since 1970-01-01 UTC.

    The read path fetches instants as integers: cheap to transfer, hash and compare, where turning 100,000
    timestamps into Python datetimes would cost more than the rest of a request.
    """

    output_field = BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)::bigint", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        # %%%%s: the template is %-formatted once here, and the backend turns the remaining %%s into %s.
        return self.as_sql(
            compiler, connection, template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)", **extra
        )


def read_connection() -> BaseDatabaseWrapper:
    """The database the read path reads, as the router says for the request being answered: a read replica for an API
    read when replicas are configured (cdsc_site.replicas), else the primary. Raw SQL of the read path goes through
    it, as the ORM's reads go through the router; the version a response is keyed on is read from the same one."""
    return connections[router.db_for_read(Point)]


def _epoch_sql(vendor: str, column: str) -> str:
    quoted = read_connection().ops.quote_name(column)
    if vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM {quoted})::bigint"
    return f"CAST(strftime('%%s', {quoted}) AS INTEGER)"  # %% survives the backend's %s -> ? rewrite


def fetch_page_rows(
    *,
    series_ids: list[int],
    start: datetime | None,
    end: datetime | None,
    after: datetime | None,
    size: int,
) -> list[tuple[int, int, int, float]]:
    """(series id, start, end, value) of the next page: the points of the first `size` intervals starting at or
    after `after`, plus those of the interval that follows (the caller makes it the next cursor).

    One hand-written query: on the hot path of every time-series request, building it with the ORM cost more
    than running it. Instants come back as epoch seconds.
    """
    connection = read_connection()
    table = connection.ops.quote_name(Point._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    conditions = [f"series_id IN ({', '.join(['%s'] * len(series_ids))})"]
    params: list = list(series_ids)
    if start is not None:
        conditions.append('"start" >= %s')
        params.append(adapt(start))
    if end is not None:
        conditions += ['"end" <= %s', '"start" < %s']  # the second bounds the index range scan
        params += [adapt(end), adapt(end)]
    if after is not None:
        conditions.append('"start" >= %s')
        params.append(adapt(after))
    where = " AND ".join(conditions)
    following = f'SELECT DISTINCT "start" FROM {table} WHERE {where} ORDER BY "start" LIMIT 1 OFFSET %s'
    vendor = connection.vendor
    sql = (
        f"SELECT series_id, {_epoch_sql(vendor, 'start')}, {_epoch_sql(vendor, 'end')}, value FROM {table} "
        f'WHERE {where} AND "start" <= COALESCE(({following}), %s)'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *params, size, adapt(FAR_FUTURE)])
        return cursor.fetchall()


Columns = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # series ids, starts, ends (epoch seconds), values


def fetch_page_columns(
    *,
    series_ids: list[int],
    start: datetime | None,
    end: datetime | None,
    after: datetime | None,
    size: int,
    lengths: dict[int, int] | None = None,
) -> Columns:
    """The rows of `fetch_page_rows` as four arrays (series ids, starts, ends, values), in no particular order; on
    PostgreSQL a superset of them: up to `size` + 1 points per series, which hold every point of the first `size` + 1
    intervals (a series has at most one point per interval). The caller cuts the page after its `size` intervals.

    On PostgreSQL each series comes as one row of binary strings, read in its index order up to its limit: no
    search for the page's last interval across the series, and no Python object per point (a year of hourly
    generation by 10 fuels came in 35 ms against 130 ms as tuples). `lengths`: the interval length (seconds) each
    series is expected to have; a series that has it, with no gap among the points read, sends its values alone, as
    in `fetch_columns` (the year's read a third faster).
    """
    if read_connection().vendor != "postgresql":
        return rows_as_columns(fetch_page_rows(series_ids=series_ids, start=start, end=end, after=after, size=size))
    points = Point.objects.all()
    if start is not None:
        points = points.filter(start__gte=start)
    if end is not None:
        points = points.filter(end__lte=end, start__lt=end)  # the second bounds the index range scan
    if after is not None:
        points = points.filter(start__gte=after)
    return _fetch_columns_postgresql(points, series_ids, lengths or {}, limit=size + 1)


def rows_as_columns(rows: list[tuple]) -> Columns:
    """(series id, start, end, value) rows as the four arrays of Columns."""
    flat = np.fromiter(chain.from_iterable(rows), dtype=np.float64, count=4 * len(rows)).reshape(-1, 4)
    return flat[:, 0].astype(np.int64), flat[:, 1].astype(np.int64), flat[:, 2].astype(np.int64), flat[:, 3]


# PostgreSQL's binary forms (timestamptz_send, float8send): big-endian, an instant in microseconds since 2000-01-01 UTC.
_INSTANTS = np.dtype(">i8")
_VALUES = np.dtype(">f8")
_PG_EPOCH = 946_684_800  # 2000-01-01T00:00:00Z in Unix seconds


def fetch_columns(points: QuerySet, series_ids: list[int], lengths: dict[int, int] | None = None) -> Columns:
    """Series ids, starts, ends (epoch seconds) and values of `points` (of the series `series_ids`), as four numpy
    arrays, in no particular order.

    For reads of hundreds of thousands of points computed on as arrays (flow tracing). `lengths`: the interval
    length (seconds) each series is expected to have. On PostgreSQL each series comes as one row of binary strings
    parsed in one step each, and a series whose points in the read all have its expected length, with no gap, sends
    its values alone: building a Python tuple per point, or converting each instant in SQL, costs more than the query.
    """
    connection = read_connection()
    if connection.vendor == "postgresql":
        try:
            return _fetch_columns_postgresql(points, series_ids, lengths or {})
        except EmptyResultSet:  # a window that holds nothing (no data in range): Django writes no SQL for it
            return _no_columns()
    try:
        sql, params = points.values_list(
            "series_id", EpochSeconds("start"), EpochSeconds("end"), "value"
        ).query.sql_with_params()
    except EmptyResultSet:
        return _no_columns()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return rows_as_columns(cursor.fetchall())


def _no_columns() -> Columns:
    return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)


def _fetch_columns_postgresql(
    points: QuerySet, series_ids: list[int], lengths: dict[int, int], *, limit: int | None = None
) -> Columns:
    # One aggregate per series (a lateral join over their ids: each an index range scan, no sort or hash of the
    # whole read). First the series with an expected length: a series is regular if every point has that length
    # and its starts span (count - 1) lengths (points never overlap, so they are then back to back); it sends its
    # values in time order, its instants are its first start plus multiples of the length. The others, and any
    # that turns out irregular, send their instants with their values. `limit`: the first points of each series only.
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    irregular = [s for s in series_ids if not lengths.get(s)]
    expected = [s for s in series_ids if lengths.get(s)]
    if expected:
        rows = _lateral(
            points,
            "date_part('epoch', min(p.b))::int8, date_part('epoch', max(p.b))::int8, bool_and(p.e = p.b + s.len), "
            "string_agg(float8send(p.v), '')",
            expected,
            [timedelta(seconds=lengths[s]) for s in expected],
            ordered=True,
            limit=limit,
        )
        regular = []
        for series_id, n, first, last, all_of_length, values in rows:
            length = lengths[series_id]
            if not all_of_length or last - first != (n - 1) * length:
                irregular.append(series_id)
                continue
            regular.append((series_id, n, first, length, values))
        if regular:
            parts.append(_regular_columns(regular))
    if irregular:
        rows = _lateral(
            points,
            "string_agg(timestamptz_send(p.b), ''), string_agg(timestamptz_send(p.e), ''), "
            "string_agg(float8send(p.v), '')",
            irregular,
            [timedelta(0)] * len(irregular),
            ordered=limit is not None,
            limit=limit,
        )
        for series_id, n, starts, ends, values in rows:
            parts.append(
                (np.full(n, series_id, dtype=np.int64), _instants(starts), _instants(ends), _numbers(values, _VALUES))
            )
    if not parts:
        return _no_columns()
    if len(parts) == 1:
        return parts[0]
    series, starts, ends, values = (np.concatenate(column) for column in zip(*parts, strict=True))
    return series, starts, ends, values


def _regular_columns(regular: list[tuple[int, int, int, int, bytes]]) -> Columns:
    """The columns of back-to-back series, each given as (id, count, first start, length, its values' binary
    string): written in place, series after series, with no arrays per series to concatenate (a year of 55 series
    is 480,000 rows)."""
    total = sum(n for _, n, _, _, _ in regular)
    series, starts, ends = np.empty(total, np.int64), np.empty(total, np.int64), np.empty(total, np.int64)
    values = np.empty(total)
    steps = np.arange(max(n for _, n, _, _, _ in regular), dtype=np.int64)
    at = 0
    for series_id, n, first, length, blob in regular:
        cut = slice(at, at + n)
        series[cut] = series_id
        np.multiply(steps[:n], length, out=starts[cut])
        starts[cut] += first
        np.add(starts[cut], length, out=ends[cut])
        values[cut] = np.frombuffer(blob, dtype=_VALUES)
        at += n
    return series, starts, ends, values


def _lateral(
    points: QuerySet,
    aggregates: str,
    series_ids: list[int],
    lengths: list[timedelta],
    *,
    ordered: bool = False,
    limit: int | None = None,
) -> list[tuple]:
    """Per series of `series_ids` (each with a length s.len) that has points in `points`: its id, its count of points,
    then `aggregates` (SQL) over its points p(b, e, v), fed in time order if `ordered`, its first `limit` if given."""
    one = points.filter(series_id=RawSQL("s.id", ())).values_list("start", "end", "value")
    if ordered:
        one = one.order_by("start")
    if limit is not None:
        one = one[:limit]
    sql, params = one.query.sql_with_params()
    connection = read_connection()
    query = (
        "SELECT s.id, a.* FROM unnest(%s::bigint[], %s::interval[]) AS s(id, len) CROSS JOIN LATERAL "
        f"(SELECT count(*) AS n, {aggregates} FROM ({sql}) AS p(b, e, v)) AS a WHERE a.n > 0"
    )
    with connection.cursor() as cursor:
        # The index gives the order: a bitmap scan would need a sort of each series after it (70 ms of a year's page
        # instead of 30). The setting lasts this statement's implicit transaction, or is put back inside a caller's;
        # one message, one round trip: Django's cursors bind parameters on the client, which allows several
        # statements (a BEGIN, SET LOCAL, query, COMMIT in turn doubled a one-day answer's time under load).
        cursor.execute(
            f"SET LOCAL enable_bitmapscan = off; {query}; SET LOCAL enable_bitmapscan TO DEFAULT",
            [series_ids, lengths, *params],
        )
        cursor.nextset()
        return cursor.fetchall()


def _numbers(blob: bytes, dtype: np.dtype) -> np.ndarray:
    return np.frombuffer(blob, dtype=dtype).astype(dtype.newbyteorder("="))


def _instants(blob: bytes) -> np.ndarray:
    """Epoch seconds of concatenated binary timestamptz values (microseconds since 2000-01-01)."""
    return _numbers(blob, _INSTANTS) // 1_000_000 + _PG_EPOCH
