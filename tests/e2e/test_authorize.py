"""Swagger UI's Authorize button takes an API key, and "Try it out" then sends it: the real flow of a third party
on a server that requires keys."""

from cdsc_site.clients import services
from tests.e2e.swagger import response_status, try_it_out


def _try_topology(page) -> str:
    status = response_status(try_it_out(page, "/power-system-resources/{id}/topology"))
    status.wait_for()
    return status.inner_text()


def test_swagger_ui_without_a_key_gets_401_when_keys_are_required(page, grid, settings):
    settings.CDSC_API_KEYS_REQUIRED = True
    page.goto("/docs/")
    assert "401" in _try_topology(page)


def test_swagger_ui_authorize_button_sends_the_key(page, grid, settings):
    settings.CDSC_API_KEYS_REQUIRED = True
    client = services.api_client_get_or_create(organisation="Browser Org")
    _, raw = services.api_key_create(client=client, label="swagger")
    page.goto("/docs/")
    page.locator(".swagger-ui .btn.authorize").first.click()
    bearer = page.locator(".auth-container", has_text="BearerAuth")
    bearer.locator("input").fill(raw)
    bearer.locator("button.authorize").click()
    bearer.locator("button", has_text="Logout").wait_for()  # the key is taken
    bearer.locator("button.btn-done").click()
    assert "200" in _try_topology(page)
