"""Import a time-series file in-process through the same service as the upload page (for operators' automation)."""

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from psr.choices import ReadingFormat, ReadingValidity
from psr.models import Meter
from psr.selectors import psr_get
from timeseries.imports.adapters import registry
from timeseries.imports.services import import_job_create, import_job_run
from timeseries.models import ImportJob

SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = (
        "Import a time-series or meter-reading file (CSV, JSON, XML, or gzip of any) into the store, as one job: all "
        "or nothing in strict mode (the default), valid rows only with --lenient. Exits non-zero when the job fails."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="the file to import (read in place)")
        parser.add_argument(
            "--format", default="auto", choices=["auto", *registry()], help="the file's format (default: detect)"
        )
        parser.add_argument("--lenient", action="store_true", help="write the valid rows and report the others")
        parser.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
        parser.add_argument("--timezone", default="", help="IANA timezone of datetimes written without an offset")
        parser.add_argument("--psr", default="", help="the PSR of a file that names no area")
        parser.add_argument("--meter", default="", help="meter readings: the meter number of a file that names none")
        parser.add_argument(
            "--reading-format",
            default="",
            choices=["", *ReadingFormat.values],
            help="meter readings: the format of streams the file does not name (default: the file kind's)",
        )
        parser.add_argument(
            "--validity",
            default="",
            choices=["", *ReadingValidity.values],
            help="meter readings: the validity of streams the file does not name (default: the file kind's)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar (the default off a terminal)")

    def handle(self, *args, **options) -> None:
        psr = None
        if options["psr"]:
            psr = psr_get(options["psr"])
            if psr is None:
                raise CommandError(f"No PSR has the id '{options['psr']}'.")
        meter = None
        if options["meter"]:
            meter = Meter.objects.filter(meter_number=options["meter"]).first()
            if meter is None:
                raise CommandError(f"No meter has the number '{options['meter']}'.")
        try:
            job = import_job_create(
                source_path=options["path"],
                requested_format=options["format"],
                mode=ImportJob.Mode.LENIENT if options["lenient"] else ImportJob.Mode.STRICT,
                dry_run=options["dry_run"],
                timezone=options["timezone"],
                psr=psr,
                meter=meter,
                reading_format=options["reading_format"],
                validity=options["validity"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        show_bar = not options["no_progress"] and sys.stderr.isatty()
        with tqdm(total=job.size, unit="B", unit_scale=True, disable=not show_bar, file=sys.stderr) as bar:

            def progress(rows: int, done: int, total: int) -> None:
                bar.set_postfix_str(f"{rows:,} rows", refresh=False)
                bar.update(done - bar.n)

            job = import_job_run(job_id=job.pk, progress=progress)
        self.stdout.write(
            f"import #{job.pk} {job.status} ({job.detected_format or 'format not detected'}, {job.mode}"
            f"{', dry run' if job.dry_run else ''}) in {job.duration.total_seconds():.1f} s"
        )
        self.stdout.write(
            f"read {job.rows_read}  inserted {job.rows_inserted}  updated {job.rows_updated}  "
            f"unchanged {job.rows_unchanged}  rejected {job.rows_rejected}"
        )
        errors = list(job.errors.all()[:SHOWN_ERRORS])
        for error in errors:
            where = f"line {error.line}" if error.line is not None else "file"
            column = f" [{error.column}={error.value!r}]" if error.column else ""
            self.stderr.write(f"  {where}{column}: {error.reason}")
        if job.rows_rejected > len(errors):
            self.stderr.write(f"  ... {job.rows_rejected - len(errors):,} more rejected rows")
        if job.status != ImportJob.Status.SUCCEEDED:
            raise CommandError(job.message)
        self.stdout.write(job.message)
