"""The meter-readings pipeline: production projects' meter readings (ReadingRecord) go through the time-series
pipeline's stages (row checks, staging, set-based checks, one upsert in one transaction) into meter streams."""

from django.core.exceptions import ValidationError

from psr.models import Meter

from ...models import ImportJob, Series
from ...services import meter_series_get_or_create
from ..adapters import Adapter
from ..files import ImportSource
from ..records import ImportOptions
from ..validate import ReadingDimensions, ReadingValidator
from .base import Progress
from .timeseries import iso, run_into


class ReadingsTarget:
    """Meter streams: one series per meter, format, validity and direction."""

    def __init__(self, adapter: Adapter, options: ImportOptions) -> None:
        self.validator = ReadingValidator(
            meter=options.meter,
            reading_format=options.reading_format or getattr(adapter, "DEFAULT_FORMAT", None),
            validity=options.validity or getattr(adapter, "DEFAULT_VALIDITY", None),
        )

    def series_for(self, dims: dict[int, ReadingDimensions]) -> tuple[dict[int, Series], dict[int, str]]:
        series, errors = {}, {}
        for dim, d in dims.items():
            try:
                series[dim] = meter_series_get_or_create(
                    meter=Meter(pk=d.meter_id),
                    reading_format=d.reading_format,
                    validity=d.validity,
                    direction=d.direction,
                )
            except ValidationError as exc:
                errors[dim] = " ".join(exc.messages)
        return series, errors

    def label(self, dim: ReadingDimensions) -> str:
        return f"meter {dim.meter_number} {dim.reading_format} ({dim.validity}, {dim.direction})"

    def written(self, dims: dict[int, ReadingDimensions], ranges: dict) -> list[dict]:
        out = []
        for dim, (first, last, _) in sorted(ranges.items()):
            d = dims[dim]
            out.append(
                {
                    "label": self.label(d),
                    "project": d.project_id,
                    "meter": d.meter_number,
                    "reading_format": d.reading_format,
                    "validity": d.validity,
                    "direction": d.direction,
                    "start": iso(first),
                    "end": iso(last),
                }
            )
        return out


def run(
    *, job: ImportJob, adapter: Adapter, source: ImportSource, options: ImportOptions, progress: Progress | None
) -> None:
    """Read, check and write a file of meter readings, as the time-series pipeline does for the grid's series."""
    run_into(
        ReadingsTarget(adapter, options), job=job, adapter=adapter, source=source, options=options, progress=progress
    )
