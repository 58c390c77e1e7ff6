"""The time-series endpoints end to end: every quantity at both paths, ranges, timeframes, units, pages, errors."""

from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing

from tests.timeseries.helpers import (
    COAL,
    HOUR,
    PV,
    SOLAR,
    STEAM,
    WIND,
    WIND_TECH,
    errors_of,
    fuel_name,
    run,
    spans,
    tech_name,
    url,
    utc,
    walk,
    z,
)
from tests.timeseries.helpers import write as write_series
from timeseries.services import PointIn, points_write

pytestmark = pytest.mark.django_db

T0 = utc(2022, 6, 1)
CISO, NEVP, LADWP = "US-WECC-CISO", "US-WECC-NEVP", "US-WECC-LADWP"
BOTH_PATHS = pytest.mark.parametrize("short", [False, True], ids=["timeseries-path", "short-path"])


def get(api, psr_id, quantity, params=None, *, short=False, **extra):
    return api.get(url(psr_id, quantity, short=short), params or {}, **extra)


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def interval(start, end, value, **rest) -> dict:
    return {"startDatetime": z(start), "endDatetime": z(end), "value": value, **rest}


# ---------------------------------------------------------------- every quantity


@BOTH_PATHS
def test_generation_value_is_the_reported_total_and_breakdown_is_named_by_the_catalogue(api, demo, short):
    # Wind written first, so a sorted breakdown is not just insertion order.
    write_series(CISO, "generation", run(T0, [30.0, 35.0]), fuel=WIND, tech=WIND_TECH)
    write_series(CISO, "generation", run(T0, [60.0, 70.0]), fuel=COAL, tech=STEAM)
    write_series(CISO, "generation", run(T0, [100.0, 110.0]))  # the reported total, more than the breakdown

    body = ok(get(api, CISO, "generation", short=short))

    coal = {"technology": tech_name(STEAM), "type": fuel_name(COAL)}
    wind = {"technology": tech_name(WIND_TECH), "type": fuel_name(WIND)}
    assert coal["type"] == "Fossil - Solid - Hard coal - Unspecified"
    assert body == {
        "id": CISO,
        "unit": "MWh",
        "generation": [
            interval(T0, T0 + HOUR, 100.0, valueByFuelSource=[{**coal, "value": 60.0}, {**wind, "value": 30.0}]),
            interval(
                T0 + HOUR, T0 + 2 * HOUR, 110.0, valueByFuelSource=[{**coal, "value": 70.0}, {**wind, "value": 35.0}]
            ),
        ],
        "next": None,
        "previous": None,
    }


def test_fuel_breakdown_is_sorted_by_fuel_type_name_then_technology_name(api, demo):
    write_series(CISO, "generation", run(T0, [1.0]), fuel=WIND)  # no technology
    write_series(CISO, "generation", run(T0, [2.0]), fuel=SOLAR, tech=PV)
    write_series(CISO, "generation", run(T0, [3.0]), fuel=COAL, tech=STEAM)

    items = ok(get(api, CISO, "generation"))["generation"][0]["valueByFuelSource"]

    assert [i["type"] for i in items] == sorted(fuel_name(code) for code in (WIND, SOLAR, COAL))


def test_generation_without_a_reported_total_is_the_sum_of_the_breakdown(api, demo):
    write_series(NEVP, "generation", run(T0, [12.5, 0.0]), fuel=COAL, tech=STEAM)
    write_series(NEVP, "generation", run(T0, [7.25, 3.0]), fuel=SOLAR)

    body = ok(get(api, NEVP, "generation"))

    assert [i["value"] for i in body["generation"]] == [12.5 + 7.25, 3.0]
    solar = [s for s in body["generation"][0]["valueByFuelSource"] if s["type"] == fuel_name(SOLAR)]
    assert solar == [{"technology": None, "type": fuel_name(SOLAR), "value": 7.25}]


@BOTH_PATHS
def test_demand_has_values_and_no_breakdown(api, demo, short):
    write_series(CISO, "demand", run(T0, [21000.5, 20500.0, 19999.25]))
    body = ok(get(api, CISO, "demand", short=short))
    assert body == {
        "id": CISO,
        "unit": "MWh",
        "demand": [
            interval(T0, T0 + HOUR, 21000.5),
            interval(T0 + HOUR, T0 + 2 * HOUR, 20500.0),
            interval(T0 + 2 * HOUR, T0 + 3 * HOUR, 19999.25),
        ],
        "next": None,
        "previous": None,
    }


@BOTH_PATHS
@pytest.mark.parametrize("quantity", ["imports", "exports"])
def test_flows_are_broken_down_by_connected_psr_and_never_negative(api, demo, short, quantity):
    write_series(CISO, quantity, run(T0, [5.0, 6.0]), to=NEVP)
    write_series(CISO, quantity, run(T0, [2.0, 0.0]), to=LADWP)

    body = ok(get(api, CISO, quantity, short=short))

    assert body == {
        "id": CISO,
        "unit": "MWh",
        quantity: [
            interval(
                T0,
                T0 + HOUR,
                7.0,
                valueByConnectedPSR=[{"connectedPSR": LADWP, "value": 2.0}, {"connectedPSR": NEVP, "value": 5.0}],
            ),
            interval(
                T0 + HOUR,
                T0 + 2 * HOUR,
                6.0,
                valueByConnectedPSR=[{"connectedPSR": LADWP, "value": 0.0}, {"connectedPSR": NEVP, "value": 6.0}],
            ),
        ],
        "next": None,
        "previous": None,
    }
    assert all(i["value"] >= 0 and all(c["value"] >= 0 for c in i["valueByConnectedPSR"]) for i in body[quantity])


def test_flow_total_series_wins_over_the_breakdown(api, demo):
    write_series(CISO, "imports", run(T0, [4.0]), to=NEVP)
    write_series(CISO, "imports", run(T0, [9.0]))  # total over every tie, some not itemised
    body = ok(get(api, CISO, "imports"))
    assert body["imports"] == [interval(T0, T0 + HOUR, 9.0, valueByConnectedPSR=[{"connectedPSR": NEVP, "value": 4.0}])]


@BOTH_PATHS
def test_price_is_day_ahead_by_default_in_its_currency(api, demo, short):
    write_series(CISO, "price", run(T0, [30.5, 31.25]), unit="USD")
    write_series(CISO, "price", run(T0, [99.0]), unit="USD", timeframe="actual")

    body = ok(get(api, CISO, "price", short=short))

    assert body == {
        "id": CISO,
        "unit": "USD",
        "timeframe": "day-ahead",
        "price": [interval(T0, T0 + HOUR, 30.5), interval(T0 + HOUR, T0 + 2 * HOUR, 31.25)],
        "next": None,
        "previous": None,
    }
    actual = ok(get(api, CISO, "price", {"timeframe": "actual"}))
    assert actual["timeframe"] == "actual"
    assert actual["price"] == [interval(T0, T0 + HOUR, 99.0)]


@BOTH_PATHS
def test_curtailment_is_broken_down_by_fuel_source(api, demo, short):
    write_series(CISO, "curtailment", run(T0, [4.0]), fuel=WIND)
    write_series(CISO, "curtailment", run(T0, [3.5]), fuel=SOLAR)

    body = ok(get(api, CISO, "curtailment", short=short))

    assert body == {
        "id": CISO,
        "unit": "MWh",
        "curtailment": [
            interval(
                T0,
                T0 + HOUR,
                7.5,
                valueByFuelSource=[
                    {"technology": None, "type": fuel_name(SOLAR), "value": 3.5},
                    {"technology": None, "type": fuel_name(WIND), "value": 4.0},
                ],
            )
        ],
        "next": None,
        "previous": None,
    }


def test_quantities_do_not_leak_into_each_other(api, demo):
    write_series(CISO, "demand", run(T0, [1.0]))
    write_series(CISO, "generation", run(T0, [2.0]))
    assert ok(get(api, CISO, "demand"))["demand"] == [interval(T0, T0 + HOUR, 1.0)]
    assert [i["value"] for i in ok(get(api, CISO, "generation"))["generation"]] == [2.0]
    assert ok(get(api, CISO, "curtailment"))["curtailment"] == []
    assert ok(get(api, NEVP, "demand"))["demand"] == []


def test_timeframe_selects_the_series_and_is_echoed_only_when_asked(api, demo):
    write_series(CISO, "demand", run(T0, [10.0]))
    write_series(CISO, "demand", run(T0, [11.0]), timeframe="day-ahead")

    default = ok(get(api, CISO, "demand"))
    assert "timeframe" not in default
    assert default["demand"] == [interval(T0, T0 + HOUR, 10.0)]
    day_ahead = ok(get(api, CISO, "demand", {"timeframe": "day-ahead"}))
    assert day_ahead["timeframe"] == "day-ahead"
    assert day_ahead["demand"] == [interval(T0, T0 + HOUR, 11.0)]
    hour_ahead = ok(get(api, CISO, "demand", {"timeframe": "hour-ahead"}))
    assert hour_ahead["timeframe"] == "hour-ahead"
    assert hour_ahead["demand"] == []


def test_datetimes_are_written_in_utc_with_z_whatever_offset_they_were_written_with(api, demo):
    plus2 = timezone(timedelta(hours=2))
    write_series(
        CISO, "demand", [PointIn(datetime(2022, 6, 1, 2, tzinfo=plus2), datetime(2022, 6, 1, 3, tzinfo=plus2), 1)]
    )
    item = ok(get(api, CISO, "demand"))["demand"][0]
    assert (item["startDatetime"], item["endDatetime"]) == ("2022-06-01T00:00:00Z", "2022-06-01T01:00:00Z")


# ---------------------------------------------------------------- range edges


@pytest.fixture
def six_hours(demo):
    """Hourly demand 2022-05-31T22:00Z .. 2022-06-01T04:00Z, values 1..6."""
    return write_series(CISO, "demand", run(utc(2022, 5, 31, 22), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]))


def demand_spans(api, params) -> list[tuple[str, str]]:
    return spans(ok(get(api, CISO, "demand", params))["demand"])


def test_range_excludes_intervals_straddling_the_start(api, six_hours):
    got = demand_spans(api, {"startDatetime": "2022-06-01T00:30:00Z"})
    assert got[0] == ("2022-06-01T01:00:00Z", "2022-06-01T02:00:00Z")
    assert len(got) == 3


def test_range_excludes_intervals_straddling_the_end(api, six_hours):
    got = demand_spans(api, {"endDatetime": "2022-06-01T01:30:00Z"})
    assert got[-1] == ("2022-06-01T00:00:00Z", "2022-06-01T01:00:00Z")
    assert len(got) == 3


def test_range_includes_intervals_touching_both_edges(api, six_hours):
    got = demand_spans(api, {"startDatetime": "2022-06-01T00:00:00Z", "endDatetime": "2022-06-01T02:00:00Z"})
    assert got == [
        ("2022-06-01T00:00:00Z", "2022-06-01T01:00:00Z"),
        ("2022-06-01T01:00:00Z", "2022-06-01T02:00:00Z"),
    ]


def test_range_with_both_edges_inside_intervals_keeps_only_whole_ones(api, six_hours):
    got = demand_spans(api, {"startDatetime": "2022-06-01T00:30:00Z", "endDatetime": "2022-06-01T02:30:00Z"})
    assert got == [("2022-06-01T01:00:00Z", "2022-06-01T02:00:00Z")]


def test_a_date_means_midnight_utc_not_local_midnight(api, six_hours):
    # US-WECC-CISO is in Los Angeles: a local midnight would be 07:00Z and leave nothing before it.
    assert demand_spans(api, {"startDatetime": "2022-06-01"})[0][0] == "2022-06-01T00:00:00Z"
    assert demand_spans(api, {"endDatetime": "2022-06-01"}) == [
        ("2022-05-31T22:00:00Z", "2022-05-31T23:00:00Z"),
        ("2022-05-31T23:00:00Z", "2022-06-01T00:00:00Z"),
    ]


def test_a_naive_datetime_means_utc(api, six_hours):
    assert demand_spans(api, {"startDatetime": "2022-06-01T01:00:00"})[0][0] == "2022-06-01T01:00:00Z"
    assert demand_spans(api, {"endDatetime": "2022-05-31T23:00:00"}) == [
        ("2022-05-31T22:00:00Z", "2022-05-31T23:00:00Z")
    ]


@pytest.mark.parametrize("start", ["2022-06-01T02:00:00+02:00", "2022-05-31T17:00:00-07:00", "2022-06-01T00:00:00Z"])
def test_an_offset_is_honoured(api, six_hours, start):
    got = demand_spans(api, {"startDatetime": start, "endDatetime": "2022-06-01T03:00:00+01:00"})
    assert got == [
        ("2022-06-01T00:00:00Z", "2022-06-01T01:00:00Z"),
        ("2022-06-01T01:00:00Z", "2022-06-01T02:00:00Z"),
    ]


def test_an_unencoded_plus_offset_in_the_raw_query_string_is_honoured(api, six_hours):
    # A "+" left unencoded in a query string arrives as a space.
    raw = f"{url(CISO, 'demand')}?startDatetime=2022-06-01T02:00:00+02:00&endDatetime=2022-06-01T04:00:00+02:00"
    response = api.get(raw)
    assert response.wsgi_request.GET["startDatetime"] == "2022-06-01T02:00:00 02:00"
    assert spans(ok(response)["demand"]) == [
        ("2022-06-01T00:00:00Z", "2022-06-01T01:00:00Z"),
        ("2022-06-01T01:00:00Z", "2022-06-01T02:00:00Z"),
    ]


def test_an_empty_range_is_200_with_an_empty_array(api, six_hours):
    body = ok(get(api, CISO, "demand", {"startDatetime": "2023-01-01", "endDatetime": "2023-02-01"}))
    assert body == {"id": CISO, "unit": "MWh", "demand": [], "next": None, "previous": None}


def test_a_range_shorter_than_any_interval_is_empty(api, six_hours):
    body = ok(get(api, CISO, "demand", {"startDatetime": "2022-06-01T00:10:00Z", "endDatetime": "2022-06-01T00:50Z"}))
    assert body["demand"] == []


# ---------------------------------------------------------------- pagination


@pytest.fixture
def day_of_demand(demo) -> list[tuple[str, str, float]]:
    """23 hourly intervals from 2022-06-01T00:00Z with values 0.5, 1.5, ...; returns (start, end, value) each."""
    values = [i + 0.5 for i in range(23)]
    write_series(CISO, "demand", run(T0, values))
    return [(z(T0 + i * HOUR), z(T0 + (i + 1) * HOUR), v) for i, v in enumerate(values)]


def flat(pages: list[list[dict]]) -> list[tuple[str, str, float]]:
    return [(i["startDatetime"], i["endDatetime"], i["value"]) for page in pages for i in page]


@pytest.mark.parametrize("size", [1, 7, 1000])
def test_following_next_returns_every_interval_once_in_order(api, day_of_demand, size):
    pages = walk(api, url(CISO, "demand"), {"pageSize": size}, "demand")
    assert flat(pages) == day_of_demand
    assert [len(p) for p in pages[:-1]] == [size] * (len(pages) - 1)
    assert len(pages) == -(-len(day_of_demand) // size)


def test_first_page_has_no_previous_and_the_link_header_matches(api, day_of_demand):
    response = get(api, CISO, "demand", {"pageSize": 10})
    body = ok(response)
    assert body["previous"] is None
    assert body["next"].startswith("http://testserver/power-system-resources/US-WECC-CISO/timeseries/demand?")
    assert response["Link"] == f'<{body["next"]}>; rel="next"'


def test_previous_goes_back_to_the_same_pages(api, day_of_demand):
    forward = []
    response = get(api, CISO, "demand", {"pageSize": 7})
    while True:
        body = ok(response)
        forward.append(body)
        if body["next"] is None:
            break
        response = api.get(body["next"])
    assert len(forward) == 4

    backward = [forward[-1]["demand"]]
    body = forward[-1]
    while body["previous"] is not None:
        body = ok(api.get(body["previous"]))
        backward.append(body["demand"])

    assert backward == [page["demand"] for page in reversed(forward)]


def test_next_links_keep_the_range_and_other_parameters(api, day_of_demand):
    params = {"pageSize": 4, "startDatetime": "2022-06-01T02:00:00Z", "endDatetime": "2022-06-01T13:00:00Z"}
    pages = walk(api, url(CISO, "demand"), {**params, "unit": "kWh"}, "demand")
    expected = [(s, e, v * 1000) for s, e, v in day_of_demand[2:13]]
    assert flat(pages) == expected


def test_pages_stay_exact_while_points_are_written_before_and_after_the_cursor(api, demo):
    # Every other hour, so there is room to write new intervals between the original ones.
    original = [PointIn(T0 + 2 * i * HOUR, T0 + (2 * i + 1) * HOUR, float(i)) for i in range(10)]
    series = write_series(CISO, "demand", original)

    first = ok(get(api, CISO, "demand", {"pageSize": 4}))
    assert [i["value"] for i in first["demand"]] == [0.0, 1.0, 2.0, 3.0]  # hours 0, 2, 4, 6

    before = [PointIn(T0 + h * HOUR, T0 + (h + 1) * HOUR, 100.0 + h) for h in (1, 5)]
    after = [PointIn(T0 + h * HOUR, T0 + (h + 1) * HOUR, 100.0 + h) for h in (9, 11, 19)]
    points_write(series=series, points=before + after, unit="MWh")

    rest = walk(api, first["next"], None, "demand")
    seen = [i["startDatetime"] for i in first["demand"]] + [i["startDatetime"] for page in rest for i in page]
    assert len(seen) == len(set(seen)), "an interval came twice"
    assert seen == sorted(seen)
    assert {z(p.start) for p in original} <= set(seen), "an original interval went missing"
    assert {z(p.start) for p in after} <= set(seen), "a new interval after the cursor was not served"


# ---------------------------------------------------------------- units


@pytest.fixture
def generation_in_mwh(demo):
    write_series(CISO, "generation", run(T0, [1.5, 2.0]), fuel=COAL, tech=STEAM)
    write_series(CISO, "generation", run(T0, [0.25, 0.5]), fuel=WIND)


@pytest.mark.parametrize(("unit", "factor"), [("kWh", 1000), ("Wh", 1_000_000), ("GWh", 0.001), ("MWh", 1)])
def test_unit_converts_values_and_breakdown_from_mwh(api, generation_in_mwh, unit, factor):
    mwh = ok(get(api, CISO, "generation"))
    other = ok(get(api, CISO, "generation", {"unit": unit}))
    assert other["unit"] == unit
    for a, b in zip(mwh["generation"], other["generation"], strict=True):
        assert b["value"] == pytest.approx(a["value"] * factor, rel=1e-12)
        assert [s["value"] for s in b["valueByFuelSource"]] == pytest.approx(
            [s["value"] * factor for s in a["valueByFuelSource"]], rel=1e-12
        )
    assert other["generation"][0]["value"] == pytest.approx(1.75 * factor, rel=1e-12)


def test_kwh_of_a_decimal_value_has_no_binary_noise(api, demo):
    write_series(CISO, "demand", run(T0, [0.1, 0.7]))
    assert [i["value"] for i in ok(get(api, CISO, "demand", {"unit": "kWh"}))["demand"]] == [100.0, 700.0]


@pytest.mark.parametrize("unit", ["MW", "kwh", "TWh", "USD", ""])
def test_an_unknown_energy_unit_is_400_naming_unit(api, generation_in_mwh, unit):
    response = get(api, CISO, "generation", {"unit": unit})
    assert response.status_code == 400
    assert errors_of(response) == ["unit"]


def test_price_in_another_currency_is_400_naming_unit(api, demo):
    write_series(CISO, "price", run(T0, [30.0]), unit="USD")
    response = get(api, CISO, "price", {"unit": "EUR"})
    assert response.status_code == 400
    assert errors_of(response) == ["unit"]
    assert ok(get(api, CISO, "price", {"unit": "USD"}))["price"] == [interval(T0, T0 + HOUR, 30.0)]


def test_an_energy_unit_is_echoed_even_with_no_data(api, demo):
    assert ok(get(api, CISO, "demand", {"unit": "GWh"}))["unit"] == "GWh"


# ---------------------------------------------------------------- bad input


BAD_PARAMETERS = [
    ({"startDatetime": "2022-13-01"}, "startDatetime"),
    ({"startDatetime": "201-06-02"}, "startDatetime"),
    ({"startDatetime": "yesterday"}, "startDatetime"),
    ({"startDatetime": "2022-02-30"}, "startDatetime"),
    ({"startDatetime": "2022-02-30T00:00:00Z"}, "startDatetime"),
    ({"endDatetime": "2022-06-01T25:00:00Z"}, "endDatetime"),
    ({"endDatetime": ""}, "endDatetime"),
    ({"startDatetime": "2022-06-02", "endDatetime": "2022-06-01"}, "endDatetime"),
    ({"startDatetime": "2022-06-01T00:00:00Z", "endDatetime": "2022-06-01T02:00:00+02:00"}, "endDatetime"),
    ({"timeframe": "tomorrow"}, "timeframe"),
    ({"timeframe": "ACTUAL"}, "timeframe"),
    ({"resolution": "PT7M"}, "resolution"),
    ({"resolution": "P2W"}, "resolution"),
    ({"resolution": "abc"}, "resolution"),
    ({"resolution": "PT25H"}, "resolution"),
    ({"unit": "MW"}, "unit"),
    ({"format": "xml"}, "format"),
    ({"pageSize": "0"}, "pageSize"),
    ({"pageSize": "10001"}, "pageSize"),
    ({"pageSize": "abc"}, "pageSize"),
    ({"pageSize": "-1"}, "pageSize"),
    ({"cursor": "not-a-cursor"}, "cursor"),
    ({"cursor": ""}, "cursor"),
]


@pytest.mark.parametrize(("params", "parameter"), BAD_PARAMETERS, ids=[str(p) for p, _ in BAD_PARAMETERS])
def test_bad_input_is_400_naming_the_parameter(api, six_hours, params, parameter):
    response = get(api, CISO, "demand", params)
    assert response.status_code == 400, response.content
    assert errors_of(response) == [parameter]
    body = response.json()
    assert body["title"] == "Bad Request"
    assert parameter in body["detail"]


def test_page_size_bounds_are_accepted(api, six_hours):
    assert len(ok(get(api, CISO, "demand", {"pageSize": 1}))["demand"]) == 1
    assert len(ok(get(api, CISO, "demand", {"pageSize": 10000}))["demand"]) == 6


def test_a_real_cursor_with_one_character_changed_is_400(api, six_hours):
    first = ok(get(api, CISO, "demand", {"pageSize": 2}))
    cursor = parse_qs(urlsplit(first["next"]).query)["cursor"][0]
    assert ok(get(api, CISO, "demand", {"pageSize": 2, "cursor": cursor}))["demand"]  # the real one works
    for position in (0, len(cursor) // 2, len(cursor) - 1):
        changed = cursor[:position] + ("A" if cursor[position] != "A" else "B") + cursor[position + 1 :]
        response = get(api, CISO, "demand", {"pageSize": 2, "cursor": changed})
        assert response.status_code == 400, (position, changed)
        assert errors_of(response) == ["cursor"]


def test_a_cursor_signed_with_another_salt_is_400(api, six_hours):
    forged = signing.dumps(["2022-06-01T02:00:00+00:00", "n"], compress=False)
    response = get(api, CISO, "demand", {"cursor": forged})
    assert response.status_code == 400
    assert errors_of(response) == ["cursor"]


@pytest.mark.parametrize("quantity", ["generation", "price"])
@BOTH_PATHS
def test_unknown_psr_is_404_problem(api, demo, quantity, short):
    response = get(api, "NOPE", quantity, short=short)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404 and "NOPE" in body["detail"]


def test_unknown_quantity_is_404(api, demo):
    response = api.get("/power-system-resources/US-WECC-CISO/timeseries/weather")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
