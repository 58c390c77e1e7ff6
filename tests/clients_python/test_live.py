"""The Python client against a live test server: its frames and dicts checked against the API's own JSON."""

import contextlib
import io
import re
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
import requests
from cdsc_client import CDSC, BadRequest, NotFound, RateLimited, Retry, Unauthorized, __version__

from cdsc_site.clients.services import api_client_get_or_create, api_key_create
from tests.timeseries.helpers import COAL, HOUR, PV, SOLAR, STEAM, WIND, fuel_name, run, utc, write

pytestmark = pytest.mark.django_db(transaction=True)

CLIENT_DIR = Path(__file__).resolve().parents[2] / "clients" / "python"
CISO = "US-WECC-CISO"
WEEK = 168


@pytest.fixture
def week(grid) -> None:
    """A week of CISO's hourly generation from 2023-06-01 00:00 UTC: coal, solar PV and wind, each its own curve."""
    start = utc(2023, 6, 1)
    write(CISO, "generation", run(start, [800.0 + (i % 7) for i in range(WEEK)]), fuel=COAL, tech=STEAM)
    solar = [max(0.0, 12.0 - abs(i % 24 - 12)) * 50 for i in range(WEEK)]
    write(CISO, "generation", run(start, solar), fuel=SOLAR, tech=PV)
    write(CISO, "generation", run(start, [300.0 + (i * 37) % 101 for i in range(WEEK)]), fuel=WIND)


_OPEN: list[CDSC] = []


def connect(live_server, **kwargs) -> CDSC:
    """A client of the live server, closed after the test: the live server serves each kept-alive connection in a
    thread of its own with a database connection of its own, which PostgreSQL would still count when the test
    database is dropped."""
    client = CDSC(live_server.url, **kwargs)
    _OPEN.append(client)
    return client


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


def api_json(live_server, path: str, params: dict, key: str) -> tuple[list[dict], dict]:
    """The items of every page of an API path and its first page's body, read with plain requests."""
    response = requests.get(f"{live_server.url}{path}", params=params, timeout=30)
    items, first = [], None
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        first = first or body
        items += body[key]
        if body["next"] is None:
            return items, first
        response = requests.get(body["next"], timeout=30)


class Recorder:
    """The requests a client sends and what they got: (status, request headers, URL)."""

    def __init__(self, client: CDSC):
        self.seen: list[tuple[int, dict, str]] = []
        client.session.hooks["response"].append(self.hook)

    def hook(self, response: requests.Response, *args, **kwargs) -> None:
        self.seen.append((response.status_code, dict(response.request.headers), response.url))


def check_a_week_of_generation_is_a_frame_of_the_apis_numbers(live_server) -> None:
    client = connect(live_server)
    df = client.generation(CISO, "2023-06-01", "2023-06-08", resolution="PT1H")
    items, _ = api_json(
        live_server,
        f"/power-system-resources/{CISO}/timeseries/generation",
        {"startDatetime": "2023-06-01", "endDatetime": "2023-06-08", "resolution": "PT1H"},
        "generation",
    )

    assert len(df) == len(items) == WEEK
    assert str(df.index.tz) == "UTC"
    assert df.index[0] == pd.Timestamp("2023-06-01T00:00:00Z")
    assert df["end"].iloc[-1] == pd.Timestamp("2023-06-08T00:00:00Z")
    assert set(df.columns) == {"end", "total", fuel_name(COAL), fuel_name(SOLAR), fuel_name(WIND)}
    assert df.columns[0] == "end" and df.columns[-1] == "total"
    for item in items:
        row = df.loc[pd.Timestamp(item["startDatetime"])]
        assert row["end"] == pd.Timestamp(item["endDatetime"])
        assert row["total"] == item["value"]
        assert {part["type"]: part["value"] for part in item["valueByFuelSource"]} == {
            name: row[name] for name in df.columns if name not in ("end", "total")
        }
    assert df.drop(columns=["end", "total"]).sum(axis=1).round(6).equals(df["total"].round(6))
    assert df.attrs["unit"] == "MWh"
    assert df.attrs["resolution"] == "PT1H"
    assert df.attrs["timeframe"] == "actual"
    assert df.attrs["rolled_up"] is False
    assert df.attrs["id"] == CISO


def check_days_the_range_cuts_are_listed_as_partial(live_server) -> None:
    # 1 to 8 June (UTC dates) in California: 6 whole local days and two the range cuts (7 and 17 hours); every hour
    # of the range is in the frame, and the cut days are named in attrs.
    client = connect(live_server)
    daily = client.generation(CISO, "2023-06-01", "2023-06-08", resolution="P1D", tz="local")
    hourly = client.generation(CISO, "2023-06-01", "2023-06-08")
    assert len(daily) == 8
    assert daily.attrs["partial"] == [daily.index[0], daily.index[-1]]
    assert (daily.index[0].hour, daily.index[1].hour) == (17, 0)
    assert daily["total"].sum() == pytest.approx(hourly["total"].sum(), rel=1e-12)
    whole = client.generation(CISO, "2023-06-01T00:00:00-07:00", "2023-06-08T00:00:00-07:00", resolution="P1D")
    assert len(whole) == 7 and whole.attrs["partial"] == []


def check_every_page_is_followed(live_server) -> None:
    client = connect(live_server)
    whole = client.generation(CISO, "2023-06-01", "2023-06-08")
    seen = Recorder(client)
    paged = client.generation(CISO, datetime(2023, 6, 1, tzinfo=UTC), datetime(2023, 6, 8), page_size=50)
    assert len(seen.seen) == 4  # 168 intervals, 50 a page
    assert all("cursor=" in url for _, _, url in seen.seen[1:])
    pd.testing.assert_frame_equal(paged, whole)

    psrs = client.psrs(page_size=3)
    ids, _ = api_json(live_server, "/power-system-resources", {"pageSize": 1000}, "power_system_resources")
    assert list(psrs["id"]) == [p["id"] for p in ids]
    assert len(psrs) > 3
    children = client.psrs(parent="US-WECC")
    assert set(children["id"]) == {p["id"] for p in ids if p["parent"] == "US-WECC"}
    assert set(children["parent"]) == {"US-WECC"}


def check_the_index_is_converted_to_the_psrs_own_or_any_time_zone(live_server) -> None:
    client = connect(live_server)
    utc_frame = client.generation(CISO, "2023-06-01", "2023-06-02")
    local = client.generation(CISO, "2023-06-01", "2023-06-02", tz="local")
    assert str(local.index.tz) == "America/Los_Angeles" == client.describe(CISO)["timezone"]
    assert local.index[0].hour == 17 and local.index[0].day == 31  # 00:00 UTC is 17:00 the day before in PDT
    assert local.index.tz_convert("UTC").equals(utc_frame.index)
    assert str(local["end"].dt.tz) == "America/Los_Angeles"
    assert local.attrs["tz"] == "America/Los_Angeles"
    assert (local["total"].to_numpy() == utc_frame["total"].to_numpy()).all()

    kolkata = client.generation(CISO, "2023-06-01", "2023-06-02", tz="Asia/Kolkata")
    assert kolkata.index[0] == pd.Timestamp("2023-06-01T05:30:00+05:30")

    seen = Recorder(client)
    with pytest.raises(ValueError, match="IANA"):
        client.generation(CISO, "2023-06-01", "2023-06-02", tz="Mars/Olympus_Mons")
    assert seen.seen == []


def check_flows_by_neighbour_daily_in_another_unit(live_server) -> None:
    client = connect(live_server)
    gwh = {"unit": "GWh"}
    df = client.imports(CISO, "2023-06-01T07:00:00Z", "2023-06-03T07:00:00Z", resolution="P1D", unit="GWh", tz="local")
    items, body = api_json(
        live_server,
        f"/power-system-resources/{CISO}/imports",
        {"startDatetime": "2023-06-01T07:00:00Z", "endDatetime": "2023-06-03T07:00:00Z", "resolution": "P1D", **gwh},
        "imports",
    )
    assert list(df.columns) == ["end", "US-WECC-LADWP", "US-WECC-NEVP", "total"]
    assert len(df) == len(items) == 2
    assert [ts.strftime("%Y-%m-%d %H:%M") for ts in df.index] == ["2023-06-01 00:00", "2023-06-02 00:00"]
    for item, (_, row) in zip(items, df.iterrows(), strict=True):
        assert row["total"] == item["value"]
        assert {p["connectedPSR"]: p["value"] for p in item["valueByConnectedPSR"]} == {
            "US-WECC-LADWP": row["US-WECC-LADWP"],
            "US-WECC-NEVP": row["US-WECC-NEVP"],
        }
    assert df["US-WECC-LADWP"].iloc[0] == pytest.approx(24 * 50.0 / 1000)
    assert (df.attrs["unit"], df.attrs["resolution"]) == (body["unit"], body["resolution"]) == ("GWh", "P1D")


def check_a_type_with_several_technologies_gets_a_column_per_technology(live_server) -> None:
    df = connect(live_server).generation(CISO, "2023-06-01", "2023-06-02")
    solar = fuel_name(SOLAR)
    fuels = [c for c in df.columns if c not in ("end", "total")]
    assert sorted(fuels) == sorted([f"{solar} / Solar - Photovoltaic - Unspecified", solar, fuel_name(WIND)])
    assert list(df["total"]) == [9.0, 12.0]


def check_prices_side_by_side_and_demand_alone(live_server) -> None:
    client = connect(live_server)
    prices = client.prices(CISO, "2023-06-01", "2023-06-02")
    assert list(prices.columns) == ["end", "day-ahead", "real-time"]
    assert list(prices["day-ahead"]) == [30.0, 31.0, 32.0]
    assert prices["real-time"].isna().tolist() == [True, False, False]
    assert prices.attrs["unit"] == "USD"
    day_ahead = client.price(CISO, "2023-06-01", "2023-06-02")
    assert (day_ahead.attrs["timeframe"], list(day_ahead.columns)) == ("day-ahead", ["end", "total"])
    demand = client.demand(CISO, "2023-06-01", "2023-06-02", unit="kWh")
    assert list(demand["total"]) == [1_000_000.0, 1_100_000.0]


def check_documents_and_capacity_tables_match_the_api(live_server) -> None:
    client = connect(live_server)
    base = f"{live_server.url}/power-system-resources/{CISO}"
    describe = requests.get(f"{base}/describe", timeout=30).json()
    assert client.describe(CISO) == {"id": CISO, **describe["describe"]}
    topology = requests.get(f"{base}/topology", params={"numLevels": 2}, timeout=30).json()
    assert client.topology(CISO, levels=2) == {"id": CISO, **topology["topology"]}
    assert "children" not in client.topology(CISO, levels=0)

    capacity = requests.get(f"{base}/capacity", params={"unit": "kW"}, timeout=30).json()
    frame = client.capacity(CISO, unit="kW")
    assert frame.attrs["unit"] == "kW"
    assert list(frame["value"]) == [c["value"] for c in capacity["capacity"]]
    assert list(frame["type"]) == [c["fuelSource"]["type"] for c in capacity["capacity"]]
    assert [None if pd.isna(e) else e for e in frame["end"]] == [
        None if c["endDatetime"] is None else pd.Timestamp(c["endDatetime"]) for c in capacity["capacity"]
    ]
    links = requests.get(f"{base}/transmission-capacity", timeout=30).json()
    lines = client.transmission_capacity(CISO)
    assert dict(zip(lines["connected_psr"], lines["value"], strict=True)) == {
        t["connectedPSR"]["id"]: t["value"] for t in links["transmissionCapacity"]
    }


def check_refusals_raise_with_the_problem_document(live_server) -> None:
    client = connect(live_server)
    with pytest.raises(NotFound) as missing:
        client.describe("US-NOWHERE")
    expected = requests.get(f"{live_server.url}/power-system-resources/US-NOWHERE/describe", timeout=30).json()
    assert missing.value.status == 404
    assert missing.value.detail == expected["detail"] == "There is no power system resource 'US-NOWHERE'."
    assert missing.value.problem == expected
    assert missing.value.url.endswith("/power-system-resources/US-NOWHERE/describe")
    with pytest.raises(NotFound):
        client.generation("US-NOWHERE", "2023-06-01", "2023-06-02")

    with pytest.raises(BadRequest) as bad:
        client.generation(CISO, "2023-06-01", "2023-06-02", resolution="PT7M")
    assert bad.value.status == 400
    assert [e["parameter"] for e in bad.value.errors] == ["resolution"]
    assert "resolution" in str(bad.value)
    with pytest.raises(BadRequest) as backwards:
        client.generation(CISO, "2023-06-02", "2023-06-01")
    assert backwards.value.errors


def check_the_servers_429_raises_rate_limited(live_server, settings) -> None:
    settings.CDSC_RATE_LIMIT_ANONYMOUS = 2
    # No wait is short enough to be waited for: the first 429 raises (a dropped connection is still retried).
    client = connect(live_server, retry=Retry(attempts=3, max_wait=0))
    with pytest.raises(RateLimited) as limited:  # within a few requests, whichever minute they fall in
        for _ in range(10):
            client.psrs()
    settings.CDSC_RATE_LIMIT_ANONYMOUS = 0
    error = limited.value
    assert (error.status, error.problem["status"], error.title) == (429, 429, "Too Many Requests")
    assert error.retry_after is not None and 0 <= error.retry_after <= 60
    assert error.url == f"{live_server.url}/power-system-resources"


def check_api_keys_go_in_the_authorization_header(live_server, settings) -> None:
    settings.CDSC_API_KEYS_REQUIRED = True
    with pytest.raises(Unauthorized) as anonymous:
        connect(live_server).describe(CISO)
    assert anonymous.value.status == 401
    with pytest.raises(Unauthorized) as wrong:
        connect(live_server, api_key="AbCd1234.notakeythisserverknows0000000").describe(CISO)
    assert "not valid" in wrong.value.detail

    _, key = api_key_create(client=api_client_get_or_create(organisation="Watt Analytics"), label="client tests")
    client = connect(live_server, api_key=key)
    seen = Recorder(client)
    assert client.describe(CISO)["timezone"] == "America/Los_Angeles"
    assert seen.seen[0][1]["Authorization"] == f"Bearer {key}"
    assert key not in seen.seen[0][2]  # never in the URL


def check_a_second_read_revalidates_with_the_etag_and_reuses_the_body_on_304(live_server) -> None:
    client = connect(live_server)
    seen = Recorder(client)
    first = client.describe(CISO)
    again = client.describe(CISO)
    assert again == first
    (status1, headers1, _), (status2, headers2, _) = seen.seen
    assert status1 == 200 and "If-None-Match" not in headers1
    assert status2 == 304 and headers2["If-None-Match"]

    seen.seen.clear()
    frame = client.generation(CISO, "2023-06-01", "2023-06-08", page_size=100)
    frame_again = client.generation(CISO, "2023-06-01", "2023-06-08", page_size=100)
    pd.testing.assert_frame_equal(frame, frame_again)
    assert [s for s, _, _ in seen.seen] == [200, 200, 304, 304]
    assert all(h.get("If-None-Match") for _, h, _ in seen.seen[2:])

    uncached = connect(live_server, etag_cache_bytes=0)
    seen = Recorder(uncached)
    uncached.describe(CISO)
    uncached.describe(CISO)
    assert [s for s, _, _ in seen.seen] == [200, 200]


def check_the_user_agent_names_the_client_and_its_version(live_server) -> None:
    project = tomllib.loads((CLIENT_DIR / "pyproject.toml").read_text())["project"]
    assert __version__ == project["version"] == "0.1.0"
    client = connect(live_server)
    seen = Recorder(client)
    client.describe(CISO)
    assert seen.seen[0][1]["User-Agent"].startswith(f"cdsc-client/{__version__} ")


def check_the_readme_example_runs_as_written(live_server) -> None:
    readme = (CLIENT_DIR / "README.md").read_text()
    section = readme.split("## Five lines", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert len(code.strip().splitlines()) <= 6  # the import, a blank line and the example's lines
    assert "http://127.0.0.1:8000" in code
    out, namespace = io.StringIO(), {}
    with contextlib.redirect_stdout(out):
        exec(compile(code.replace("http://127.0.0.1:8000", live_server.url), "README.md", "exec"), namespace)
    lines = out.getvalue().splitlines()
    namespace["client"].close()

    assert lines[0] == "MWh 168 hours from 2023-05-31 17:00:00-07:00"
    items, _ = api_json(
        live_server,
        f"/power-system-resources/{CISO}/timeseries/generation",
        {"startDatetime": "2023-06-01", "endDatetime": "2023-06-08", "resolution": "PT1H"},
        "generation",
    )
    sums: dict[str, float] = {"total": sum(i["value"] for i in items)}
    for item in items:
        for part in item["valueByFuelSource"]:
            sums[part["type"]] = sums.get(part["type"], 0.0) + part["value"]
    printed = {}
    for line in lines[1:]:
        name, number = line.rsplit(maxsplit=1)
        printed[name.strip()] = float(number)
    assert printed == {name: round(value, 1) for name, value in sums.items()}


# Four tests, each on one live server's data: a test of a live server flushes the database after it, so the fewer
# the tests, the less time spent loading the grid again.


def test_a_week_of_generation_paged_and_in_local_time(week, live_server):
    check_a_week_of_generation_is_a_frame_of_the_apis_numbers(live_server)
    check_every_page_is_followed(live_server)
    check_the_index_is_converted_to_the_psrs_own_or_any_time_zone(live_server)
    check_days_the_range_cuts_are_listed_as_partial(live_server)


def test_readme_example_etags_and_user_agent(week, live_server):
    check_the_readme_example_runs_as_written(live_server)
    check_a_second_read_revalidates_with_the_etag_and_reuses_the_body_on_304(live_server)
    check_the_user_agent_names_the_client_and_its_version(live_server)


def test_flows_technologies_prices_and_demand(grid, live_server):
    start = utc(2023, 6, 1, 7)  # local midnight in California (PDT)
    write(CISO, "imports", run(start, [100.0 + i for i in range(48)]), to="US-WECC-NEVP")
    write(CISO, "imports", run(start, [50.0] * 48), to="US-WECC-LADWP")
    start = utc(2023, 6, 1)
    write(CISO, "generation", run(start, [5.0, 6.0]), fuel=SOLAR, tech=PV)
    write(CISO, "generation", run(start, [1.0, 2.0]), fuel=SOLAR)
    write(CISO, "generation", run(start, [3.0, 4.0]), fuel=WIND)
    write(CISO, "price", run(start, [30.0, 31.0, 32.0]), unit="USD", timeframe="day-ahead")
    write(CISO, "price", run(start + HOUR, [40.0, 41.0]), unit="USD", timeframe="real-time")
    write(CISO, "demand", run(start, [1000.0, 1100.0]))
    check_flows_by_neighbour_daily_in_another_unit(live_server)
    check_a_type_with_several_technologies_gets_a_column_per_technology(live_server)
    check_prices_side_by_side_and_demand_alone(live_server)


def test_documents_refusals_and_keys(grid, live_server, settings):
    check_documents_and_capacity_tables_match_the_api(live_server)
    check_refusals_raise_with_the_problem_document(live_server)
    check_the_servers_429_raises_rate_limited(live_server, settings)
    check_api_keys_go_in_the_authorization_header(live_server, settings)  # last: it turns keys on
