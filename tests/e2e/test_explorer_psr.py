"""The explorer's PSR page in a real browser: CISO's description, outline and charts, read from the public API.

The series are the demo's (`generate_timeseries`, the generator and seed of `make run`), for CISO alone and only as
many days as a check needs: a live server's test commits, and its tables are flushed after it, so each test loads
its own (two to seven days, one to two seconds of generation) rather than the demo year.
"""

import csv
import re
from collections import defaultdict
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from metadata.models import FuelSourceType
from metadata.services import emission_factors_sync
from tests.e2e.pagecheck import PageWatch, assert_accessible, screenshots
from timeseries.generator import DEMO_AREAS

pytestmark = pytest.mark.django_db(transaction=True)

CISO = "US-WECC-CISO"
CISO_DEMO = next(area for area in DEMO_AREAS if area.psr_id == CISO)
CHARTS = ["generation", "demand", "flows", "price", "curtailment", "capacity", "emissions", "intensity"]
DONE = "drawn", "empty", "error"
DASH = "\N{EN DASH}"  # the browser's date ranges (Intl.DateTimeFormat.formatRange)


def generate(days: int) -> None:
    """CISO's demo series from 1 January 2023, `days` days of them."""
    emission_factors_sync()  # the flush after each live-server test takes the migration's factors with it
    call_command("generate_timeseries", "--days", str(days), "--areas", "1", stdout=StringIO())


@pytest.fixture
def four_days(grid) -> None:
    generate(4)


@pytest.fixture
def two_days(grid) -> None:
    generate(2)


def view_url(psr_id: str = CISO, **view: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in view.items())
    return f"/explore/psr/{psr_id}" + (f"?{query}" if query else "")


def wait_for_charts(page, charts: list[str] = CHARTS) -> None:
    """Every chart has finished: drawn, or said in words why not."""
    selector = ", ".join(f"#chart-{c}" for c in charts)
    page.wait_for_function(
        "([selector, done]) => [...document.querySelectorAll(selector)].every(s => done.includes(s.dataset.state))",
        arg=[selector, list(DONE)],
    )


def api_url(page, chart: str, index: int = 0) -> str:
    return page.locator(f"#chart-{chart} .api-url").nth(index).inner_text()


def api_items(page, url: str, key: str) -> list[dict]:
    """Every interval the API serves at `url`, following its `next` links, as a client would."""
    items = []
    while url:
        response = page.request.get(url)
        assert response.ok, response.text()
        body = response.json()
        items += body[key]
        url = body["next"]
    return items


def echarts_option(page, chart: str) -> dict:
    return page.evaluate(
        """id => {
            const o = echarts.getInstanceByDom(document.getElementById('plot-' + id)).getOption();
            return {
                legend: o.legend[0].data,
                rows: o.dataset[0].source.length,
                colours: Object.fromEntries(o.series.map(s => [s.name, s.color])),
            };
        }""",
        chart,
    )


def test_ciso_page_draws_every_chart_with_the_demo_fuels_in_the_legend(page, four_days):
    watch = PageWatch(page)
    page.goto(view_url(start="2023-01-02", end="2023-01-03"))
    wait_for_charts(page)

    expect(page.locator("#psr-title")).to_contain_text("California ISO")
    describe = page.locator("#describe-list")
    expect(describe).to_contain_text("eia:CISO")
    expect(describe).to_contain_text("America/Los_Angeles")
    expect(describe.get_by_role("link", name="US-WECC", exact=True)).to_have_attribute("href", "/explore/psr/US-WECC")
    expect(describe.get_by_role("link", name="US-WECC-CISO-ABC")).to_have_attribute(
        "href", "/explore/psr/US-WECC-CISO-ABC"
    )

    for chart in CHARTS:
        section = page.locator(f"#chart-{chart}")
        assert section.get_attribute("data-state") == "drawn", (chart, section.inner_text())
        # Every chart has its text summary (for screen readers too: it is the chart's aria description).
        title = section.locator("h2").inner_text()
        expect(section.locator(".summary")).to_contain_text(title)
        if chart != "capacity":  # capacity is drawn over all its history
            expect(section.locator(".summary")).to_contain_text(f"2 {DASH} 3 January 2023")
        assert echarts_option(page, chart)["rows"] > 0

    # The legend names the demo's fuels (the generator's mix for CISO) by their AIB names, as the API's answer does.
    demo_fuels = {FuelSourceType.objects.get(aib_code=code).name for code, *_ in CISO_DEMO.mix()}
    items = api_items(page, api_url(page, "generation"), "generation")
    assert {part["type"] for item in items for part in item["valueByFuelSource"]} == demo_fuels
    assert set(echarts_option(page, "generation")["legend"]) == demo_fuels
    # Each fuel has a colour of its own, and the same one on every chart of fuels.
    colours = echarts_option(page, "generation")["colours"]
    assert len(set(colours.values())) == len(demo_fuels)
    for chart in ("emissions", "curtailment"):
        assert all(colours[fuel] == colour for fuel, colour in echarts_option(page, chart)["colours"].items())
    summary = page.locator("#chart-generation .summary").inner_text()
    assert f"2 {DASH} 3 January 2023" in summary and "hourly" in summary

    # Hovering a chart shows its tooltip (drawn in the canvas: no inline style for the CSP to refuse).
    page.locator("#plot-generation").hover()
    page.mouse.move(640, page.locator("#plot-generation").bounding_box()["y"] + 200)

    # The data table is one click away, with the API's numbers.
    page.locator("#chart-generation summary").click()
    first = page.locator("#chart-generation table tbody tr").first
    expect(first.locator("th")).to_have_text(items[0]["startDatetime"])
    gas = next(p["value"] for p in items[0]["valueByFuelSource"] if "Natural gas" in p["type"])
    assert str(gas) in first.inner_text()

    watch.assert_clean()
    assert_accessible(page)
    screenshots(page, "explorer-psr-ciso")


def test_changing_range_and_resolution_changes_the_api_url_and_the_chart(page, four_days):
    watch = PageWatch(page)
    page.goto(view_url(start="2023-01-02", end="2023-01-03", resolution="raw"))
    wait_for_charts(page, ["generation"])
    hourly_url = api_url(page, "generation")
    hourly = echarts_option(page, "generation")["rows"]
    assert hourly == len(api_items(page, hourly_url, "generation"))

    page.get_by_label("Resolution", exact=True).select_option("P1D")
    expect(page.locator("#chart-generation .api-url").first).not_to_have_text(hourly_url)
    wait_for_charts(page, ["generation"])
    daily_url = api_url(page, "generation")
    assert parse_qs(urlsplit(daily_url).query)["resolution"] == ["P1D"]
    assert "resolution=P1D" in page.url
    daily = echarts_option(page, "generation")["rows"]
    assert daily == len(api_items(page, daily_url, "generation")) and 0 < daily < hourly

    page.get_by_label("From", exact=True).fill("2023-01-01")
    page.get_by_label("Through", exact=True).fill("2023-01-03")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#chart-generation .api-url").first).not_to_have_text(daily_url)
    wait_for_charts(page, ["generation"])
    wider_url = api_url(page, "generation")
    assert "start=2023-01-01" in page.url and "end=2023-01-03" in page.url
    assert echarts_option(page, "generation")["rows"] == len(api_items(page, wider_url, "generation")) > daily

    # Back goes to the previous view, URL, controls and chart alike.
    page.go_back()
    expect(page.locator("#chart-generation .api-url").first).to_have_text(daily_url)
    wait_for_charts(page, ["generation"])
    expect(page.get_by_label("Resolution", exact=True)).to_have_value("P1D")
    assert echarts_option(page, "generation")["rows"] == daily
    watch.assert_clean()


def test_the_csv_link_downloads_the_numbers_the_api_gives(page, two_days):
    page.goto(view_url(start="2023-01-01", end="2023-01-01", unit="GWh"))
    wait_for_charts(page, ["generation"])
    json_url = api_url(page, "generation")
    csv_href = page.locator("#chart-generation a.csv-link").get_attribute("href")
    assert parse_qs(urlsplit(csv_href).query)["format"] == ["csv"]

    with page.expect_download() as download:
        page.locator("#chart-generation a.csv-link").click()
    with open(download.value.path(), encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    from_csv = defaultdict(dict)
    for row in rows:
        assert row["unit"] == "GWh"
        from_csv[row["startDatetime"]][row["type"] or "total"] = float(row["value"])

    items = api_items(page, json_url, "generation")
    from_json = {
        item["startDatetime"]: {"total": item["value"], **{p["type"]: p["value"] for p in item["valueByFuelSource"]}}
        for item in items
    }
    assert len(items) > 0 and from_csv == from_json


def test_the_map_draws_cisos_outline(page, grid):
    watch = PageWatch(page)
    page.goto(view_url())
    outline = page.locator("#psr-map .leaflet-overlay-pane path")
    expect(outline).to_have_count(1)
    box = outline.bounding_box()
    assert box["width"] > 100 and box["height"] > 100  # California fills the map, not a dot
    assert len(re.findall(r"[ML]", outline.get_attribute("d"))) >= 5  # a polygon, not a marker
    expect(page.locator("#psr-map-note")).to_contain_text("plain background")
    watch.assert_clean()


def test_an_empty_range_names_the_nearest_range_with_data_and_links_to_it(page, two_days):
    watch = PageWatch(page)
    page.goto(view_url(start="2023-03-01", end="2023-03-03"))
    wait_for_charts(page)
    section = page.locator("#chart-generation")
    assert section.get_attribute("data-state") == "empty"
    expect(section.locator(".plot")).to_be_hidden()
    nearest = section.locator("a.nearest")
    expect(section.locator(".empty")).to_contain_text(f"No generation by fuel data between 1 {DASH} 3 March 2023")
    expect(section.locator(".empty")).to_contain_text("The nearest range with data")

    target = nearest.get_attribute("href")
    assert parse_qs(urlsplit(target).query)["end"][0] < "2023-03-01"  # the data are in January
    nearest.click()
    expect(page).to_have_url(re.compile(re.escape(target) + "$"))  # pushState: no navigation to wait for
    wait_for_charts(page, ["generation"])
    assert section.get_attribute("data-state") == "drawn"
    assert echarts_option(page, "generation")["rows"] > 0
    watch.assert_clean()
    assert_accessible(page)


def test_a_rolled_up_answer_says_so_on_the_chart(page, two_days):
    page.goto(view_url("US-WECC", start="2023-01-01", end="2023-01-01"))
    wait_for_charts(page, ["demand"])
    note = page.locator("#chart-demand .rollup")
    expect(note).to_be_visible()
    expect(note).to_contain_text("summed from the PSRs below it")
    assert page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('plot-demand')).getOption().title[0].text"
    ).startswith("Summed from the PSRs below US-WECC")


def test_an_unknown_psr_shows_the_apis_problem_detail(page, grid):
    watch = PageWatch(page)
    page.goto("/explore/psr/NO-SUCH-PSR")
    error = page.locator("#psr-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("No such power system resource")
    expect(error).to_contain_text("There is no power system resource 'NO-SUCH-PSR'.")
    expect(error.get_by_role("link", name="the explorer's tree")).to_have_attribute("href", "/explore/")
    expect(page.locator("#psr-body")).to_be_hidden()
    # The API's 404 itself is the browser's one console message; nothing else went wrong.
    assert all("404" in e for e in watch.errors), watch.errors
    watch.errors.clear()
    watch.assert_clean()
    assert_accessible(page)
    screenshots(page, "explorer-psr-unknown")


def test_a_month_the_range_cuts_is_called_partial_in_the_charts_summary(page, two_days):
    # Two local days of January: the monthly bucket is January cut to those days, and the summary says so; a daily
    # view of the same days has no partial bucket and no such words.
    watch = PageWatch(page)
    page.goto(view_url(start="2023-01-01", end="2023-01-02", resolution="P1M"))
    wait_for_charts(page, ["generation"])
    (month,) = api_items(page, api_url(page, "generation"), "generation")
    assert month["partial"] is True
    summary = page.locator("#chart-generation .summary")
    expect(summary).to_contain_text("The range cuts its first or last month")
    page.goto(view_url(start="2023-01-01", end="2023-01-02", resolution="P1D"))
    wait_for_charts(page, ["generation"])
    expect(summary).not_to_contain_text("The range cuts")
    watch.assert_clean()
