"""The demo's meter readings (`make run`): every format and validity across the demo projects, the solar SCADA
stream from the real PV sample, and none of it in the grid's series."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum

from psr.choices import ReadingFormat, ReadingValidity
from psr.demo import load_demo_grid, load_demo_projects
from tests.conftest import once_per_module
from tests.timeseries.helpers import METER_SAMPLES, needs_meter_samples
from timeseries.demo_readings import PV_SAMPLE
from timeseries.models import Point, Series

pytestmark = pytest.mark.django_db


def load_demo_grid_and_projects() -> None:
    load_demo_grid()
    load_demo_projects()


_projects = once_per_module("_projects", load_demo_grid_and_projects)


@pytest.fixture
def projects(_projects, db) -> None:
    """The demo grid and its production projects (loaded once for the module)."""


def _load(folder: str = "") -> str:
    out = StringIO()
    call_command("load_demo_readings", *([folder] if folder else []), stdout=out)
    return out.getvalue()


def _held() -> set[tuple[str, str, str]]:
    return set(
        Series.objects.filter(meter__isnull=False, points__isnull=False)
        .values_list("meter__project_id", "reading_format", "validity")
        .distinct()
    )


def test_the_demo_projects_hold_every_format_and_validity_and_loading_again_changes_nothing(projects):
    _load()
    held = _held()
    assert {f for _, f, _ in held} == set(ReadingFormat.values)
    assert {v for _, _, v in held} == set(ReadingValidity.values)
    net_metered = {(f, v) for p, f, v in held if p == "US-CISO-FARM-WIND-NEM"}
    assert net_metered == {("settlement", "total_gross"), ("settlement", "net_metering")}
    assert ("ES-ALMARAZ-1-VPPA", "settlement", "contracted") in held
    before = dict(Series.objects.annotate(n=Count("points")).values_list("pk", "n"))
    _load()
    assert dict(Series.objects.annotate(n=Count("points")).values_list("pk", "n")) == before
    assert not Series.objects.filter(psr__isnull=False).exists()  # the grid's series are not touched


def test_the_vppa_contracted_stream_is_the_contracts_share_of_the_units_output(projects):
    _load()

    def total(validity: str) -> float:
        stream = Series.objects.get(
            meter__project_id="ES-ALMARAZ-1-VPPA", reading_format="settlement", validity=validity
        )
        return Point.objects.filter(series=stream).aggregate(s=Sum("value"))["s"]

    assert total("contracted") == pytest.approx(0.10 * total("total_gross"))


@needs_meter_samples
def test_the_solar_scada_stream_is_the_real_pv_sample(projects):
    out = _load(METER_SAMPLES)
    scada = Series.objects.get(meter__project_id="US-CISO-SERF-PV", reading_format="scada")
    rows = [line for line in (Path(METER_SAMPLES) / PV_SAMPLE).read_text().splitlines()[1:] if line.strip()]
    assert Point.objects.filter(series=scada).count() == len(rows) and "US-CISO-SERF-PV_1" in out
    first = Point.objects.filter(series=scada).order_by("start").first()
    watts = float(rows[0].split(",")[1])
    assert first.start.isoformat() == "2016-07-01T07:00:00+00:00" and first.value == pytest.approx(watts * 0.25 / 1000)
