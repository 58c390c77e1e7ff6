"""Roll-up: a PSR with no series of its own answers with the sum over its subtree."""

import pytest

from psr import services as psr_services
from tests.timeseries.helpers import (
    COAL,
    HOUR,
    QUARTER,
    STEAM,
    WIND,
    WIND_TECH,
    errors_of,
    fuel_name,
    psr,
    run,
    tech_name,
    url,
    utc,
    walk,
    z,
)
from tests.timeseries.helpers import write as write_series
from timeseries.services import PointIn

pytestmark = pytest.mark.django_db

T0 = utc(2022, 6, 1)
WECC, CISO, NEVP, LADWP, ERCOT = "US-WECC", "US-WECC-CISO", "US-WECC-NEVP", "US-WECC-LADWP", "US-ERCOT"
HYDRO = "US-WECC-CISO-ABC-HYDRO"
HYDRO_FUEL = "F01050200"


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def values(body: dict, quantity: str) -> list[float]:
    return [i["value"] for i in body[quantity]]


def by_fuel(item: dict) -> dict[str, float]:
    return {s["type"]: s["value"] for s in item["valueByFuelSource"]}


def test_rollup_sums_children_on_each_interval_and_says_so(api, demo):
    write_series(CISO, "generation", run(T0, [10.0, 20.0]), fuel=COAL, tech=STEAM)
    write_series(CISO, "generation", run(T0, [1.0, 2.0]), fuel=WIND, tech=WIND_TECH)
    write_series(NEVP, "generation", run(T0, [5.0, 5.0, 7.0]), fuel=COAL, tech=STEAM)  # one hour more
    write_series(LADWP, "generation", run(T0, [100.0]))  # a total, no breakdown

    body = ok(api.get(url(WECC, "generation")))

    assert body["rolledUp"] is True
    assert body["id"] == WECC and body["unit"] == "MWh"
    assert [(i["startDatetime"], i["endDatetime"]) for i in body["generation"]] == [
        (z(T0 + h * HOUR), z(T0 + (h + 1) * HOUR)) for h in range(3)
    ]
    assert values(body, "generation") == [10.0 + 1.0 + 5.0 + 100.0, 20.0 + 2.0 + 5.0, 7.0]
    coal = {"technology": tech_name(STEAM), "type": fuel_name(COAL)}
    wind = {"technology": tech_name(WIND_TECH), "type": fuel_name(WIND)}
    assert [i["valueByFuelSource"] for i in body["generation"]] == [
        [{**coal, "value": 15.0}, {**wind, "value": 1.0}],
        [{**coal, "value": 25.0}, {**wind, "value": 2.0}],
        [{**coal, "value": 7.0}],
    ]


def test_rollup_converts_units_like_any_answer(api, demo):
    write_series(CISO, "demand", run(T0, [1.25]))
    write_series(NEVP, "demand", run(T0, [0.5]))
    body = ok(api.get(url(WECC, "demand"), {"unit": "kWh"}))
    assert body["unit"] == "kWh" and body["rolledUp"] is True
    assert values(body, "demand") == [1750.0]


def test_a_child_with_a_total_and_a_breakdown_counts_its_total_once(api, demo):
    write_series(CISO, "generation", run(T0, [50.0]))
    write_series(CISO, "generation", run(T0, [30.0]), fuel=COAL, tech=STEAM)
    write_series(CISO, "generation", run(T0, [10.0]), fuel=WIND)
    write_series(NEVP, "generation", run(T0, [5.0]), fuel=COAL, tech=STEAM)

    item = ok(api.get(url(WECC, "generation")))["generation"][0]

    assert item["value"] == 50.0 + 5.0
    assert by_fuel(item) == {fuel_name(COAL): 35.0, fuel_name(WIND): 10.0}


def test_rollup_reaches_grandchildren(api, demo):
    write_series(HYDRO, "generation", run(T0, [40.0]), fuel=HYDRO_FUEL)
    body = ok(api.get(url(CISO, "generation")))
    assert body["rolledUp"] is True
    assert values(body, "generation") == [40.0]
    assert by_fuel(body["generation"][0]) == {fuel_name(HYDRO_FUEL): 40.0}


def test_a_psr_with_its_own_series_is_not_rolled_up(api, demo):
    write_series(CISO, "generation", run(T0, [100.0]))
    write_series(HYDRO, "generation", run(T0, [40.0]), fuel=HYDRO_FUEL)
    body = ok(api.get(url(CISO, "generation")))
    assert "rolledUp" not in body
    assert values(body, "generation") == [100.0]
    assert body["generation"][0]["valueByFuelSource"] == []


def test_rollup_counts_a_grandchild_once_when_its_parent_reports_its_own_total(api, demo):
    # CISO answers 100 by itself (its hydro plant's 40 is inside it); NEVP answers 50. WECC = CISO + NEVP.
    write_series(CISO, "generation", run(T0, [100.0]))
    write_series(HYDRO, "generation", run(T0, [40.0]), fuel=HYDRO_FUEL)
    write_series(NEVP, "generation", run(T0, [50.0]))
    children = [values(ok(api.get(url(c, "generation"))), "generation")[0] for c in (CISO, NEVP)]
    assert children == [100.0, 50.0]

    assert values(ok(api.get(url(WECC, "generation"))), "generation") == [sum(children)]


@pytest.fixture
def flows(demo):
    """Flows inside US-WECC (CISO <-> NEVP) and out of it (NEVP, LADWP <-> US-ERCOT)."""
    for child in (NEVP, LADWP):
        psr_services.connection_ensure(psr=psr(child), connected_psr=psr(ERCOT))
    write_series(CISO, "imports", run(T0, [10.0, 11.0]), to=NEVP)  # internal
    write_series(CISO, "imports", run(T0, [30.0, 31.0]))  # CISO's total, internal flows included
    write_series(NEVP, "imports", run(T0, [7.0, 8.0]), to=ERCOT)
    write_series(LADWP, "imports", run(T0, [2.0]), to=ERCOT)
    write_series(NEVP, "exports", run(T0, [10.0, 11.0]), to=CISO)  # internal
    write_series(NEVP, "exports", run(T0, [3.0, 0.0]), to=ERCOT)


def test_rolled_up_imports_count_only_flows_from_outside_the_subtree(api, flows):
    body = ok(api.get(url(WECC, "imports")))
    assert body["rolledUp"] is True
    assert body["imports"] == [
        {
            "startDatetime": z(T0),
            "endDatetime": z(T0 + HOUR),
            "value": 7.0 + 2.0,
            "valueByConnectedPSR": [{"connectedPSR": ERCOT, "value": 9.0}],
        },
        {
            "startDatetime": z(T0 + HOUR),
            "endDatetime": z(T0 + 2 * HOUR),
            "value": 8.0,
            "valueByConnectedPSR": [{"connectedPSR": ERCOT, "value": 8.0}],
        },
    ]


def test_rolled_up_exports_count_only_flows_to_outside_the_subtree(api, flows):
    body = ok(api.get(url(WECC, "exports")))
    assert body["rolledUp"] is True
    assert values(body, "exports") == [3.0, 0.0]
    assert [i["valueByConnectedPSR"] for i in body["exports"]] == [
        [{"connectedPSR": ERCOT, "value": 3.0}],
        [{"connectedPSR": ERCOT, "value": 0.0}],
    ]


def test_a_child_still_sees_its_flows_with_its_siblings(api, flows):
    body = ok(api.get(url(CISO, "imports")))
    assert "rolledUp" not in body
    assert values(body, "imports") == [30.0, 31.0]
    assert body["imports"][0]["valueByConnectedPSR"] == [{"connectedPSR": NEVP, "value": 10.0}]


def test_price_is_never_rolled_up(api, demo):
    write_series(CISO, "price", run(T0, [30.0]), unit="USD")
    write_series(NEVP, "price", run(T0, [40.0]), unit="USD")
    body = ok(api.get(url(WECC, "price")))
    assert body["price"] == []
    assert "rolledUp" not in body
    assert body["timeframe"] == "day-ahead"


def test_a_psr_with_no_data_anywhere_below_is_empty_and_not_rolled_up(api, demo):
    write_series(CISO, "demand", run(T0, [1.0]))
    for psr_id in (ERCOT, NEVP):
        body = ok(api.get(url(psr_id, "demand")))
        assert body["demand"] == [] and "rolledUp" not in body


@pytest.fixture
def mixed_lengths(demo):
    write_series(CISO, "demand", run(T0, [10.0, 20.0]))  # hourly
    write_series(NEVP, "demand", run(T0, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], QUARTER))


def test_children_with_different_interval_lengths_are_400_naming_resolution(api, mixed_lengths):
    response = api.get(url(WECC, "demand"))
    assert response.status_code == 400
    assert errors_of(response) == ["resolution"]


def test_children_with_different_interval_lengths_roll_up_at_a_common_resolution(api, mixed_lengths):
    body = ok(api.get(url(WECC, "demand"), {"resolution": "PT1H"}))
    assert body["rolledUp"] is True and body["resolution"] == "PT1H"
    assert values(body, "demand") == [10.0 + 1 + 2 + 3 + 4, 20.0 + 5 + 6 + 7 + 8]


def test_rolled_up_pages_return_every_interval_once(api, demo):
    write_series(CISO, "demand", run(T0, [float(h) for h in range(10)]))
    write_series(NEVP, "demand", run(T0 + 5 * HOUR, [100.0] * 10))  # overlaps CISO's last 5 hours
    pages = walk(api, url(WECC, "demand"), {"pageSize": 3}, "demand")
    got = [(i["startDatetime"], i["value"]) for page in pages for i in page]
    expected = [(z(T0 + h * HOUR), (h if h < 10 else 0) + (100.0 if h >= 5 else 0)) for h in range(15)]
    assert got == expected


def test_rollup_of_a_quantity_with_a_missing_child_interval_keeps_the_others(api, demo):
    write_series(CISO, "demand", [PointIn(T0, T0 + HOUR, 1.0), PointIn(T0 + 2 * HOUR, T0 + 3 * HOUR, 3.0)])
    write_series(NEVP, "demand", run(T0, [10.0, 20.0, 30.0]))
    assert values(ok(api.get(url(WECC, "demand"))), "demand") == [11.0, 20.0, 33.0]


def test_a_series_written_after_a_query_is_served_at_once(api, demo):
    assert ok(api.get(url(WECC, "demand")))["demand"] == []
    write_series(NEVP, "demand", run(T0, [4.0]))
    body = ok(api.get(url(WECC, "demand")))
    assert body["rolledUp"] is True and values(body, "demand") == [4.0]
    write_series(WECC, "demand", run(T0, [9.0]))  # now it has its own
    body = ok(api.get(url(WECC, "demand")))
    assert "rolledUp" not in body and values(body, "demand") == [9.0]


def test_moving_a_psr_out_of_the_subtree_changes_the_rollup_at_once(api, demo):
    write_series(CISO, "demand", run(T0, [1.0]))
    write_series(NEVP, "demand", run(T0, [10.0]))
    assert values(ok(api.get(url(WECC, "demand"))), "demand") == [11.0]

    psr_services.psr_upsert(
        id=NEVP, name="Nevada Power Company", topology_level="Balancing Authority Area", parent=ERCOT
    )

    assert values(ok(api.get(url(WECC, "demand"))), "demand") == [1.0]
    assert values(ok(api.get(url(ERCOT, "demand"))), "demand") == [10.0]
