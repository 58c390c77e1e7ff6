"""Ranges with no data and the ends of the calendar (years 1 and 9999): an answer, never a server error."""

import pytest
from django.db import transaction

from psr import services as psr_services
from psr.demo import load_demo_grid
from tests.timeseries.helpers import run, url, utc
from tests.timeseries.helpers import write as write_series

pytestmark = pytest.mark.django_db

CISO, SPAIN, TOKYO, UTC_ZONE = "US-WECC-CISO", "EU-CE-ES", "JP-TK", "UTC-ZONE"  # Los Angeles, Madrid, Tokyo
RESOLUTIONS = ["PT15M", "PT1H", "P1D", "P1M", "P1Y"]
LAST_HOUR = utc(9999, 12, 31, 23)  # the calendar's last whole UTC hour


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def buckets(body: dict, quantity: str) -> list[tuple[str, str, float]]:
    return [(i["startDatetime"], i["endDatetime"], i["value"]) for i in body[quantity]]


@pytest.fixture(scope="module")
def _grid(django_db_setup, django_db_blocker):
    """The realistic demo grid (EU-CE-ES in Europe/Madrid among them), a PSR east of Greenwich (Tokyo) and one on
    UTC, loaded once per module in a transaction rolled back at its end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            load_demo_grid()
            for psr_id, tz in ((TOKYO, "Asia/Tokyo"), (UTC_ZONE, "UTC")):
                psr_services.psr_upsert(id=psr_id, name=psr_id, topology_level="Bidding zone", parent=None, timezone=tz)
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def grid(_grid, db) -> None:
    """Each test in a savepoint inside the module's grid."""


@pytest.fixture
def demand_2022(grid) -> None:
    """Two days of hourly demand in 2022 at each PSR: data exists, just not where the requests below look."""
    for psr_id in (CISO, SPAIN, TOKYO):
        write_series(psr_id, "demand", run(utc(2022, 1, 1), [1.0] * 48))


@pytest.mark.parametrize("resolution", RESOLUTIONS)
@pytest.mark.parametrize("psr_id", [CISO, SPAIN, TOKYO])
@pytest.mark.parametrize(
    ("start", "end"),
    [("2030-01-01", "2030-01-02"), ("0001-01-01", "0001-01-02"), ("9999-12-30", "9999-12-31")],
    ids=["2030", "year-1", "year-9999"],
)
def test_a_resampled_range_without_data_is_an_empty_list(api, demand_2022, psr_id, start, end, resolution):
    params = {"startDatetime": start, "endDatetime": end, "resolution": resolution}
    body = ok(api.get(url(psr_id, "demand"), params))
    assert body["demand"] == [] and body["next"] is None and body["previous"] is None
    assert ok(api.get(url(psr_id, "demand"), {"startDatetime": start, "endDatetime": end}))["demand"] == []
