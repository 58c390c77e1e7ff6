"""Database functions the query engine needs beyond the ORM's, one SQL spelling per backend."""

from django.db.models import BigIntegerField, Func


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
