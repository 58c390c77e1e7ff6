"""The point table's yearly partitions on PostgreSQL: make them ahead, list them, archive old years, restore them."""

from datetime import UTC, date, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from timeseries.partitions import (
    PartitionError,
    default_years,
    partitions_archive,
    partitions_create,
    partitions_list,
    partitions_restore,
)


def _year(text: str) -> int:
    """A year, or 1 January of a year (`2020` or `2020-01-01`): partitions are whole UTC years."""
    try:
        if text.isdigit():
            return int(text)
        day = date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a year (2020) or a date (2020-01-01).") from None
    if (day.month, day.day) != (1, 1):
        raise CommandError(f"{text}: partitions are whole UTC years; give a 1 January (e.g. {day.year}-01-01).")
    return day.year


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


class Command(BaseCommand):
    help = (
        "Yearly partitions of the point table (PostgreSQL). `create [--through YEAR]`: make the partitions from this "
        "year through YEAR (default next year), and those of every year with points in the default partition, "
        "moving them out (run it daily). `list`: each partition, its range, rows and size. `archive --before "
        "YEAR-01-01 --to DIR`: write every year before it to DIR/timeseries_point_y<year>.csv.gz, then detach and "
        "drop it. `restore FILE...`: load archived years back."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="make partitions ahead (and drain the default partition)")
        create.add_argument("--from", dest="first", type=int, help="first year (default this year)")
        create.add_argument("--through", type=int, help="last year (default next year)")
        listing = actions.add_parser("list", help="the partitions, their ranges, rows and sizes")
        listing.add_argument("--exact", action="store_true", help="count rows (scans the table) instead of estimates")
        archive = actions.add_parser("archive", help="archive and drop every year before a date")
        archive.add_argument("--before", required=True, help="1 January of the first year kept, e.g. 2020-01-01")
        archive.add_argument("--to", required=True, type=Path, help="folder for the archive files")
        restore = actions.add_parser("restore", help="load archive files back into the store")
        restore.add_argument("files", nargs="+", type=Path)

    def handle(self, *args, **options) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except PartitionError as exc:
            raise CommandError(str(exc)) from exc

    def _create(self, options: dict) -> None:
        this_year = datetime.now(UTC).year
        first = options["first"] or this_year
        through = options["through"] or this_year + 1
        if through < first:
            raise CommandError(f"--through {through} is before the first year {first}.")
        years = set(range(first, through + 1)) | set(default_years())
        made = partitions_create(years=years)
        for year, moved in made:
            self.stdout.write(f"made timeseries_point_y{year:04d}" + (f" ({moved:,} points moved in)" if moved else ""))
        self.stdout.write(f"{len(made)} partitions made; partitions exist for {first} through {through}.")

    def _list(self, options: dict) -> None:
        rows = [("partition", "range", "rows" if options["exact"] else "rows (estimate)", "size")]
        for p in partitions_list(exact=options["exact"]):
            rows.append((p.name, p.bounds, f"{p.rows:,}" if p.rows >= 0 else "?", _size(p.size)))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        for r in rows:
            self.stdout.write("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())

    def _archive(self, options: dict) -> None:
        before = _year(options["before"])
        done = partitions_archive(before=before, directory=options["to"])
        for a in done:
            self.stdout.write(f"archived {a.year}: {a.rows:,} points to {a.path}")
        self.stdout.write(f"{len(done)} years archived and dropped; the store keeps points from {before}-01-01 on.")

    def _restore(self, options: dict) -> None:
        for path in options["files"]:
            if not path.is_file():
                raise CommandError(f"{path}: no such file.")
            r = partitions_restore(path=path)
            skipped = f"; {r.skipped_series:,} of series that no longer exist skipped" if r.skipped_series else ""
            self.stdout.write(f"{path}: {r.inserted:,} of {r.rows:,} points restored{skipped}.")
