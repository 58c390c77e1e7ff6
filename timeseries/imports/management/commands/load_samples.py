"""Import the real public samples (ENTSO-E, EIA-930, Elexon exports) into the demo grid, read in place, unedited."""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from psr.selectors import psr_get
from timeseries.imports.adapters import adapter_for
from timeseries.imports.files import ImportSource
from timeseries.imports.records import ImportFileError
from timeseries.imports.services import import_job_create, import_job_run
from timeseries.models import ImportJob

# Files that name no area go to the demo grid's PSR for their source. The ENTSO-E capacity sample is labelled
# Spain's but its figures are not (docs/spec-notes.md); they match Albania's, so it goes there.
AREALESS_PSR = {
    "elexon-generation": "GB",
    "elexon-interconnectors": "GB",
    "elexon-capacity": "GB",
    "entsoe-capacity": "EU-CE-AL",
}
SUFFIXES = {".csv", ".json", ".gz"}


class Command(BaseCommand):
    help = (
        "Import every sample file of a folder (default: $CDSC_SAMPLE_DATA) through the import service, in strict "
        "mode, each format detected from the file: into US-WECC-CISO and its neighbours, EU-CE-ES and EU-CE-FR, "
        "and GB and its interconnectors (files that name no area: "
        + ", ".join(sorted(set(AREALESS_PSR.values())))
        + "). Run setup_demo first. Importing again changes nothing. Exits non-zero if a file fails."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("folder", nargs="?", default="", help="the samples' folder (default: $CDSC_SAMPLE_DATA)")

    def handle(self, *args, **options) -> None:
        folder = options["folder"] or os.environ.get("CDSC_SAMPLE_DATA", "")
        if not folder:
            self.stdout.write("No samples: CDSC_SAMPLE_DATA is not set and no folder was given.")
            return
        root = Path(folder)
        if not root.is_dir():
            raise CommandError(f"{root} is not a folder.")
        failed = []
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES):
            name = str(path.relative_to(root))
            try:
                with ImportSource(path, max_decompressed=settings.CDSC_IMPORT_MAX_DECOMPRESSED_BYTES) as source:
                    detected = adapter_for("auto", source.head).name
            except ImportFileError as exc:
                failed.append(name)
                self.stderr.write(f"{name}: {exc}")
                continue
            psr = None
            if detected in AREALESS_PSR:
                psr = psr_get(AREALESS_PSR[detected])
                if psr is None:
                    raise CommandError(f"{name}: the PSR {AREALESS_PSR[detected]} is missing; run setup_demo first.")
            job = import_job_create(source_path=str(path), requested_format=detected, psr=psr)
            job = import_job_run(job_id=job.pk)
            self.stdout.write(
                f"{name}: {job.detected_format} -> {psr.pk if psr else 'areas named in the file'}: {job.status}, "
                f"read {job.rows_read}, inserted {job.rows_inserted}, updated {job.rows_updated}, "
                f"unchanged {job.rows_unchanged}, rejected {job.rows_rejected}"
            )
            if job.status != ImportJob.Status.SUCCEEDED:
                failed.append(name)
                self.stderr.write(f"  {job.message}")
                for error in job.errors.all()[:5]:
                    self.stderr.write(f"  line {error.line} [{error.column}={error.value!r}]: {error.reason}")
        if failed:
            raise CommandError(f"{len(failed)} sample file(s) did not import: {', '.join(failed)}")
