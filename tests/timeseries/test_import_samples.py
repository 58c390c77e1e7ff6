"""The real public samples (../shared/data/public, via CDSC_SAMPLE_DATA) imported unedited through the service."""

import os
from pathlib import Path

import pytest

from psr.models import PowerSystemResource
from psr.services import external_identifier_add, psr_upsert
from timeseries.imports.jobs import import_job_create, import_job_run
from timeseries.models import Point

SAMPLES = os.environ.get("CDSC_SAMPLE_DATA", "")
pytestmark = pytest.mark.skipif(
    not SAMPLES, reason="CDSC_SAMPLE_DATA is not set (path of the real sample data, ../shared/data/public)"
)


@pytest.fixture
def europe(demo) -> None:
    """Spain and France bidding zones, named as ENTSO-E names them."""
    for psr_id, zone in (("EU-CE-ES", "BZN|ES"), ("EU-CE-FR", "BZN|FR")):
        psr = psr_upsert(
            id=psr_id, name=zone, topology_level="Balancing Authority Area", parent=None, timezone="Europe/Madrid"
        )
        external_identifier_add(psr=psr, identifier=f"entsoe:{zone}")


def _run(name: str, **options):
    path = Path(SAMPLES) / name
    job = import_job_run(job_id=import_job_create(source_path=str(path), **options).pk)
    assert job.status == "succeeded", (job.message, [e.reason for e in job.errors.all()[:5]])
    assert job.rows_rejected == 0
    return job


@pytest.mark.parametrize(
    ("name", "fmt", "rows"),
    [
        ("entsoe/Actual Generation per Production Type_202211010000-202211020000.csv", "entsoe-generation", 1824),
        ("entsoe/Total Load - Day Ahead _ Actual_202211010000-202211020000.csv", "entsoe-load", 192),
        ("entsoe/Cross-Border Physical Flow_202211010000-202211020000.csv", "entsoe-flow", 96),
    ],
)
def test_entsoe_samples_import_strictly_and_twice_changes_nothing(europe, name, fmt, rows):
    first = _run(name)
    assert (first.detected_format, first.rows_inserted) == (fmt, rows)
    second = _run(name)
    assert (second.rows_inserted, second.rows_updated, second.rows_unchanged) == (0, 0, rows)


def test_entsoe_generation_is_served_in_mwh_at_the_right_time(europe, api):
    _run("entsoe/Actual Generation per Production Type_202211010000-202211020000.csv")
    body = api.get(
        "/power-system-resources/EU-CE-ES/timeseries/generation"
        "?startDatetime=2022-11-01T00:00:00Z&endDatetime=2022-11-01T00:15:00Z"
    ).json()
    interval = body["generation"][0]
    assert (interval["startDatetime"], interval["endDatetime"]) == ("2022-11-01T00:00:00Z", "2022-11-01T00:15:00Z")
    biomass = [v for v in interval["valueByFuelSource"] if v["type"].startswith("Renewable - Solid")]
    assert biomass[0]["value"] == 101.0  # 404 MW over a quarter hour, as the file says
    assert PowerSystemResource.objects.get(pk="EU-CE-ES").series.exists()
    assert Point.objects.filter(series__psr_id="EU-CE-ES").count() == 1824
