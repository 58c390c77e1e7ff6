"""CSV: the same data as JSON, one row per interval total and per breakdown item, safe to open in a spreadsheet."""

import csv
import gzip
import io

import pytest

from metadata.models import FuelSourceTechnology, FuelSourceType
from psr import services as psr_services
from tests.timeseries.helpers import (
    COAL,
    HOUR,
    PV,
    SOLAR,
    STEAM,
    WIND,
    errors_of,
    fuel_name,
    psr,
    run,
    tech_name,
    url,
    utc,
    walk,
)
from tests.timeseries.helpers import write as write_series
from timeseries.api.renderers import wide_columns, wide_rows
from timeseries.services import points_write, series_get_or_create

pytestmark = pytest.mark.django_db

T0 = utc(2022, 6, 1)
CISO, NEVP, LADWP, WECC = "US-WECC-CISO", "US-WECC-NEVP", "US-WECC-LADWP", "US-WECC"
HEADER = [
    "id",
    "quantity",
    "timeframe",
    "startDatetime",
    "endDatetime",
    "item",
    "type",
    "technology",
    "connectedPSR",
    "value",
    "unit",
]
FORMULA_START = ("=", "+", "-", "@")


def cell(text: str) -> str:
    """A text cell as written, without the quote that keeps a spreadsheet from running it."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


def body_of(response) -> bytes:
    """The body, whether the whole window was streamed or one page was rendered."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def parse(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = body_of(response).decode("utf-8")
    assert text.endswith("\r\n")
    reader = csv.reader(io.StringIO(text, newline=""))
    assert next(reader) == HEADER
    return [dict(zip(HEADER, row, strict=True)) for row in reader]


def rebuild(rows: list[dict[str, str]], quantity: str) -> dict:
    """The JSON body's id, unit and items, rebuilt from CSV rows."""
    items: dict[tuple[str, str], dict] = {}
    for row in rows:
        assert row["quantity"] == quantity
        key = (row["startDatetime"], row["endDatetime"])
        if row["item"] == "total":
            assert key not in items, "two total rows for one interval"
            items[key] = {"startDatetime": key[0], "endDatetime": key[1], "value": float(row["value"])}
            if quantity in ("generation", "curtailment"):
                items[key]["valueByFuelSource"] = []
            elif quantity in ("imports", "exports"):
                items[key]["valueByConnectedPSR"] = []
        elif row["item"] == "fuelSource":
            items[key]["valueByFuelSource"].append(
                {"technology": cell(row["technology"]) or None, "type": cell(row["type"]), "value": float(row["value"])}
            )
        elif row["item"] == "connectedPSR":
            items[key]["valueByConnectedPSR"].append(
                {"connectedPSR": cell(row["connectedPSR"]), "value": float(row["value"])}
            )
        else:
            pytest.fail(f"unknown item {row['item']!r}")
    ids = {cell(r["id"]) for r in rows}
    units = {r["unit"] for r in rows}
    return {"ids": ids, "units": units, "items": list(items.values())}


@pytest.fixture
def data(demo):
    write_series(CISO, "generation", run(T0, [100.0, 110.5]))
    write_series(CISO, "generation", run(T0, [60.0, 70.25]), fuel=COAL, tech=STEAM)
    write_series(CISO, "generation", run(T0, [30.0, 0.1]), fuel=WIND)
    write_series(NEVP, "generation", run(T0, [5.0, 6.0]), fuel=COAL, tech=STEAM)
    write_series(CISO, "demand", run(T0, [1e-9, 123456789.123]))
    write_series(CISO, "imports", run(T0, [5.0, 6.0]), to=NEVP)
    write_series(CISO, "imports", run(T0, [2.0, 0.0]), to=LADWP)
    write_series(CISO, "exports", run(T0, [1.0]), to=LADWP)
    write_series(CISO, "price", run(T0, [30.5, -2.75]), unit="USD")
    write_series(CISO, "curtailment", run(T0, [4.0]), fuel=WIND)


CASES = [
    (CISO, "generation", {}),
    (CISO, "generation", {"unit": "kWh"}),
    (CISO, "generation", {"timeframe": "actual", "resolution": "PT2H"}),
    (WECC, "generation", {}),
    (CISO, "demand", {}),
    (CISO, "imports", {}),
    (CISO, "exports", {"unit": "GWh"}),
    (CISO, "price", {}),
    (CISO, "curtailment", {}),
    (CISO, "demand", {"startDatetime": "2030-01-01"}),
]


@pytest.mark.parametrize(("psr_id", "quantity", "params"), CASES, ids=[f"{p}-{q}-{x}" for p, q, x in CASES])
def test_csv_holds_the_same_data_as_json(api, data, psr_id, quantity, params):
    body = api.get(url(psr_id, quantity), params).json()
    by_format = parse(api.get(url(psr_id, quantity), {**params, "format": "csv"}))
    by_accept = parse(api.get(url(psr_id, quantity), params, HTTP_ACCEPT="text/csv"))

    assert by_format == by_accept
    rebuilt = rebuild(by_format, quantity)
    assert rebuilt["items"] == body[quantity]
    if body[quantity]:
        assert rebuilt["ids"] == {psr_id}
        assert rebuilt["units"] == {body["unit"]}
        expected_timeframe = params.get("timeframe", "day-ahead" if quantity == "price" else "actual")
        assert {r["timeframe"] for r in by_format} == {expected_timeframe}
    else:
        assert by_format == []


def test_csv_has_a_total_row_then_a_row_per_breakdown_item(api, data):
    rows = parse(api.get(url(CISO, "imports"), {"format": "csv"}))
    first_hour = [
        (r["item"], r["connectedPSR"], r["value"]) for r in rows if r["startDatetime"] == "2022-06-01T00:00:00Z"
    ]
    assert first_hour == [("total", "", "7.0"), ("connectedPSR", LADWP, "2.0"), ("connectedPSR", NEVP, "5.0")]


def test_csv_pages_are_linked_in_the_link_header(api, data):
    response = api.get(url(CISO, "demand"), {"format": "csv", "pageSize": 1})
    first = parse(response)
    assert [r["startDatetime"] for r in first] == ["2022-06-01T00:00:00Z"]
    link = response["Link"]
    assert link.startswith("<http://testserver/") and link.endswith('>; rel="next"')
    following = api.get(link[1 : link.index(">")])
    assert [r["startDatetime"] for r in parse(following)] == ["2022-06-01T01:00:00Z"]


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "-2+3", "+SUM(A1)", "@cmd"])
def test_fuel_names_that_look_like_formulas_are_quoted(api, demo, name):
    fuel = FuelSourceType.objects.create(name=name)
    technology = FuelSourceTechnology.objects.create(name=f"{name} tech")
    series = series_get_or_create(
        psr=psr(CISO), quantity="generation", unit="MWh", timeframe="actual", fuel_type=fuel, technology=technology
    )
    points_write(series=series, points=run(T0, [1.0]), unit="MWh")

    rows = parse(api.get(url(CISO, "generation"), {"format": "csv"}))

    fuel_row = next(r for r in rows if r["item"] == "fuelSource")
    assert fuel_row["type"] == "'" + name
    assert fuel_row["technology"] == f"'{name} tech"
    body = api.get(url(CISO, "generation")).json()
    assert body["generation"][0]["valueByFuelSource"][0]["type"] == name  # JSON is not quoted
    assert rebuild(rows, "generation")["items"] == body["generation"]


def test_psr_ids_that_look_like_formulas_are_quoted(api, demo):
    evil = psr_services.psr_upsert(
        id="-EVIL", topology_level="Balancing Authority Area", parent=psr(WECC), timezone="America/Los_Angeles"
    )
    psr_services.connection_ensure(psr=psr(CISO), connected_psr=evil)
    write_series(CISO, "imports", run(T0, [4.0]), to="-EVIL")
    write_series("-EVIL", "demand", run(T0, [9.0]))

    imports = parse(api.get(url(CISO, "imports"), {"format": "csv"}))
    assert [r["connectedPSR"] for r in imports if r["item"] == "connectedPSR"] == ["'-EVIL"]
    demand = parse(api.get(url("-EVIL", "demand"), {"format": "csv"}))
    assert [r["id"] for r in demand] == ["'-EVIL"]
    assert rebuild(demand, "demand")["ids"] == {"-EVIL"}


def test_negative_values_are_numbers_not_quoted_text(api, data):
    rows = parse(api.get(url(CISO, "price"), {"format": "csv"}))
    assert [r["value"] for r in rows] == ["30.5", "-2.75"]


@pytest.mark.parametrize(
    ("psr_id", "params", "status", "parameter"),
    [
        (CISO, {"pageSize": "0"}, 400, "pageSize"),
        (CISO, {"startDatetime": "yesterday"}, 400, "startDatetime"),
        (CISO, {"resolution": "PT15M"}, 400, "resolution"),  # found while reading the data
        ("NOPE", {}, 404, None),
    ],
)
@pytest.mark.parametrize("how", ["format", "accept"])
def test_errors_asked_as_csv_are_still_problem_json(api, data, psr_id, params, status, parameter, how):
    if how == "format":
        response = api.get(url(psr_id, "demand"), {**params, "format": "csv"})
    else:
        response = api.get(url(psr_id, "demand"), params, HTTP_ACCEPT="text/csv")
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    if parameter:
        assert errors_of(response) == [parameter]


# The whole asked window, never a page cut without a word (issue 11)

TWO_MONTHS = {"startDatetime": "2022-06-01", "endDatetime": "2022-08-01"}
HOURS_IN_TWO_MONTHS = (30 + 31) * 24


@pytest.fixture
def two_months(demo):
    """Two months of hourly generation of two fuels: more intervals than the JSON default page of 1,000."""
    write_series(CISO, "generation", run(T0, [float(h) for h in range(HOURS_IN_TWO_MONTHS)]), fuel=COAL, tech=STEAM)
    write_series(CISO, "generation", run(T0, [0.5] * HOURS_IN_TWO_MONTHS), fuel=WIND)


def _starts(rows: list[dict[str, str]]) -> list[str]:
    return [r["startDatetime"] for r in rows if r["item"] == "total"]


def test_csv_without_paging_holds_every_interval_of_the_asked_window(api, two_months):
    # What pandas.read_csv of the URL reads: before, the first 1,000 hours and nothing to say the rest was missing.
    response = api.get(url(CISO, "generation"), {"format": "csv", **TWO_MONTHS})
    rows = parse(response)
    starts = _starts(rows)
    assert len(starts) == HOURS_IN_TWO_MONTHS and len(set(starts)) == len(starts)
    assert (starts[0], starts[-1]) == ("2022-06-01T00:00:00Z", "2022-07-31T23:00:00Z")
    assert len(rows) == HOURS_IN_TWO_MONTHS * 3  # a total and two fuels per hour
    assert "Link" not in response  # nothing left to page through


def test_csv_of_a_window_is_streamed_in_pages_and_equals_the_json_pages_joined(api, two_months, monkeypatch):
    monkeypatch.setattr("timeseries.api.views.CSV_BATCH", 97)  # many pages, one of them short
    response = api.get(url(CISO, "generation"), {"format": "csv", **TWO_MONTHS})
    assert response.streaming
    rows = parse(response)
    json_items = [i for page in walk(api, url(CISO, "generation"), TWO_MONTHS, "generation") for i in page]
    assert rebuild(rows, "generation")["items"] == json_items


def test_csv_of_a_resampled_window_holds_every_bucket(api, two_months, monkeypatch):
    monkeypatch.setattr("timeseries.api.views.CSV_BATCH", 7)
    params = {"resolution": "P1D", **TWO_MONTHS}
    rows = parse(api.get(url(CISO, "generation"), {"format": "csv", **params}))
    # The local days (America/Los_Angeles) inside the window, 1 June to 30 July, and the two the window cuts at its
    # ends (from 00:00Z, 17:00 local), across 9 pages of 7 days.
    assert len(_starts(rows)) == 62 and _starts(rows)[:2] == ["2022-06-01T00:00:00Z", "2022-06-01T07:00:00Z"]
    json_items = [i for page in walk(api, url(CISO, "generation"), params, "generation") for i in page]
    assert [i.pop("partial", False) for i in json_items] == [True] + [False] * 60 + [True]
    assert rebuild(rows, "generation")["items"] == json_items  # a partial bucket shows in CSV by its start and end


def test_csv_stream_is_gzipped_for_clients_that_accept_it(api, two_months):
    response = api.get(url(CISO, "generation"), {"format": "csv", **TWO_MONTHS}, HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    text = gzip.decompress(b"".join(response.streaming_content)).decode()
    assert text.count("\r\n") == 1 + HOURS_IN_TWO_MONTHS * 3


def test_csv_with_an_explicit_page_size_is_that_page_and_links_the_next(api, two_months):
    # Paging asked for explicitly: the page, with its next page in the Link header (and the JSON body's next).
    response = api.get(url(CISO, "generation"), {"format": "csv", "pageSize": 24, **TWO_MONTHS})
    assert len(_starts(parse(response))) == 24
    assert 'rel="next"' in response["Link"]


# The wide layout (issue 17): one row per interval, a column for the total and one per breakdown item

WIDE_FIXED = ["id", "quantity", "timeframe", "unit", "startDatetime", "endDatetime"]
BREAKDOWN = ("valueByFuelSource", "valueByConnectedPSR")


def parse_wide(response) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the rows of a wide CSV."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = body_of(response).decode("utf-8")
    assert text.endswith("\r\n")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    assert header[: len(WIDE_FIXED)] == WIDE_FIXED
    assert len(set(header)) == len(header), "column names must be unique"
    return header, [dict(zip(header, row, strict=True)) for row in reader]


def label_of(item: dict) -> tuple:
    return tuple((k, v) for k, v in sorted(item.items()) if k != "value")


def column_name(label: tuple, labels: list[tuple]) -> str:
    """The name of a breakdown item's column, as the docs say: the connected PSR, or the fuel type, with its
    technology when the type is held with several."""
    fields = dict(label)
    if "connectedPSR" in fields:
        return fields["connectedPSR"]
    several = sum(1 for other in labels if dict(other).get("type") == fields["type"]) > 1
    return f"{fields['type']} / {fields['technology']}" if several and fields["technology"] else fields["type"]


def json_labels(items: list[dict]) -> list[tuple]:
    """Every breakdown item's label in the JSON, in the breakdown's order (the first interval that has it)."""
    seen: dict[tuple, None] = {}
    for interval in items:
        for key in BREAKDOWN:
            for item in interval.get(key, []):
                seen.setdefault(label_of(item), None)
    return list(seen)


def rebuild_wide(header: list[str], rows: list[dict[str, str]], labels: list[tuple], breakdown: str | None) -> list:
    """The JSON body's intervals rebuilt from the wide rows: an empty cell is an item the interval does not have."""
    value_column = header[len(WIDE_FIXED)]
    by_name = {column_name(label, labels): dict(label) for label in labels}
    items = []
    for row in rows:
        item: dict = {"startDatetime": row["startDatetime"], "endDatetime": row["endDatetime"]}
        item["value"] = float(row[value_column]) if row[value_column] else None
        if breakdown:
            item[breakdown] = [
                {**by_name[cell(name)], "value": float(row[name])}
                for name in header[len(WIDE_FIXED) + 1 :]
                if row[name] != ""
            ]
        items.append(item)
    return items


def breakdown_key(quantity: str) -> str | None:
    return {
        "generation": "valueByFuelSource",
        "curtailment": "valueByFuelSource",
        "emissions": "valueByFuelSource",
    }.get(quantity, "valueByConnectedPSR" if quantity in ("imports", "exports") else None)


WIDE_CASES = [*CASES, (CISO, "emissions", {}), (WECC, "emissions", {"resolution": "PT2H"})]


@pytest.mark.parametrize(("psr_id", "quantity", "params"), WIDE_CASES, ids=[f"{p}-{q}-{x}" for p, q, x in WIDE_CASES])
def test_wide_csv_holds_the_json_numbers_one_row_per_interval(api, data, psr_id, quantity, params):
    body = api.get(url(psr_id, quantity), params).json()
    items = body[quantity]
    by_format = api.get(url(psr_id, quantity), {**params, "format": "csv", "layout": "wide"})
    by_accept = api.get(url(psr_id, quantity), {**params, "layout": "wide"}, HTTP_ACCEPT="text/csv")
    header, rows = parse_wide(by_format)
    assert parse_wide(by_accept) == (header, rows)

    labels = json_labels(items)
    # The header: the fixed columns, the value's, then one per breakdown item in the JSON breakdown's order.
    assert header[len(WIDE_FIXED)] == ("value" if quantity == "price" else "total")
    assert [cell(name) for name in header[len(WIDE_FIXED) + 1 :]] == [column_name(label, labels) for label in labels]
    assert rebuild_wide(header, rows, labels, breakdown_key(quantity)) == items  # number for number
    if quantity == "emissions":  # computed from generation: values, not nulls (an empty cell would hide a null)
        assert items and all(i["value"] is not None for i in items)
    assert len(rows) == len(items)
    for row in rows:
        assert (row["id"], row["quantity"], row["unit"]) == (psr_id, quantity, body["unit"])
        assert row["timeframe"] == params.get("timeframe", "day-ahead" if quantity == "price" else "actual")


def test_wide_csv_leaves_a_cell_empty_where_the_interval_has_no_value_for_the_item(api, demo):
    write_series(CISO, "generation", run(T0, [1.0, 2.0, 3.0]), fuel=COAL, tech=STEAM)
    write_series(CISO, "generation", run(T0 + HOUR, [0.0]), fuel=WIND)  # a real zero, in the second hour only

    header, rows = parse_wide(api.get(url(CISO, "generation"), {"format": "csv", "layout": "wide"}))

    coal, wind = fuel_name(COAL), fuel_name(WIND)
    assert header[6:] == ["total", coal, wind]
    assert [(r["total"], r[coal], r[wind]) for r in rows] == [
        ("1.0", "1.0", ""),
        ("2.0", "2.0", "0.0"),
        ("3.0", "3.0", ""),
    ]


def test_wide_csv_names_a_type_held_with_several_technologies_with_its_technology(api, demo):
    write_series(CISO, "generation", run(T0, [1.0]), fuel=SOLAR, tech=PV)
    write_series(CISO, "generation", run(T0, [2.0]), fuel=SOLAR)
    write_series(CISO, "generation", run(T0, [3.0]), fuel=COAL, tech=STEAM)

    header, rows = parse_wide(api.get(url(CISO, "generation"), {"format": "csv", "layout": "wide"}))

    solar = fuel_name(SOLAR)
    # The JSON's order: by type, then technology (none first); one type, one technology: the type alone.
    assert header[7:] == sorted([fuel_name(COAL), solar, f"{solar} / {tech_name(PV)}"], key=lambda n: n.split(" / "))
    items = api.get(url(CISO, "generation")).json()["generation"]
    assert [cell(n) for n in header[7:]] == [column_name(label, json_labels(items)) for label in json_labels(items)]
    assert rebuild_wide(header, rows, json_labels(items), "valueByFuelSource") == items


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "-2+3", "+SUM(A1)", "@cmd"])
def test_wide_column_names_that_look_like_formulas_are_quoted(api, demo, name):
    fuel = FuelSourceType.objects.create(name=name)
    series = series_get_or_create(psr=psr(CISO), quantity="generation", unit="MWh", timeframe="actual", fuel_type=fuel)
    points_write(series=series, points=run(T0, [1.0]), unit="MWh")
    psr_services.psr_upsert(
        id="-EVIL", topology_level="Balancing Authority Area", parent=psr(WECC), timezone="America/Los_Angeles"
    )
    psr_services.connection_ensure(psr=psr(CISO), connected_psr=psr("-EVIL"))
    write_series(CISO, "imports", run(T0, [4.0]), to="-EVIL")

    header, rows = parse_wide(api.get(url(CISO, "generation"), {"format": "csv", "layout": "wide"}))
    assert header[7:] == ["'" + name] and rows[0]["'" + name] == "1.0"
    header, rows = parse_wide(api.get(url(CISO, "imports"), {"format": "csv", "layout": "wide"}))
    assert header[7:] == ["'-EVIL"] and rows[0]["'-EVIL"] == "4.0"


def test_wide_column_names_never_repeat_a_fixed_column(api, demo):
    total = psr_services.psr_upsert(
        id="total", topology_level="Balancing Authority Area", parent=psr(WECC), timezone="America/Los_Angeles"
    )
    psr_services.connection_ensure(psr=psr(CISO), connected_psr=total)
    write_series(CISO, "imports", run(T0, [4.0]), to="total")
    header, rows = parse_wide(api.get(url(CISO, "imports"), {"format": "csv", "layout": "wide"}))
    assert header[6:] == ["total", "total (2)"] and (rows[0]["total"], rows[0]["total (2)"]) == ("4.0", "4.0")


def test_wide_columns_are_named_and_ordered_from_the_labels_alone():
    labels = {
        ("fuel", 3, None): {"type": "Solar", "technology": None},
        ("fuel", 3, 7): {"type": "Solar", "technology": "PV"},
        ("fuel", 1, 2): {"type": "Coal", "technology": "Steam"},
        ("fuel", 4, None): {"type": "total", "technology": None},
    }
    columns = wide_columns("generation", labels)
    assert columns.names == ("Coal", "Solar", "Solar / PV", "total (2)")
    assert columns.header() == (
        "id,quantity,timeframe,unit,startDatetime,endDatetime,total,Coal,Solar,Solar / PV,total (2)\r\n"
    )
    flows = wide_columns("imports", {("psr", "B"): {"connectedPSR": "B"}, ("psr", "A"): {"connectedPSR": "A"}})
    assert flows.names == ("A", "B") and wide_columns("price", {}).value == "value"


def test_a_breakdown_item_with_no_column_is_an_error_not_a_lost_value():
    columns = wide_columns("imports", {("psr", "A"): {"connectedPSR": "A"}})
    interval = {"startDatetime": "s", "endDatetime": "e", "value": 1.0, "valueByConnectedPSR": []}
    assert wide_rows("X", "imports", "actual", "MWh", columns, [interval]) == "X,imports,actual,MWh,s,e,1.0,\r\n"
    interval["valueByConnectedPSR"] = [{"connectedPSR": "B", "value": 1.0}]
    with pytest.raises(ValueError, match="no wide CSV column"):
        wide_rows("X", "imports", "actual", "MWh", columns, [interval])


def test_wide_csv_of_a_window_is_streamed_in_pages_with_one_header(api, two_months, monkeypatch):
    monkeypatch.setattr("timeseries.api.views.CSV_BATCH", 97)  # many pages, one of them short
    response = api.get(url(CISO, "generation"), {"format": "csv", "layout": "wide", **TWO_MONTHS})
    assert response.streaming and "Link" not in response
    header, rows = parse_wide(response)
    assert len(rows) == HOURS_IN_TWO_MONTHS
    json_items = [i for page in walk(api, url(CISO, "generation"), TWO_MONTHS, "generation") for i in page]
    assert rebuild_wide(header, rows, json_labels(json_items), "valueByFuelSource") == json_items


def test_wide_csv_of_a_resampled_window_holds_every_bucket(api, two_months, monkeypatch):
    monkeypatch.setattr("timeseries.api.views.CSV_BATCH", 7)
    params = {"resolution": "P1D", **TWO_MONTHS}
    header, rows = parse_wide(api.get(url(CISO, "generation"), {"format": "csv", "layout": "wide", **params}))
    json_items = [i for page in walk(api, url(CISO, "generation"), params, "generation") for i in page]
    # 60 whole local days and the two the window cuts at its ends (partial in JSON; in CSV, by their start and end).
    assert [i.pop("partial", False) for i in json_items] == [True] + [False] * 60 + [True]
    assert len(rows) == 62 and rebuild_wide(header, rows, json_labels(json_items), "valueByFuelSource") == json_items


def test_wide_csv_pages_follow_the_link_header_with_the_same_header(api, two_months):
    link = url(CISO, "generation")
    params: dict | None = {"format": "csv", "layout": "wide", "pageSize": 500, **TWO_MONTHS}
    headers, rows = set(), []
    while link:
        response = api.get(link, params)
        header, page = parse_wide(response)
        assert len(page) <= 500
        headers.add(tuple(header))
        rows += page
        links = response.get("Link", "")
        link = links[1 : links.index(">")] if 'rel="next"' in links else ""
        params = None  # the link holds the query, cursor and layout included
    assert len(headers) == 1 and len(rows) == HOURS_IN_TWO_MONTHS
    json_items = [i for page in walk(api, url(CISO, "generation"), TWO_MONTHS, "generation") for i in page]
    assert rebuild_wide(list(headers.pop()), rows, json_labels(json_items), "valueByFuelSource") == json_items


@pytest.mark.parametrize("how", ["json", "format", "accept"])
def test_an_unknown_layout_is_a_400_naming_it(api, data, how):
    params = {"layout": "tall", **({"format": "csv"} if how == "format" else {})}
    response = api.get(url(CISO, "generation"), params, HTTP_ACCEPT="text/csv" if how == "accept" else "*/*")
    assert response.status_code == 400
    assert errors_of(response) == ["layout"]


def test_layout_is_ignored_with_json(api, data):
    assert api.get(url(CISO, "generation"), {"layout": "wide"}).json() == api.get(url(CISO, "generation")).json()


def test_a_wide_carbon_intensity_is_a_400_that_says_why(api, data):
    response = api.get(url(CISO, "carbon-intensity"), {"format": "csv", "layout": "wide", "method": "production"})
    assert response.status_code == 400 and errors_of(response) == ["layout"]
    assert "layout=long" in response.json()["detail"]
    long = api.get(url(CISO, "carbon-intensity"), {"format": "csv", "layout": "long", "method": "production"})
    assert long.status_code == 200


# The CSV twins: /timeseries/<quantity>.csv, an operation of their own for generated clients (issue 17)


@pytest.mark.parametrize("quantity", ["generation", "demand", "imports", "exports", "price", "curtailment"])
@pytest.mark.parametrize("layout", ["long", "wide"])
def test_a_csv_twin_answers_what_format_csv_answers(api, data, quantity, layout):
    negotiated = api.get(url(WECC, quantity), {"format": "csv", "layout": layout})
    twin = api.get(url(WECC, f"{quantity}.csv"), {"layout": layout})
    assert twin.status_code == 200 and twin["Content-Type"] == "text/csv; charset=utf-8"
    assert body_of(twin) == body_of(negotiated)


def test_a_csv_twin_of_a_derived_quantity_answers_what_format_csv_answers(api, data):
    for quantity, params in (("emissions", {"layout": "wide"}), ("carbon-intensity", {"method": "production"})):
        negotiated = api.get(url(CISO, quantity), {**params, "format": "csv"})
        twin = api.get(url(CISO, f"{quantity}.csv"), params)
        assert twin.status_code == 200 and body_of(twin) == body_of(negotiated)


def test_a_csv_twin_is_csv_whatever_accept_says_and_refuses_another_format(api, data):
    response = api.get(url(CISO, "demand.csv"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    refused = api.get(url(CISO, "demand.csv"), {"format": "json"})
    assert refused.status_code == 400 and errors_of(refused) == ["format"]


@pytest.mark.parametrize(
    ("psr_id", "params", "status", "parameter"),
    [
        (CISO, {"layout": "tall"}, 400, "layout"),
        (CISO, {"resolution": "PT15M"}, 400, "resolution"),
        ("NOPE", {}, 404, None),
    ],
)
def test_errors_of_a_csv_twin_are_problem_json(api, data, psr_id, params, status, parameter):
    response = api.get(url(psr_id, "demand.csv"), params)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    if parameter:
        assert errors_of(response) == [parameter]


def test_a_paged_csv_twin_links_its_next_page_and_revalidates_with_its_etag(api, data):
    first = api.get(url(CISO, "demand.csv"), {"pageSize": 1, "layout": "wide"})
    _header, rows = parse_wide(first)
    assert [r["startDatetime"] for r in rows] == ["2022-06-01T00:00:00Z"]
    link = first["Link"]
    assert link.startswith(f"<http://testserver{url(CISO, 'demand.csv')}?") and link.endswith('>; rel="next"')
    assert parse_wide(api.get(link[1 : link.index(">")]))[1][0]["startDatetime"] == "2022-06-01T01:00:00Z"
    again = api.get(url(CISO, "demand.csv"), {"pageSize": 1, "layout": "wide"}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    json_etag = api.get(url(CISO, "demand"), {"pageSize": 1, "layout": "wide"})["ETag"]
    assert json_etag != first["ETag"]
