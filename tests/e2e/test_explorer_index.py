"""/explore/ and the landing page in a real browser: the tree, the search, the map, the keyboard, axe-core."""

import pytest
from rest_framework.test import APIClient

from tests.e2e.pagecheck import PageWatch, assert_accessible, screenshots
from tests.factories import LocationFactory, PlantFactory

pytestmark = pytest.mark.django_db(transaction=True)

TREE = "#psr-tree"


def api_items(**params) -> list[dict]:
    """Every item of the PSR list with these filters, as the API gives them."""
    url, items = "/power-system-resources", []
    params = {"pageSize": 1000, **params}
    while url:
        body = APIClient().get(url, params).json()
        items += body["power_system_resources"]
        url, params = body["next"], None
    return items


def top_level_links(page, selector: str) -> list[str]:
    return page.locator(f"{selector} > li > .node > a").all_inner_texts()


def expand(page, psr_id: str):
    """Opens a PSR of the tree and returns its list of children once loaded."""
    toggle = page.get_by_role("button", name=f"Children of {psr_id}", exact=True)
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    children = page.locator(f"ul[id='children-{psr_id}']")
    children.locator("li").first.wait_for()
    return children


def test_tree_shows_the_roots_and_loads_children_on_demand(page, grid):
    watch = PageWatch(page)
    page.goto("/explore/")
    page.locator(f"{TREE} > li").first.wait_for()
    # From the top of the page, Tab reaches the search box, then the first button of the tree.
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "search-input":
            break
    assert page.evaluate("document.activeElement.id") == "search-input"
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('toggle')"):
            break
    first_root = top_level_links(page, TREE)[0]
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == f"Children of {first_root}"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.getAttribute('aria-expanded')") == "true"
    first = page.locator(f"{TREE} > li").first
    if api_items(parent=first_root):
        first.locator("ul li").first.wait_for()
    else:
        first.get_by_text("No children.").wait_for()
    roots = sorted(p["id"] for p in api_items() if p["parent"] is None)
    assert top_level_links(page, TREE) == roots
    # Children are not fetched before a node is opened.
    assert page.locator("ul[id='children-US-WECC'] li").count() == 0
    children = expand(page, "US-WECC")
    assert top_level_links(page, "ul[id='children-US-WECC']") == [p["id"] for p in api_items(parent="US-WECC")]
    ciso = expand(page, "US-WECC-CISO")
    assert ciso.locator("a").first.inner_text() == "US-WECC-CISO-ABC"
    # Closing hides the children again.
    page.get_by_role("button", name="Children of US-WECC", exact=True).click()
    assert children.is_hidden()
    watch.assert_clean()


def test_a_parent_with_many_children_shows_a_page_of_them_and_more(page, grid):
    for number in range(130):
        PlantFactory(id=f"US-WECC-CISO-ABC-P{number:03d}")
    watch = PageWatch(page)
    page.goto("/explore/")
    expand(page, "US-WECC")
    expand(page, "US-WECC-CISO")
    abc = expand(page, "US-WECC-CISO-ABC")
    expected = [p["id"] for p in api_items(parent="US-WECC-CISO-ABC")]
    assert len(expected) == 131
    assert top_level_links(page, "ul[id='children-US-WECC-CISO-ABC']") == expected[:100]
    more = abc.get_by_role("button", name="Show more (100 shown)")
    more.click()
    # The next page is listed and the focus moves to its first PSR, so the keyboard carries on from there.
    page.locator("ul[id='children-US-WECC-CISO-ABC'] > li").nth(130).wait_for()
    assert top_level_links(page, "ul[id='children-US-WECC-CISO-ABC']") == expected
    assert page.evaluate("document.activeElement.textContent") == expected[100]
    watch.assert_clean()


def test_search_finds_ciso_by_its_eia_code_and_leads_to_its_page(page, grid):
    watch = PageWatch(page)
    # A search in the URL runs as the page opens; nothing found is said in words.
    page.goto("/explore/?search=no%25such_thing")
    status = page.locator("#search-status")
    status.filter(has_text="No PSR").wait_for()
    assert "no%such_thing" in status.inner_text()
    assert page.locator("#search-results li").count() == 0
    page.get_by_label("Id, name or external identifier").fill("eia:CISO")
    page.get_by_role("button", name="Search").click()
    results = page.locator("#search-results")
    results.get_by_role("link", name="US-WECC-CISO").wait_for()
    assert results.locator("li > a").all_inner_texts() == ["US-WECC-CISO"]
    assert status.inner_text() == "1 PSR found."
    assert page.url.endswith("/explore/?search=eia%3ACISO")
    results.get_by_role("link", name="US-WECC-CISO").click()
    page.wait_for_url("**/explore/psr/US-WECC-CISO")
    watch.assert_clean()


def test_map_draws_every_located_psr_and_the_page_passes_axe(page, grid):
    LocationFactory.create_batch(6)
    located = api_items(located="true")
    points = [p for p in located if p["geojson"]["type"] == "Point"]
    outlines = [p for p in located if p["geojson"]["type"] != "Point"]
    assert points and outlines  # the grid's plant and the factories' points; CISO's outline
    watch = PageWatch(page)
    page.goto("/explore/")
    page.locator("#psr-map[data-ready=true]").wait_for()
    node = page.locator("#psr-map")
    assert int(node.get_attribute("data-points")) == len(points)
    assert int(node.get_attribute("data-outlines")) == len(outlines)
    # Outlines are SVG paths, the points share one canvas; no tile is loaded (no tile server set).
    assert page.locator("#psr-map .leaflet-overlay-pane svg path").count() == len(outlines)
    assert page.locator("#psr-map .leaflet-overlay-pane canvas").count() == 1
    assert page.locator("#psr-map .leaflet-tile").count() == 0
    assert f"{len(located)} PSRs have a location" in page.locator("#map-status").inner_text()
    # The whole page as it stands with a search done and a node open: axe-core, and its screenshots.
    page.get_by_label("Id, name or external identifier").fill("CISO")
    page.get_by_role("button", name="Search").click()
    page.locator("#search-results li").first.wait_for()
    expand(page, "US-WECC")
    assert_accessible(page)
    shots = screenshots(page, "explore-index")
    assert all(path.stat().st_size > 10_000 for path in shots)
    # An outline opens a popup that links to the PSR's page.
    page.locator("#psr-map .leaflet-overlay-pane svg path").first.click()
    link = page.locator(".leaflet-popup-content a")
    assert link.get_attribute("href") == "/explore/psr/US-WECC-CISO"
    link.click()
    page.wait_for_url("**/explore/psr/US-WECC-CISO")
    watch.assert_clean()


def test_landing_page_leads_to_the_explorer_passes_axe_and_is_screenshotted(page, grid):
    watch = PageWatch(page)
    page.goto("/")
    assert_accessible(page)
    shots = screenshots(page, "landing")
    assert all(path.stat().st_size > 10_000 for path in shots)
    page.get_by_role("link", name="Explore the grid").click()
    page.wait_for_url("**/explore/")
    page.locator(f"{TREE} > li").first.wait_for()
    watch.assert_clean()
