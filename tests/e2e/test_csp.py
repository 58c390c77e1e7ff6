"""The Content-Security-Policy in a real browser: every human page renders under it with no violation reported."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.pagecheck import RECORD_VIOLATIONS, log_in
from tests.e2e.swagger import response_status, try_it_out
from tests.factories import ImportJobFactory, SuperuserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def watched(page):
    """The page, with every CSP violation and every console message about one collected."""
    page.add_init_script(RECORD_VIOLATIONS)
    console = []
    page.on("console", lambda message: console.append(message.text))
    yield page, console


def assert_no_violation(page, console) -> None:
    assert page.evaluate("window.__cspViolations") == []
    assert [text for text in console if "Content Security Policy" in text] == []


def test_every_html_page_carries_a_policy_of_local_assets_only(page, grid):
    for path in ["/", "/docs/", "/redoc/", "/admin/login/"]:
        response = page.goto(path)
        policy = response.headers["content-security-policy"]
        assert "default-src 'self'" in policy
        assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
        assert "http" not in policy  # no other host is allowed


def test_landing_page_renders_with_no_csp_violation(watched, grid):
    page, console = watched
    page.goto("/")
    expect(page.locator("h1")).to_have_text("CDSC Power Systems Data API")
    # The page's own style sheet (an inline <style> with the nonce) applies.
    assert page.evaluate("getComputedStyle(document.body).maxWidth") != "none"
    assert_no_violation(page, console)


def test_swagger_ui_renders_and_calls_the_api_with_no_csp_violation(watched, grid):
    page, console = watched
    page.goto("/docs/")
    status = response_status(try_it_out(page, "/power-system-resources/{id}/describe"))
    expect(status).to_contain_text("200")
    assert_no_violation(page, console)


def test_redoc_renders_every_endpoint_with_no_csp_violation(watched, grid):
    page, console = watched
    page.goto("/redoc/")
    menu = page.locator(".menu-content")
    # Redoc parses the whole schema before drawing its menu: 3 s on a quiet machine, several times that when the
    # two suites share its two cores.
    expect(menu).to_contain_text("Power System Resources", ignore_case=True, timeout=30_000)
    page.get_by_text("/power-system-resources/{id}/topology").first.wait_for(state="attached")
    assert_no_violation(page, console)


def test_admin_login_and_an_admin_page_render_with_no_csp_violation(watched, grid):
    page, console = watched
    SuperuserFactory(username="staff")
    page.goto("/admin/login/")
    log_in(page)
    page.wait_for_url("**/admin/")
    # The PSR list indents its tree through psr/admin.css classes (style attributes would be refused).
    page.goto("/admin/psr/powersystemresource/")
    child = page.locator(".field-indented_id span", has_text="US-WECC-CISO").first
    parent = page.locator(".field-indented_id span", has_text="US-WECC").first
    assert child.evaluate("e => parseFloat(getComputedStyle(e).paddingLeft)") > parent.evaluate(
        "e => parseFloat(getComputedStyle(e).paddingLeft)"
    )
    page.goto("/admin/psr/powersystemresource/US-WECC-CISO/change/")
    expect(page.locator(".field-place_in_tree")).to_contain_text("US-WECC-CISO")
    page.locator(".field-parent .select2-selection").click()
    page.locator(".select2-search__field").fill("NEVP")
    page.locator(".select2-results__option", has_text="US-WECC-NEVP").wait_for()
    assert_no_violation(page, console)


def test_the_psr_list_filters_by_parent_through_its_autocomplete_with_no_csp_violation(watched, grid):
    page, console = watched
    SuperuserFactory(username="staff")
    page.goto("/admin/login/?next=/admin/psr/powersystemresource/")
    log_in(page)
    page.wait_for_url("**/admin/psr/powersystemresource/")
    # The sidebar's filter is the admin's autocomplete (psr/parent-filter.js reloads the list when a parent is picked).
    page.locator(".psr-parent-filter .select2-selection").click()
    page.locator(".select2-search__field").fill("CISO-ABC")
    page.locator(".select2-results__option", has_text="US-WECC-CISO-ABC").first.click()
    page.wait_for_url("**/admin/psr/powersystemresource/?parent__id__exact=US-WECC-CISO-ABC")
    expect(page.locator("#result_list .field-indented_id")).to_have_text(["US-WECC-CISO-ABC-HYDRO"])
    expect(page.locator(".psr-parent-filter .select2-selection__rendered")).to_contain_text("US-WECC-CISO-ABC")
    # The PSR's page: its children as a count linking back to that list; the tree's arrows drawn as arrows.
    page.goto("/admin/psr/powersystemresource/US-WECC-CISO-ABC-HYDRO/change/")
    expect(page.locator(".field-place_in_tree .readonly")).to_contain_text(
        re.compile(r"US-WECC \(.+\) → US-WECC-CISO \(")
    )
    assert_no_violation(page, console)


def test_import_pages_render_and_run_their_scripts_with_no_csp_violation(watched, grid, settings, tmp_path):
    settings.CDSC_IMPORT_DIR = tmp_path / "imports"
    settings.CDSC_IMPORT_MAX_BYTES = 10
    page, console = watched
    staff = SuperuserFactory(username="staff")
    job = ImportJobFactory(created_by=staff)
    page.goto("/imports/new")
    log_in(page)
    page.wait_for_url("**/imports/new")
    big = tmp_path / "big.csv"
    big.write_text("psr,quantity,start,end,value\n")
    page.get_by_label("File").set_input_files(big)
    # upload.js ran: it marks a file over the limit invalid before anything is sent.
    assert "over the upload limit" in page.get_by_label("File").evaluate("input => input.validationMessage")
    # job.js runs on the job page: it asks the status endpoint while the job is queued.
    with page.expect_request(re.compile(rf"/imports/{job.pk}/status$")):
        page.goto(f"/imports/{job.pk}")
    page.goto("/imports/")
    expect(page.locator("body")).to_contain_text(job.original_name)
    assert_no_violation(page, console)
