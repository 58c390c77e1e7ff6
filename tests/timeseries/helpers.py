"""Small builders shared by the time-series tests: UTC datetimes, runs of points, series writes, page walks."""

import os
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from cdsc_site.api.datetimes import format_datetime
from metadata.selectors import fuel_source_technology_get, fuel_source_type_get
from psr.models import PowerSystemResource
from timeseries.choices import default_timeframe
from timeseries.models import Series
from timeseries.services import PointIn, points_write, series_get_or_create

# The real public samples (../shared/data/public), read in place; `make test` sets the variable when they are there.
SAMPLES = os.environ.get("CDSC_SAMPLE_DATA", "")
needs_samples = pytest.mark.skipif(
    not SAMPLES, reason="CDSC_SAMPLE_DATA is not set (the path of ../shared/data/public with the real samples)"
)
METER_SAMPLES = os.environ.get("CDSC_METER_DATA", "")
needs_meter_samples = pytest.mark.skipif(
    not METER_SAMPLES,
    reason="CDSC_METER_DATA is not set (the path of ../shared/data/meters with the real meter-level samples)",
)

HOUR = timedelta(hours=1)
QUARTER = timedelta(minutes=15)

COAL, WIND, SOLAR = "F02010100", "F01050100", "F01040100"
STEAM, PV, WIND_TECH = "T050900", "T010100", "T020000"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def z(value: datetime) -> str:
    """The RFC 3339 UTC text the API writes for an instant."""
    return format_datetime(value)


def run(start: datetime, values: Sequence[float], step: timedelta = HOUR) -> list[PointIn]:
    """Consecutive intervals of length `step` from `start`, one per value."""
    return [PointIn(start + i * step, start + (i + 1) * step, v) for i, v in enumerate(values)]


def psr(psr_id: str) -> PowerSystemResource:
    return PowerSystemResource.objects.get(pk=psr_id)


def write(
    psr_id: str,
    quantity: str,
    points: Iterable[PointIn],
    *,
    unit: str = "MWh",
    timeframe: str | None = None,
    fuel: str | None = None,
    tech: str | None = None,
    to: str | None = None,
) -> Series:
    """Write points to the series of these dimensions (created on first use) and return the series."""
    series = series_get_or_create(
        psr=psr(psr_id),
        quantity=quantity,
        unit=unit,
        timeframe=timeframe or default_timeframe(quantity),
        fuel_type=fuel_source_type_get(fuel) if fuel else None,
        technology=fuel_source_technology_get(tech) if tech else None,
        connected_psr=psr(to) if to else None,
    )
    points_write(series=series, points=points, unit=unit)
    return series


def fuel_name(code: str) -> str:
    return fuel_source_type_get(code).name


def tech_name(code: str) -> str:
    return fuel_source_technology_get(code).name


def url(psr_id: str, quantity: str, *, short: bool = False) -> str:
    return f"/power-system-resources/{psr_id}/{'' if short else 'timeseries/'}{quantity}"


def spans(items: list[dict]) -> list[tuple[str, str]]:
    return [(i["startDatetime"], i["endDatetime"]) for i in items]


def walk(api, first_url: str, params: dict | None, quantity: str, *, direction: str = "next") -> list[list[dict]]:
    """Every page from the first, following `direction` links until null; each page's items."""
    response = api.get(first_url, params or {})
    pages = []
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append(body[quantity])
        if body[direction] is None:
            return pages
        assert len(pages) < 500, "pagination does not end"
        response = api.get(body[direction])


def errors_of(response) -> list[str]:
    """The parameters a problem-details 400 names."""
    assert response["Content-Type"] == "application/problem+json", response.content
    body = response.json()
    assert body["status"] == response.status_code
    return [e.get("parameter") for e in body.get("errors", [])]


def holder(series: Series, start) -> str:
    """The partition holding a series' point."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM timeseries_point WHERE series_id = %s AND start = %s",
            [series.pk, start],
        )
        return cursor.fetchone()[0]
