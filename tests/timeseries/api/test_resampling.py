"""Resampling: energy summed and prices time-weighted into buckets cut in the PSR's own timezone."""

from datetime import timedelta
from decimal import Decimal

import pytest

from psr import services as psr_services
from tests.timeseries.helpers import COAL, HOUR, QUARTER, WIND, errors_of, fuel_name, run, url, utc, walk, z
from tests.timeseries.helpers import write as write_series
from timeseries.services import PointIn

pytestmark = pytest.mark.django_db

MADRID, CISO = "ES", "US-WECC-CISO"


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def buckets(body: dict, quantity: str) -> list[tuple[str, str, float]]:
    return [(i["startDatetime"], i["endDatetime"], i["value"]) for i in body[quantity]]


def partial(body: dict, quantity: str) -> list[bool]:
    """Per bucket, whether the range cut it (`partial`: true; whole buckets carry no such key)."""
    assert all(i.get("partial", True) is True for i in body[quantity])  # never `"partial": false`
    return ["partial" in i for i in body[quantity]]


@pytest.fixture
def madrid(demo) -> str:
    psr_services.psr_upsert(
        id=MADRID, name="Spain", topology_level="Bidding zone", parent=None, timezone="Europe/Madrid"
    )
    return MADRID


# Hourly demand around the two clock changes of 2022 in Madrid, one value per hour: 1, 2, 3, ...
AUTUMN_FROM = utc(2022, 10, 29, 21)  # 23:00 local (CEST), one hour before the local day of 30 October
AUTUMN = [float(v) for v in range(1, 28)]  # 27 hours: to 2022-10-31T00:00Z
SPRING_FROM = utc(2022, 3, 26, 22)  # 23:00 local (CET), one hour before the local day of 27 March
SPRING = [float(v) for v in range(101, 126)]  # 25 hours: to 2022-03-27T23:00Z


@pytest.fixture
def madrid_demand(madrid):
    write_series(MADRID, "demand", run(AUTUMN_FROM, AUTUMN) + run(SPRING_FROM, SPRING))


def test_the_local_day_of_the_autumn_clock_change_is_25_hours(api, madrid_demand):
    params = {"resolution": "P1D", "startDatetime": "2022-10-29T22:00:00Z", "endDatetime": "2022-10-30T23:00:00Z"}
    body = ok(api.get(url(MADRID, "demand"), params))
    # Midnight CEST (+02:00) to midnight CET (+01:00): hours 2..26 of the run, 25 of them.
    assert buckets(body, "demand") == [("2022-10-29T22:00:00Z", "2022-10-30T23:00:00Z", sum(AUTUMN[1:26]))]
    assert len(AUTUMN[1:26]) == 25
    assert body["resolution"] == "P1D"


def test_the_local_day_of_the_spring_clock_change_is_23_hours(api, madrid_demand):
    params = {"resolution": "P1D", "startDatetime": "2022-03-26T23:00:00Z", "endDatetime": "2022-03-27T22:00:00Z"}
    body = ok(api.get(url(MADRID, "demand"), params))
    assert buckets(body, "demand") == [("2022-03-26T23:00:00Z", "2022-03-27T22:00:00Z", sum(SPRING[1:24]))]
    assert len(SPRING[1:24]) == 23


def test_daily_buckets_without_a_range_start_at_local_midnights(api, madrid_demand):
    got = buckets(ok(api.get(url(MADRID, "demand"), {"resolution": "P1D"})), "demand")
    starts_and_ends = [(s, e) for s, e, _ in got]
    assert ("2022-10-29T22:00:00Z", "2022-10-30T23:00:00Z") in starts_and_ends
    assert ("2022-03-26T23:00:00Z", "2022-03-27T22:00:00Z") in starts_and_ends
    assert all(s.endswith(("T22:00:00Z", "T23:00:00Z")) for s, _ in starts_and_ends)
    assert sum(v for _, _, v in got) == sum(AUTUMN) + sum(SPRING)  # every hour in exactly one bucket


def test_a_daily_bucket_cut_by_the_range_is_answered_clipped_and_marked_partial(api, madrid_demand):
    # The 25-hour day of 30 October ends at 23:00Z: an end at 22:00Z cuts its last hour.
    params = {"resolution": "P1D", "startDatetime": "2022-10-29T22:00:00Z", "endDatetime": "2022-10-30T22:00:00Z"}
    body = ok(api.get(url(MADRID, "demand"), params))
    assert buckets(body, "demand") == [("2022-10-29T22:00:00Z", "2022-10-30T22:00:00Z", sum(AUTUMN[1:25]))]
    assert partial(body, "demand") == [True]
    # A start an hour into that day and an end an hour into the next: two partial days.
    params = {"resolution": "P1D", "startDatetime": "2022-10-29T23:00:00Z", "endDatetime": "2022-10-31T00:00:00Z"}
    body = ok(api.get(url(MADRID, "demand"), params))
    assert buckets(body, "demand") == [
        ("2022-10-29T23:00:00Z", "2022-10-30T23:00:00Z", sum(AUTUMN[2:26])),
        ("2022-10-30T23:00:00Z", "2022-10-31T00:00:00Z", AUTUMN[26]),
    ]
    assert partial(body, "demand") == [True, True]


def test_the_issues_week_of_days_in_california_loses_nothing(api, demo):
    # A bare date is 00:00 UTC, 17:00 of the day before in Los Angeles: 1 to 8 June (UTC) holds 6 whole local days
    # and two partial ones, 7 hours at the start and 17 at the end, summing to every hour of the range.
    hours = [float(v) for v in range(1, 24 * 9 + 1)]
    write_series(CISO, "demand", run(utc(2023, 5, 31), hours))
    params = {"startDatetime": "2023-06-01", "endDatetime": "2023-06-08"}
    body = ok(api.get(url(CISO, "demand"), {**params, "resolution": "P1D"}))
    got = buckets(body, "demand")
    assert [(s, e) for s, e, _ in got] == [
        ("2023-06-01T00:00:00Z", "2023-06-01T07:00:00Z"),
        *[(f"2023-06-{d:02}T07:00:00Z", f"2023-06-{d + 1:02}T07:00:00Z") for d in range(1, 7)],
        ("2023-06-07T07:00:00Z", "2023-06-08T00:00:00Z"),
    ]
    assert partial(body, "demand") == [True, False, False, False, False, False, False, True]
    raw = ok(api.get(url(CISO, "demand"), params))["demand"]
    assert len(raw) == 7 * 24
    assert sum(v for _, _, v in got) == sum(i["value"] for i in raw) == sum(hours[24 : 24 * 8])
    # Snapped to local midnights by the client, the same range has no partial bucket.
    local = {"startDatetime": "2023-06-01T07:00:00Z", "endDatetime": "2023-06-08T07:00:00Z", "resolution": "P1D"}
    whole = ok(api.get(url(CISO, "demand"), local))
    assert len(whole["demand"]) == 7 and not any(partial(whole, "demand"))


def test_hourly_buckets_on_the_25_hour_day_are_the_hours(api, madrid_demand):
    params = {"resolution": "PT1H", "startDatetime": "2022-10-29T22:00:00Z", "endDatetime": "2022-10-30T23:00:00Z"}
    got = buckets(ok(api.get(url(MADRID, "demand"), params)), "demand")
    expected = [(z(AUTUMN_FROM + (i + 1) * HOUR), z(AUTUMN_FROM + (i + 2) * HOUR), AUTUMN[i + 1]) for i in range(25)]
    assert got == expected


@pytest.fixture
def ciso_two_days(demo) -> list[float]:
    """Hourly demand over the local days of 31 January and 1 February 2022 in Los Angeles (UTC-8): 0, 1, ..., 47."""
    values = [float(v) for v in range(48)]
    write_series(CISO, "demand", run(utc(2022, 1, 31, 8), values))
    return values


def test_daily_buckets_in_los_angeles_start_at_0800z_in_winter(api, ciso_two_days):
    body = ok(api.get(url(CISO, "demand"), {"resolution": "P1D"}))
    assert buckets(body, "demand") == [
        ("2022-01-31T08:00:00Z", "2022-02-01T08:00:00Z", sum(ciso_two_days[:24])),
        ("2022-02-01T08:00:00Z", "2022-02-02T08:00:00Z", sum(ciso_two_days[24:])),
    ]


def test_monthly_buckets_in_los_angeles_start_at_local_midnight_of_the_first(api, ciso_two_days):
    body = ok(api.get(url(CISO, "demand"), {"resolution": "P1M"}))
    assert buckets(body, "demand") == [
        ("2022-01-01T08:00:00Z", "2022-02-01T08:00:00Z", sum(ciso_two_days[:24])),
        ("2022-02-01T08:00:00Z", "2022-03-01T08:00:00Z", sum(ciso_two_days[24:])),
    ]


def test_yearly_bucket_in_los_angeles(api, ciso_two_days):
    body = ok(api.get(url(CISO, "demand"), {"resolution": "P1Y"}))
    assert buckets(body, "demand") == [("2022-01-01T08:00:00Z", "2023-01-01T08:00:00Z", sum(ciso_two_days))]


def test_monthly_buckets_cut_by_the_range_are_clipped_and_marked_partial(api, ciso_two_days):
    params = {"startDatetime": "2022-01-31T08:00:00Z", "endDatetime": "2022-02-02T08:00:00Z"}
    monthly = ok(api.get(url(CISO, "demand"), {**params, "resolution": "P1M"}))
    assert buckets(monthly, "demand") == [
        ("2022-01-31T08:00:00Z", "2022-02-01T08:00:00Z", sum(ciso_two_days[:24])),
        ("2022-02-01T08:00:00Z", "2022-02-02T08:00:00Z", sum(ciso_two_days[24:])),
    ]
    assert partial(monthly, "demand") == [True, True]
    daily = ok(api.get(url(CISO, "demand"), {**params, "resolution": "P1D"}))
    assert len(daily["demand"]) == 2 and partial(daily, "demand") == [False, False]


def test_the_23_hour_day_in_los_angeles(api, demo):
    # 13 March 2022: clocks jump from 02:00 PST to 03:00 PDT; the local day is 08:00Z to 07:00Z next day.
    values = [float(v) for v in range(1, 26)]
    write_series(CISO, "demand", run(utc(2022, 3, 13, 7), values))  # 23:00 local on the 12th, 25 hours
    params = {"resolution": "P1D", "startDatetime": "2022-03-13T08:00:00Z", "endDatetime": "2022-03-14T07:00:00Z"}
    got = buckets(ok(api.get(url(CISO, "demand"), params)), "demand")
    assert got == [("2022-03-13T08:00:00Z", "2022-03-14T07:00:00Z", sum(values[1:24]))]


@pytest.fixture
def quarter_hours(demo):
    """Quarter-hourly coal 1..8 and wind 10..80 at US-WECC-CISO from 2022-06-01T00:00Z."""
    t0 = utc(2022, 6, 1)
    write_series(CISO, "generation", run(t0, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], QUARTER), fuel=COAL)
    write_series(CISO, "generation", run(t0, [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0], QUARTER), fuel=WIND)
    return t0


def test_half_hours_sum_pairs_of_quarter_hours(api, quarter_hours):
    body = ok(api.get(url(CISO, "generation"), {"resolution": "PT30M"}))
    t0, half = quarter_hours, timedelta(minutes=30)
    assert buckets(body, "generation") == [
        (z(t0), z(t0 + half), 1 + 2 + 10 + 20.0),
        (z(t0 + half), z(t0 + 2 * half), 3 + 4 + 30 + 40.0),
        (z(t0 + 2 * half), z(t0 + 3 * half), 5 + 6 + 50 + 60.0),
        (z(t0 + 3 * half), z(t0 + 4 * half), 7 + 8 + 70 + 80.0),
    ]


def test_hours_sum_quarter_hours_per_fuel(api, quarter_hours):
    body = ok(api.get(url(CISO, "generation"), {"resolution": "PT1H"}))
    assert body["resolution"] == "PT1H"
    first, second = body["generation"]
    assert (first["value"], second["value"]) == (1 + 2 + 3 + 4 + 100.0, 5 + 6 + 7 + 8 + 260.0)
    assert {s["type"]: s["value"] for s in first["valueByFuelSource"]} == {
        fuel_name(COAL): 10.0,
        fuel_name(WIND): 100.0,
    }
    assert {s["type"]: s["value"] for s in second["valueByFuelSource"]} == {
        fuel_name(COAL): 26.0,
        fuel_name(WIND): 260.0,
    }


def test_resampled_values_convert_units(api, quarter_hours):
    body = ok(api.get(url(CISO, "generation"), {"resolution": "PT1H", "unit": "kWh"}))
    assert [i["value"] for i in body["generation"]] == [110_000.0, 286_000.0]


def test_an_hour_cut_by_the_start_is_answered_from_the_start_and_marked_partial(api, quarter_hours):
    params = {"resolution": "PT1H", "startDatetime": "2022-06-01T00:15:00Z"}
    body = ok(api.get(url(CISO, "generation"), params))
    assert buckets(body, "generation") == [
        ("2022-06-01T00:15:00Z", "2022-06-01T01:00:00Z", 2 + 3 + 4 + 20 + 30 + 40.0),
        ("2022-06-01T01:00:00Z", "2022-06-01T02:00:00Z", 286.0),
    ]
    assert partial(body, "generation") == [True, False]
    # The breakdown of the partial hour is the quarter hours the range holds, per fuel.
    assert {s["type"]: s["value"] for s in body["generation"][0]["valueByFuelSource"]} == {
        fuel_name(COAL): 9.0,
        fuel_name(WIND): 90.0,
    }


def test_a_resolution_finer_than_the_data_is_400_naming_resolution(api, ciso_two_days):
    response = api.get(url(CISO, "demand"), {"resolution": "PT15M"})
    assert response.status_code == 400
    assert errors_of(response) == ["resolution"]
    assert "finer" in response.json()["errors"][0]["detail"]


def test_the_resolution_of_the_data_itself_is_the_data(api, ciso_two_days):
    raw = ok(api.get(url(CISO, "demand")))["demand"]
    same = ok(api.get(url(CISO, "demand"), {"resolution": "PT1H"}))["demand"]
    assert same == raw


def test_price_resamples_to_a_time_weighted_mean(api, madrid):
    t0 = utc(2022, 6, 1)
    prices = [
        PointIn(t0, t0 + QUARTER, 40.0),  # 15 minutes at 40
        PointIn(t0 + QUARTER, t0 + HOUR, 20.0),  # 45 minutes at 20
        PointIn(t0 + HOUR, t0 + 2 * HOUR, 10.0),
    ]
    write_series(MADRID, "price", prices, unit="EUR")

    body = ok(api.get(url(MADRID, "price"), {"resolution": "PT1H"}))

    assert body["unit"] == "EUR" and body["timeframe"] == "day-ahead" and body["resolution"] == "PT1H"
    assert buckets(body, "price") == [
        (z(t0), z(t0 + HOUR), (40.0 * 15 + 20.0 * 45) / 60),  # 25, not the plain mean 30
        (z(t0 + HOUR), z(t0 + 2 * HOUR), 10.0),
    ]


def test_daily_price_is_the_mean_of_the_local_day(api, madrid):
    # 1 June 2022 in Madrid (CEST): 2022-05-31T22:00Z to 2022-06-01T22:00Z.
    day = [float(v) for v in range(1, 25)]
    write_series(MADRID, "price", run(utc(2022, 5, 31, 21), [1000.0, *day, 1000.0]), unit="EUR")
    params = {"resolution": "P1D", "startDatetime": "2022-05-31T22:00:00Z", "endDatetime": "2022-06-01T22:00:00Z"}
    body = ok(api.get(url(MADRID, "price"), params))
    assert buckets(body, "price") == [("2022-05-31T22:00:00Z", "2022-06-01T22:00:00Z", sum(day) / 24)]


def test_resampled_pages_return_every_bucket_once_forward_and_back(api, demo):
    # Five local days of hourly demand in Los Angeles (PDT, UTC-7), each hour worth its day number.
    t0 = utc(2022, 6, 1, 7)
    write_series(CISO, "demand", run(t0, [float(h // 24 + 1) for h in range(5 * 24)]))
    pages = walk(api, url(CISO, "demand"), {"resolution": "P1D", "pageSize": 2}, "demand")
    assert [len(p) for p in pages] == [2, 2, 1]
    got = [(i["startDatetime"], i["value"]) for page in pages for i in page]
    assert got == [(z(t0 + d * 24 * HOUR), 24.0 * (d + 1)) for d in range(5)]

    last = ok(api.get(url(CISO, "demand"), {"resolution": "P1D", "pageSize": 2}))
    while last["next"]:
        last = ok(api.get(last["next"]))
    back = [last["demand"]]
    while last["previous"]:
        last = ok(api.get(last["previous"]))
        back.append(last["demand"])
    assert back == list(reversed(pages))


def test_rolled_up_monthly_sums_carry_no_float_noise(api, demo):
    # A month of hourly values in two children: the float sum of 1,440 numbers drifts in its last digits;
    # the answer is the decimal sum, to the watt-hour.
    start = utc(2023, 6, 1, 7)  # local midnight of 1 June in Los Angeles (PDT)
    nevp = [12345.678 + i / 1000 for i in range(720)]
    ladwp = [26666.123] * 720
    write_series("US-WECC-NEVP", "demand", run(start, nevp))
    write_series("US-WECC-LADWP", "demand", run(start, ladwp))
    params = {"resolution": "P1M", "startDatetime": z(start), "endDatetime": z(start + timedelta(days=30))}
    body = ok(api.get(url("US-WECC", "demand"), params))
    exact = sum(Decimal(repr(v)) for v in nevp + ladwp)
    assert body["rolledUp"] is True
    assert [i["value"] for i in body["demand"]] == [float(round(exact, 6))]
    gwh = ok(api.get(url("US-WECC", "demand"), {**params, "unit": "GWh"}))
    assert [i["value"] for i in gwh["demand"]] == [float(round(exact / 1000, 9))]


def test_a_first_bucket_cut_by_the_start_is_the_pages_first(api, demo):
    # Hourly data from 00:00Z: the first local day (Los Angeles) is cut by the start; it is the page's first
    # bucket, partial, and the walk goes on to the partial last one.
    write_series(CISO, "demand", run(utc(2023, 6, 1), [1.0] * 24 * 5))
    body = ok(api.get(url(CISO, "demand"), {"resolution": "P1D", "startDatetime": "2023-06-01", "pageSize": 2}))
    assert buckets(body, "demand") == [
        ("2023-06-01T00:00:00Z", "2023-06-01T07:00:00Z", 7.0),
        ("2023-06-01T07:00:00Z", "2023-06-02T07:00:00Z", 24.0),
    ]
    assert partial(body, "demand") == [True, False]
    assert body["next"] is not None
    params = {"resolution": "P1D", "startDatetime": "2023-06-01", "pageSize": 2}
    got = [i for page in walk(api, url(CISO, "demand"), params, "demand") for i in page]
    # The last local day holds 17 hours of data but no range cuts it: whole, by the range's measure.
    assert [i["value"] for i in got] == [7.0, 24.0, 24.0, 24.0, 24.0, 17.0]
    assert ["partial" in i for i in got] == [True, False, False, False, False, False]


def test_a_range_bound_with_a_fraction_of_a_second_clips_inward_to_whole_seconds(api, quarter_hours):
    # Buckets are in whole seconds: a start of 00:15:00.5 clips the first hour to 00:15:01 (no interval starts
    # before it there), an end of 01:44:59.5 the second to 01:44:59; both stay inside the range.
    params = {"resolution": "PT1H", "startDatetime": "2022-06-01T00:15:00.5Z", "endDatetime": "2022-06-01T01:44:59.5Z"}
    body = ok(api.get(url(CISO, "generation"), params))
    assert buckets(body, "generation") == [
        ("2022-06-01T00:15:01Z", "2022-06-01T01:00:00Z", 3 + 4 + 30 + 40.0),
        ("2022-06-01T01:00:00Z", "2022-06-01T01:44:59Z", 5 + 6 + 50 + 60.0),
    ]
    assert partial(body, "generation") == [True, True]
