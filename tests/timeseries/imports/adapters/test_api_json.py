"""The api-json adapter: the API's own responses read back as records, bad intervals as row errors, and the round
trip against the real API (what it serves, imported again, is what was stored)."""

import io
import json
from collections import defaultdict

import pytest

from metadata.selectors import fuel_source_technology_get, fuel_source_type_get
from tests.timeseries.helpers import COAL, HOUR, PV, SOLAR, STEAM, WIND, WIND_TECH, psr, run, url, utc, write, z
from tests.timeseries.imports.helpers import read
from timeseries.choices import default_timeframe
from timeseries.imports.adapters import adapter_for, api_json
from timeseries.imports.adapters.api_json import ADAPTER
from timeseries.imports.records import ImportFileError, ImportOptions, Record, RowError
from timeseries.models import Point, Series
from timeseries.services import PointIn, points_write, series_get_or_create

T0 = utc(2022, 6, 1)
CISO, NEVP, LADWP = "US-WECC-CISO", "US-WECC-NEVP", "US-WECC-LADWP"


def read_json(body: str | dict | list) -> list[Record | RowError]:
    """What the adapter reads from a JSON text or from a value written as JSON."""
    return read(ADAPTER, body if isinstance(body, str) else json.dumps(body))


def refused(body) -> str:
    with pytest.raises(ImportFileError) as exc:
        read_json(body)
    return str(exc.value)


def interval(hour: int, value, **breakdown) -> dict:
    return {"startDatetime": z(T0 + hour * HOUR), "endDatetime": z(T0 + (hour + 1) * HOUR), "value": value, **breakdown}


def response(quantity: str, intervals: list[dict], *, psr_id: str = CISO, unit: str = "MWh", **extra) -> dict:
    """A response shaped as the API writes it: id, unit, optional fields, the data, the links."""
    return {"id": psr_id, "unit": unit, **extra, quantity: intervals, "next": None, "previous": None}


def fuel(type_: str, value: float, technology: str | None = None) -> dict:
    return {"technology": technology, "type": type_, "value": value}


def rec(hour: int, quantity: str, value: float, *, line: int = 1, unit="MWh", **dims) -> Record:
    return Record(line, CISO, quantity, T0 + hour * HOUR, T0 + (hour + 1) * HOUR, value, unit, **dims)


# ---------------------------------------------------------------- every quantity


def test_demand_intervals_become_records_with_aware_datetimes_and_running_numbers():
    records = read_json(response("demand", [interval(0, 21000.5), interval(1, 20500)]))

    assert records == [rec(0, "demand", 21000.5, line=1), rec(1, "demand", 20500.0, line=2)]
    assert records[0].start.utcoffset() is not None
    assert isinstance(records[1].value, float)


def test_price_keeps_its_currency_and_its_timeframe():
    records = read_json(response("price", [interval(0, 30.5)], unit="EUR", timeframe="day-ahead"))

    assert records == [rec(0, "price", 30.5, unit="EUR", timeframe="day-ahead")]


def test_a_response_without_timeframe_leaves_it_to_the_quantity_default():
    assert read_json(response("demand", [interval(0, 1.0)]))[0].timeframe is None
    assert read_json(response("demand", [interval(0, 1.0)], timeframe="hour-ahead"))[0].timeframe == "hour-ahead"


def test_generation_breakdown_items_carry_fuel_and_technology_and_a_reported_total_is_kept():
    body = response(
        "generation", [interval(0, 100.0, valueByFuelSource=[fuel("Coal", 60.0, "Steam"), fuel("Wind", 30)])]
    )

    assert read_json(body) == [
        rec(0, "generation", 100.0),  # the PSR's reported total: more than its breakdown
        rec(0, "generation", 60.0, fuel_type="Coal", technology="Steam"),
        rec(0, "generation", 30.0, fuel_type="Wind"),
    ]


def test_a_value_that_is_the_sum_of_the_breakdown_is_not_a_reported_total():
    # The API serves the sum of the breakdown where the PSR reports no total; importing it as a total would add
    # a series the source never had.
    body = response("generation", [interval(0, 0.3, valueByFuelSource=[fuel("Coal", 0.1), fuel("Wind", 0.2)])])

    assert [(r.fuel_type, r.value) for r in read_json(body)] == [("Coal", 0.1), ("Wind", 0.2)]


def test_a_generation_series_with_no_fuel_type_comes_back_as_a_total_with_no_fuel():
    records = read_json(response("generation", [interval(0, 42.0, valueByFuelSource=[])]))

    assert records == [rec(0, "generation", 42.0)]


def test_curtailment_is_read_by_fuel_source():
    body = response("curtailment", [interval(0, 7.5, valueByFuelSource=[fuel("Solar", 3.5), fuel("Wind", 4.0)])])

    assert [(r.quantity, r.fuel_type, r.value) for r in read_json(body)] == [
        ("curtailment", "Solar", 3.5),
        ("curtailment", "Wind", 4.0),
    ]


@pytest.mark.parametrize("quantity", ["imports", "exports"])
def test_flows_are_read_by_connected_psr_with_a_total_where_reported(quantity):
    flows = [{"connectedPSR": NEVP, "value": 5.0}, {"connectedPSR": LADWP, "value": 2.0}]
    body = response(quantity, [interval(0, 7.0, valueByConnectedPSR=flows), interval(1, 9.0, valueByConnectedPSR=[])])

    assert read_json(body) == [
        rec(0, quantity, 5.0, connected_psr=NEVP),
        rec(0, quantity, 2.0, connected_psr=LADWP),
        rec(1, quantity, 9.0, line=2),
    ]


def test_an_array_of_responses_is_read_in_order_with_numbers_running_on():
    body = [
        response("demand", [interval(0, 1.0), interval(1, 2.0)]),
        response("price", [interval(0, 30.0)], unit="USD", timeframe="day-ahead"),
        response("demand", [], psr_id=NEVP),
    ]

    assert read_json(body) == [
        rec(0, "demand", 1.0, line=1),
        rec(1, "demand", 2.0, line=2),
        rec(0, "price", 30.0, line=3, unit="USD", timeframe="day-ahead"),
    ]


def test_resampled_responses_are_read_as_intervals_of_their_resolution():
    day = {"startDatetime": "2022-06-01T07:00:00Z", "endDatetime": "2022-06-02T07:00:00Z", "value": 480.0}

    (record,) = read_json(response("demand", [day], resolution="P1D"))

    assert (record.end - record.start).days == 1


def test_datetimes_with_an_offset_keep_their_instant():
    item = {"startDatetime": "2022-06-01T02:00:00+02:00", "endDatetime": "2022-06-01T03:00:00+02:00", "value": 1.0}

    (record,) = read_json(response("demand", [item]))

    assert (record.start, record.end) == (T0, T0 + HOUR)


def test_keys_in_another_order_read_the_same_as_the_api_order():
    body = response("generation", [interval(0, 9.0, valueByFuelSource=[fuel("Coal", 4.0)])], timeframe="actual")
    reordered = json.dumps(body, sort_keys=True)  # "generation" now comes before "id", "timeframe" and "unit"

    assert reordered.index('"generation"') < reordered.index('"id"')
    assert read_json(reordered) == read_json(body)


def test_a_reordered_response_too_long_to_hold_asks_for_id_and_unit_first(monkeypatch):
    monkeypatch.setattr(api_json, "HELD_INTERVALS_LIMIT", 2)
    body = json.dumps(response("demand", [interval(h, 1.0) for h in range(3)]), sort_keys=True)

    assert "Put 'id' and 'unit' before the array" in refused(body)


def test_a_timeframe_after_the_intervals_it_applies_to_is_refused():
    body = {"id": CISO, "unit": "MWh", "demand": [interval(0, 1.0)], "timeframe": "hour-ahead"}

    assert "'timeframe' comes after the 'demand' array" in refused(body)


def test_links_and_unknown_keys_are_ignored():
    body = response("demand", [interval(0, 1.0)], comment={"nested": [1, {"deep": []}]})
    body["next"] = "http://testserver/power-system-resources/US-WECC-CISO/timeseries/demand?cursor=abc"

    assert read_json(body) == [rec(0, "demand", 1.0)]


# ---------------------------------------------------------------- bad intervals: row errors with a JSON path


def test_bad_intervals_are_row_errors_naming_the_json_path_and_good_ones_still_come():
    body = response(
        "generation",
        [
            interval(0, 3.0, valueByFuelSource=[fuel("Coal", 1.0), {"technology": None, "value": 2.0}]),
            interval(1, "n/a", valueByFuelSource=[]),
            {"startDatetime": "yesterday", "endDatetime": "2022-06-01T03:00:00", "value": 1.0},
            "not an interval",
            interval(4, 5.0, valueByFuelSource=[fuel("Coal", "x")]),
            interval(5, 6.0, valueByFuelSource=[]),
        ],
    )

    results = read_json(body)

    errors = [(r.line, r.column, r.value) for r in results if isinstance(r, RowError)]
    assert errors == [
        (1, "generation[0].valueByFuelSource[1].type", ""),
        (2, "generation[1].value", "n/a"),
        (3, "generation[2].startDatetime", "yesterday"),
        (3, "generation[2].endDatetime", "2022-06-01T03:00:00"),
        (4, "generation[3]", "not an interval"),
        (5, "generation[4].valueByFuelSource[0].value", "x"),
    ]
    # An interval with an error gives no record at all: a part of it alone would change its total.
    assert [r for r in results if isinstance(r, Record)] == [rec(5, "generation", 6.0, line=6)]


def test_row_error_reasons_say_what_is_wrong():
    body = response(
        "imports",
        [
            {"startDatetime": z(T0), "endDatetime": "2022-06-01T01:00:00", "valueByConnectedPSR": [{"value": 1.0}]},
        ],
    )

    reasons = {r.column: r.reason for r in read_json(body)}

    assert reasons == {
        "imports[0].endDatetime": "the datetime has no UTC offset; the API writes them with one (Z).",
        "imports[0].value": "value is missing.",
        "imports[0].valueByConnectedPSR[0].connectedPSR": "connectedPSR is missing.",
    }


def test_a_breakdown_under_a_quantity_that_has_none_is_an_error_not_data_dropped():
    body = response("demand", [interval(0, 3.0, valueByFuelSource=[fuel("Coal", 3.0)])])

    (error,) = read_json(body)
    assert isinstance(error, RowError)
    assert error.column == "demand[0].valueByFuelSource"


def test_paths_in_an_array_of_responses_name_the_response():
    body = [response("demand", [interval(0, 1.0)]), response("demand", [interval(0, None)], psr_id=NEVP)]

    error = read_json(body)[1]
    assert (error.line, error.column) == (2, "[1].demand[0].value")


# ---------------------------------------------------------------- files refused as a whole


def test_a_file_that_is_not_json_is_refused():
    message = refused("psr,quantity,start,end,value\nUS-WECC-CISO,demand,2023-01-01T00:00:00Z,x,1\n")
    assert message.startswith("The file is not valid JSON (before the first interval)")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "The file is empty."),
        ("  \n", "The file is empty."),
        ("42", "not a time-series response object"),
        ("[]", "empty JSON array"),
        ("[1, 2]", "Element 0 of the top-level array is not a time-series response object"),
    ],
)
def test_json_that_is_not_responses_is_refused(text, expected):
    assert expected in refused(text)


def test_an_error_response_is_refused_naming_its_keys():
    message = refused({"type": "about:blank", "title": "Not Found", "status": 404, "detail": "no PSR 'X'"})
    assert "none of the keys generation, demand, imports, exports, price, curtailment" in message
    assert "its keys: type, title, status, detail" in message


def test_a_rolled_up_response_is_refused_pointing_to_the_descendants():
    message = refused(response("demand", [interval(0, 1.0)], psr_id="US-WECC", rolledUp=True))
    assert "rolled up" in message
    assert "count them twice" in message


def test_a_rolled_up_flag_written_after_the_data_is_refused_too():
    body = json.dumps(response("demand", [interval(0, 1.0)], psr_id="US-WECC") | {"rolledUp": True})
    assert "rolled up" in refused(body)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"unit": "MWh", "demand": []}, "has no PSR 'id'"),
        ({"id": 5, "unit": "MWh", "demand": []}, "has no PSR 'id' (found 5)"),
        ({"id": CISO, "demand": []}, "has no 'unit'"),
        ({"id": CISO, "unit": "MWh", "timeframe": "soon", "demand": []}, "'timeframe' soon is not one of"),
        ({"id": CISO, "unit": "MWh", "demand": {}}, "'demand' must be an array of intervals"),
        ({"id": CISO, "unit": "MWh", "demand": [], "price": []}, "holds both 'demand' and 'price'"),
    ],
)
def test_a_response_without_a_usable_header_is_refused(body, expected):
    assert expected in refused(body)


def test_truncated_json_is_refused_saying_how_far_it_got():
    text = json.dumps(response("demand", [interval(h, float(h)) for h in range(5)]))
    cut = text[: text.index(z(T0 + 3 * HOUR))]  # inside the fourth interval

    with pytest.raises(ImportFileError) as exc:
        read(ADAPTER, cut)

    assert str(exc.value) == "The file is not valid JSON (after interval 3): parse error: premature EOF."


def test_trailing_garbage_after_the_response_is_refused():
    assert "trailing garbage" in refused(json.dumps(response("demand", [])) + " {}")


# ---------------------------------------------------------------- streaming


class CountingText(io.StringIO):
    """A text stream that tells how much of it was read."""

    consumed = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.consumed += len(chunk)
        return chunk


def test_records_come_as_the_file_is_read_not_after_all_of_it():
    text = json.dumps(response("demand", [interval(h, 1.0) for h in range(20_000)]))
    stream = CountingText(text)

    records = ADAPTER.records(stream, ImportOptions())
    first = next(records)

    assert first.line == 1
    assert stream.consumed < len(text) / 4
    assert sum(1 for _ in records) == 19_999


# ---------------------------------------------------------------- sniffing


@pytest.mark.parametrize(
    "head",
    [
        '{"id":"US-WECC-CISO","unit":"MWh","demand":[{"startDatetime":',
        '\ufeff  \n[\n  {\n    "id": "US-WECC-CISO",\n    "unit": "MWh",',
        '{"demand": [{"endDatetime": "2022-06-01T01:00:00Z"',  # keys sorted by a tool
    ],
)
def test_sniff_claims_api_responses(head):
    assert ADAPTER.sniff(head)


@pytest.mark.parametrize(
    "head",
    [
        "psr,quantity,start,end,value\nUS-WECC-CISO,demand,2023-01-01T00:00:00Z,2023-01-01T01:00:00Z,1234.5\n",
        '"id","demand","generation"\n1,2,3\n',  # a CSV whose header names look like our keys
        '{"response": {"data": [{"period": "2021-06-01T00", "respondent": "CISO", "type-name": "Demand"}]}}',
        '[{"psr": "US-WECC-CISO", "quantity": "demand", "start": "2023-01-01T00:00:00Z", "value": 1}]',
        "",
    ],
)
def test_sniff_leaves_other_files_alone(head):
    assert not ADAPTER.sniff(head)


def test_auto_detection_picks_this_adapter_for_a_saved_response():
    head = json.dumps(response("demand", [interval(0, 1.0)]), indent=2)[:4096]
    assert adapter_for("auto", head).name == "api-json"


# ---------------------------------------------------------------- round trip against the real API


def stored_points(psr_id: str, quantity: str) -> set[tuple]:
    """The stored points of a PSR's quantity, named as records name them."""
    rows = Point.objects.filter(series__psr_id=psr_id, series__quantity=quantity).values_list(
        "series__psr_id",
        "series__quantity",
        "series__timeframe",
        "series__unit",
        "start",
        "end",
        "value",
        "series__fuel_type__name",
        "series__technology__name",
        "series__connected_psr_id",
    )
    return set(rows)


def as_stored(records: list) -> set[tuple]:
    assert all(isinstance(r, Record) for r in records), [r for r in records if isinstance(r, RowError)]
    return {
        (
            r.psr,
            r.quantity,
            r.timeframe or default_timeframe(r.quantity),
            r.unit,
            r.start,
            r.end,
            r.value,
            r.fuel_type,
            r.technology,
            r.connected_psr,
        )
        for r in records
    }


def served(api, psr_id: str, quantity: str, params: dict | None = None) -> str:
    response = api.get(url(psr_id, quantity), params or {})
    assert response.status_code == 200, response.content
    return response.content.decode()


@pytest.fixture
def ciso_data(demo) -> None:
    """Every quantity at CISO, with the cases that decide what a record is: totals that differ from their
    breakdown and totals that are not reported, technologies and none, a series with no fuel type, flows."""
    write(CISO, "generation", run(T0, [60.0, 70.0, 80.0]), fuel=COAL, tech=STEAM)
    write(CISO, "generation", run(T0, [30.25, 35.0, 0.1]), fuel=WIND, tech=WIND_TECH)
    write(CISO, "generation", run(T0, [5.5, 0.0, 0.2]), fuel=SOLAR)  # no technology
    write(CISO, "generation", run(T0, [100.0, 110.125]))  # a reported total, for two of the three hours
    write(CISO, "generation", run(T0 + 3 * HOUR, [12.0]))  # an hour with a total and no breakdown
    write(CISO, "demand", run(T0, [21000.5, 20500.0, 19999.25]))
    write(CISO, "demand", run(T0, [21100.0]), timeframe="hour-ahead")
    write(CISO, "imports", run(T0, [5.0, 6.0]), to=NEVP)
    write(CISO, "imports", run(T0, [2.0, 0.0]), to=LADWP)
    write(CISO, "imports", run(T0, [9.0]))  # a total over ties that are not all itemised
    write(CISO, "exports", run(T0, [1.5, 2.5]), to=NEVP)
    write(CISO, "price", run(T0, [30.5, -4.25]), unit="EUR")
    write(CISO, "price", run(T0, [99.0]), unit="EUR", timeframe="real-time")
    write(CISO, "curtailment", run(T0, [4.0]), fuel=WIND)
    write(CISO, "curtailment", run(T0, [3.5]), fuel=SOLAR, tech=PV)


ROUND_TRIPS = [
    ("generation", None),
    ("demand", None),
    ("demand", {"timeframe": "hour-ahead"}),
    ("imports", None),
    ("exports", None),
    ("price", None),
    ("price", {"timeframe": "real-time"}),
    ("curtailment", None),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("quantity", "params"), ROUND_TRIPS)
def test_a_served_response_reads_back_as_exactly_the_stored_points(api, ciso_data, quantity, params):
    records = read_json(served(api, CISO, quantity, params))

    timeframe = (params or {}).get("timeframe", default_timeframe(quantity))
    expected = {p for p in stored_points(CISO, quantity) if p[2] == timeframe}
    assert expected
    assert as_stored(records) == expected


@pytest.mark.django_db
def test_pages_saved_together_read_back_as_every_stored_point(api, ciso_data):
    pages, link = [], url(CISO, "generation") + "?pageSize=1"
    while link:
        pages.append(api.get(link).json())
        link = pages[-1]["next"]
    assert len(pages) == 4

    records = read_json(pages)

    assert as_stored(records) == stored_points(CISO, "generation")
    assert records[-1].line == 4  # one number per interval, across the pages


@pytest.mark.django_db
def test_reimporting_what_was_served_serves_the_same_again(api, ciso_data):
    bodies = {(q, json.dumps(p)): served(api, CISO, q, p) for q, p in ROUND_TRIPS}
    records = [r for body in bodies.values() for r in read_json(body)]
    Point.objects.all().delete()
    Series.objects.all().delete()

    write_records(records)

    for (quantity, params), body in bodies.items():
        assert served(api, CISO, quantity, json.loads(params)) == body


def write_records(records: list[Record]) -> None:
    """What the import writer does with records, done with the store's services (one write per series)."""
    by_series = defaultdict(list)
    for r in records:
        key = (r.psr, r.quantity, r.unit, r.timeframe or default_timeframe(r.quantity), r.fuel_type, r.technology)
        by_series[(*key, r.connected_psr)].append(PointIn(r.start, r.end, r.value))
    for (psr_id, quantity, unit, timeframe, fuel_type, technology, connected), points in by_series.items():
        series = series_get_or_create(
            psr=psr(psr_id),
            quantity=quantity,
            unit=unit,
            timeframe=timeframe,
            fuel_type=fuel_source_type_get(fuel_type) if fuel_type else None,
            technology=fuel_source_technology_get(technology) if technology else None,
            connected_psr=psr(connected) if connected else None,
        )
        points_write(series=series, points=points, unit=unit)


@pytest.mark.django_db
def test_a_served_roll_up_is_refused(api, demo):
    write("US-WECC-CISO", "demand", run(T0, [1.0]))
    body = served(api, "US-WECC", "demand")
    assert json.loads(body)["rolledUp"] is True

    assert "rolled up" in refused(body)
