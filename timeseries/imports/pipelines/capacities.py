"""The installed-capacity pipeline: a capacity file (a row per production type and year) written all or nothing."""

from django.db import transaction

from metadata.models import FuelSourceTechnology, FuelSourceType
from psr.choices import PowerUnit
from psr.models import InstalledCapacity, PowerSystemResource
from psr.services import installed_capacity_set

from ...models import ImportJob
from ..adapters import Adapter
from ..files import ImportSource
from ..outcome import Counts, job_conclude, job_finish_dry_run, summary_text
from ..records import ImportOptions, RowError
from ..validate import CapacityIn, RowValidator
from .base import Progress
from .whole_file import read_whole


def run(
    *, job: ImportJob, adapter: Adapter, source: ImportSource, options: ImportOptions, progress: Progress | None
) -> None:
    """Check the file whole, then write each capacity (new, changed or left alone) in the job's transaction."""
    rows, errors, _read, rejected = read_whole(
        job,
        adapter.records(source.text, options),
        check=RowValidator().check_capacity,
        kind=CapacityIn,
        key=lambda row: (row.psr_id, row.fuel_type_id, row.technology_id, row.start),
        duplicate=lambda row, record, first: RowError(
            row.line, "fuel_type", record.fuel_type, f"the same fuel and year as line {first}."
        ),
    )
    counts = Counts()
    with transaction.atomic():
        for row in rows:
            stored = InstalledCapacity.objects.filter(
                psr_id=row.psr_id,
                fuel_type_id=row.fuel_type_id,
                technology_id=row.technology_id,
                start_datetime=row.start,
            ).first()
            if stored is None:
                counts.inserted += 1
            elif (stored.value, stored.unit, stored.end_datetime) == (row.value, PowerUnit.MW, row.end):
                counts.unchanged += 1
                continue
            else:
                counts.updated += 1
            installed_capacity_set(
                psr=PowerSystemResource.objects.get(pk=row.psr_id),
                fuel_type=FuelSourceType.objects.get(pk=row.fuel_type_id),
                technology=FuelSourceTechnology.objects.get(pk=row.technology_id) if row.technology_id else None,
                value=row.value,
                start_datetime=row.start,
                end_datetime=row.end,
            )
        summary = summary_text(job, counts, rejected) + " (installed capacities)"
        job_conclude(job, counts, summary, errors)
    job_finish_dry_run(job, summary, errors)
