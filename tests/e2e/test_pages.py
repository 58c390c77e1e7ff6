"""The human pages in a real browser: landing page, Swagger UI, and the PSR admin."""

import pytest

from tests.e2e.pagecheck import log_in
from tests.e2e.swagger import response_status, try_it_out
from tests.factories import SuperuserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_landing_page_leads_to_the_psr_list(page, grid):
    page.goto("/")
    assert page.locator("h1").inner_text() == "CDSC Power Systems Data API"
    page.get_by_role("link", name="The list of power system resources").click()
    page.wait_for_url("**/power-system-resources")
    assert '"US-WECC-CISO"' in page.content()


def test_swagger_ui_renders_every_spec_endpoint(page, grid):
    page.goto("/")
    page.get_by_role("link", name="Interactive API documentation (Swagger UI)").click()
    page.wait_for_selector(".swagger-ui .opblock")
    text = page.locator(".swagger-ui").inner_text()
    for path in [
        "/metadata/topology-levels",
        "/metadata/fuel-source/types",
        "/metadata/fuel-source/technologies",
        "/power-system-resources/{id}/describe",
        "/power-system-resources/{id}/topology",
        "/power-system-resources/{id}/capacity",
        "/power-system-resources/{id}/transmission-capacity",
    ]:
        assert path in text


def test_swagger_ui_try_it_out_calls_the_api(page, grid):
    page.goto("/docs/")
    block = try_it_out(page, "/power-system-resources/{id}/topology")
    response = response_status(block)
    response.wait_for()
    assert "200" in response.inner_text()
    assert "US-WECC-CISO-ABC" in block.locator(".responses-wrapper").inner_text()


def test_admin_psr_page_shows_tree_and_children_and_autocompletes_parent(page, grid):
    SuperuserFactory(username="staff")
    page.goto("/admin/")
    log_in(page)
    page.goto("/admin/psr/powersystemresource/US-WECC-CISO/change/")
    tree = page.locator(".field-place_in_tree").inner_text()
    assert "US-WECC" in tree and "US-WECC-CISO" in tree
    page.locator(".field-children_list").get_by_role("link", name="US-WECC-CISO-ABC").click()
    page.wait_for_url("**/US-WECC-CISO-ABC/change/")
    # The parent field is a select2 autocomplete fed by the admin's autocomplete view.
    page.locator(".field-parent .select2-selection").click()
    page.locator(".select2-search__field").fill("NEVP")
    page.locator(".select2-results__option", has_text="US-WECC-NEVP").wait_for()
