"""Database functions the query engine needs beyond the ORM's, one SQL spelling per backend."""

from datetime import UTC, datetime

from django.db import connection
from django.db.models import BigIntegerField, Func

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
