"""Database functions the query engine needs beyond the ORM's, one SQL spelling per backend."""

from datetime import UTC, datetime
from itertools import chain

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.db import connection
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


def _epoch_sql(vendor: str, column: str) -> str:
    quoted = connection.ops.quote_name(column)
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


# PostgreSQL's binary form of a one-dimensional array without nulls (array_send): a 20-byte header (dimensions, null
# flag, element type, length, lower bound), then each element's length and big-endian bytes. A timestamptz element is
# microseconds since 2000-01-01 UTC.
_ARRAY_HEADER = 20
_INT8_ELEMENTS = np.dtype([("length", ">i4"), ("value", ">i8")])
_FLOAT8_ELEMENTS = np.dtype([("length", ">i4"), ("value", ">f8")])
_PG_EPOCH = 946_684_800  # 2000-01-01T00:00:00Z in Unix seconds


def fetch_columns(points: QuerySet, series_ids: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Series ids, starts, ends (epoch seconds) and values of `points` (of the series `series_ids`), as four numpy
    arrays, in no particular order.

    For reads of hundreds of thousands of points computed on as arrays (flow tracing). On PostgreSQL each series comes
    as three binary arrays (one row per series, no epoch arithmetic per point) parsed in one step each: building a
    Python tuple per point, or converting each instant in SQL, costs more than the query.
    """
    if connection.vendor == "postgresql":
        return _fetch_columns_postgresql(points, series_ids)
    try:
        sql, params = points.values_list(
            "series_id", EpochSeconds("start"), EpochSeconds("end"), "value"
        ).query.sql_with_params()
    except EmptyResultSet:
        return _no_columns()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    flat = np.fromiter(chain.from_iterable(fetched), dtype=np.float64, count=4 * len(fetched)).reshape(-1, 4)
    return flat[:, 0].astype(np.int64), flat[:, 1].astype(np.int64), flat[:, 2].astype(np.int64), flat[:, 3]


def _no_columns() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)


def _fetch_columns_postgresql(
    points: QuerySet, series_ids: list[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    if not series_ids:
        return _no_columns()
    # One aggregate per series (a lateral join over their ids: each an index range scan, no sort or hash of the
    # whole read). Ends are sent only for a series whose intervals differ in length: else start + the one length.
    one = points.filter(series_id=RawSQL("s.id", ())).values_list("start", "end", "value")
    sql, params = one.query.sql_with_params()
    lateral = (
        "SELECT s.id, a.n, date_part('epoch', a.shortest)::int8, a.b, a.v, a.e FROM unnest(%s::bigint[]) AS s(id) "
        "CROSS JOIN LATERAL (SELECT count(*) AS n, min(p.e - p.b) AS shortest, array_send(array_agg(p.b)) AS b, "
        "array_send(array_agg(p.v::float8)) AS v, "
        "CASE WHEN min(p.e - p.b) <> max(p.e - p.b) THEN array_send(array_agg(p.e)) END AS e "
        f"FROM ({sql}) AS p(b, e, v)) AS a WHERE a.n > 0"
    )
    with connection.cursor() as cursor:
        cursor.execute(lateral, [series_ids, *params])
        rows = cursor.fetchall()
    if not rows:
        return _no_columns()

    def elements(blob: bytes, dtype: np.dtype) -> np.ndarray:
        return np.frombuffer(blob, dtype=dtype, offset=_ARRAY_HEADER)["value"]

    series = np.repeat(np.array([r[0] for r in rows], dtype=np.int64), [r[1] for r in rows])
    starts = [elements(r[3], _INT8_ELEMENTS) // 1_000_000 + _PG_EPOCH for r in rows]
    ends = [
        starts[i] + r[2] if r[5] is None else elements(r[5], _INT8_ELEMENTS) // 1_000_000 + _PG_EPOCH
        for i, r in enumerate(rows)
    ]
    values = np.concatenate([elements(r[4], _FLOAT8_ELEMENTS) for r in rows]).astype(np.float64)
    return series, np.concatenate(starts), np.concatenate(ends), values
