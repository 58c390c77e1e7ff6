"""Import the real public samples (ENTSO-E, EIA-930, Elexon exports) into the demo grid, read in place, unedited."""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from psr.selectors import psr_get
from timeseries.imports.adapters import adapter_for, registry
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
        + "). Run setup_demo first. Importing again changes nothing. A file that no adapter reads, or whose import "
        "fails, is skipped with a warning on stderr and the others are loaded (exit 0, so `make run` goes on to "
        "serve); --strict exits non-zero instead."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("folder", nargs="?", default="", help="the samples' folder (default: $CDSC_SAMPLE_DATA)")
        parser.add_argument(
            "--strict", action="store_true", help="exit non-zero when any file was skipped (for CI and scripts)"
        )

    def handle(self, *args, **options) -> None:
        folder = options["folder"] or os.environ.get("CDSC_SAMPLE_DATA", "")
        if not folder:
            self.stdout.write("No samples: CDSC_SAMPLE_DATA is not set and no folder was given.")
            return
        root = Path(folder)
        if not root.is_dir():
            raise CommandError(f"{root} is not a folder.")
        skipped = []
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES):
            name = str(path.relative_to(root))
            reason = self._load(path, name)
            if reason:
                skipped.append(name)
                self.stderr.write(self.style.WARNING(f"Skipped {name}: {reason}"))
        if not skipped:
            return
        summary = f"{len(skipped)} sample file(s) did not import: {', '.join(skipped)}"
        if options["strict"]:
            raise CommandError(summary)
        self.stderr.write(self.style.WARNING(f"{summary}. The other samples are loaded."))

    def _load(self, path: Path, name: str) -> str:
        """Import one sample file; why it was skipped, or "" when it imported."""
        try:
            with ImportSource(path, max_decompressed=settings.CDSC_IMPORT_MAX_DECOMPRESSED_BYTES) as source:
                head = source.head
        except ImportFileError as exc:
            return f"it cannot be read: {exc}"
        try:
            detected = adapter_for("auto", head).name
        except ImportFileError:
            return f"no adapter reads it (the formats we read: {', '.join(registry())})."
        psr = None
        if detected in AREALESS_PSR:
            psr = psr_get(AREALESS_PSR[detected])
            if psr is None:
                return f"it goes to the PSR {AREALESS_PSR[detected]}, which is missing; run setup_demo first."
        job = import_job_create(source_path=str(path), requested_format=detected, psr=psr)
        try:
            job = import_job_run(job_id=job.pk)
        except Exception:
            # An internal error: the job is marked failed (its message says why, the log has the traceback); a demo
            # sample is not worth stopping the demo for.
            job.refresh_from_db()
        self.stdout.write(
            f"{name}: {job.detected_format} -> {psr.pk if psr else 'areas named in the file'}: {job.status}, "
            f"read {job.rows_read}, inserted {job.rows_inserted}, updated {job.rows_updated}, "
            f"unchanged {job.rows_unchanged}, rejected {job.rows_rejected}"
        )
        if job.status == ImportJob.Status.SUCCEEDED:
            return ""
        errors = [
            f"\n  line {error.line} [{error.column}={error.value!r}]: {error.reason}" for error in job.errors.all()[:5]
        ]
        return f"its import {job.status} ({detected}): {job.message}" + "".join(errors)
