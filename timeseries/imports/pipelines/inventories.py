"""The inventory pipeline: a generator inventory becomes plants and units under their balancing areas, with the
units' installed capacities, written in bulk by the PSR inventory service in the job's one transaction."""

from django.core.exceptions import ValidationError
from django.db import transaction

from psr.services.inventory import GeneratingUnit, generating_units_apply

from ... import cache
from ...models import ImportJob
from ...versions import data_changed, raised_at_end
from ..adapters import InventoryAdapter
from ..files import ImportSource
from ..outcome import Counts, JobFailed, job_conclude, job_finish_dry_run, merge_errors, strict_failure, summary_text
from ..records import ImportOptions, RowError
from ..validate import RowValidator
from .base import Progress
from .whole_file import read_whole


def run(
    *,
    job: ImportJob,
    adapter: InventoryAdapter,
    source: ImportSource,
    options: ImportOptions,
    progress: Progress | None,
) -> None:
    """Held whole (a few thousand generators for a large balancing area); counts are per generator."""
    units, errors, read, rejected = read_whole(
        job,
        adapter.records(source.text, options),
        check=RowValidator().check_generating_unit,
        kind=GeneratingUnit,
        key=lambda unit: unit.unit_key,
        duplicate=lambda unit, record, first: RowError(
            unit.line, "generatorid", unit.unit_key.partition(":")[2], f"the same generator as line {first}."
        ),
    )
    with transaction.atomic(), raised_at_end():
        data_changed()  # PSRs created in bulk send no signals
        try:
            result = generating_units_apply(units=units, asset_info_name=adapter.asset_info, user=job.created_by)
        except ValidationError as exc:
            raise JobFailed(" ".join(exc.messages), errors) from exc
        refused = [RowError(*r) for r in result.refused]
        rejected += len(refused)
        errors = merge_errors(errors, refused)
        job.rows_rejected = rejected
        if refused and job.mode == ImportJob.Mode.STRICT:
            transaction.set_rollback(True)
            raise strict_failure(rejected, read, errors)
        counts = Counts(inserted=result.inserted, updated=result.updated, unchanged=result.unchanged)
        if not job.dry_run and (counts.inserted or counts.updated):
            cache.bump()  # the bulk writes send no save signals
        summary = summary_text(job, counts, rejected) + " (generating units)"
        job_conclude(job, counts, summary, errors)
    job_finish_dry_run(job, summary, errors)
