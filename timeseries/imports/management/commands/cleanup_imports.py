"""Delete the uploaded files of old finished import jobs (CDSC_IMPORT_RETENTION_DAYS), keeping the jobs."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from timeseries.imports.services import import_files_clean_up


class Command(BaseCommand):
    help = (
        "Delete the uploaded files of import jobs finished more than CDSC_IMPORT_RETENTION_DAYS days ago (succeeded, "
        "failed, cancelled and dry runs alike). The jobs, their counts and row errors stay; queued and running jobs "
        "keep their files. Run it daily (cron, Celery beat)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--days", type=int, default=None, help="keep the files of the last N days (default: the setting)"
        )
        parser.add_argument("--dry-run", action="store_true", help="list the files that would go, delete nothing")

    def handle(self, *args, **options) -> None:
        days = settings.CDSC_IMPORT_RETENTION_DAYS if options["days"] is None else options["days"]
        if days < 0:
            raise CommandError("--days is a number of days, 0 or more.")
        jobs = import_files_clean_up(days=days, dry_run=options["dry_run"])
        verb = "would delete" if options["dry_run"] else "deleted"
        for job in jobs:
            self.stdout.write(f"job {job.pk} ({job.status}, {job.original_name}): {verb} its file")
        total = sum(job.size for job in jobs)
        self.stdout.write(f"{len(jobs)} file(s) of jobs finished more than {days} day(s) ago, {total:,} bytes: {verb}.")
