"""Driving Swagger UI as a person does: open an operation, "Try it out" with a PSR id, "Execute"."""

from playwright.sync_api import Locator, Page


def try_it_out(page: Page, path: str, psr_id: str = "US-WECC-CISO") -> Locator:
    """Execute the operation at `path` (as Swagger UI lists it) with `psr_id`; the operation's block, whose live
    response (`response_status(block)`, `.responses-wrapper`) then shows the answer."""
    block = page.locator(".opblock", has_text=path).first
    block.locator(".opblock-summary").click()
    block.get_by_role("button", name="Try it out").click()
    block.locator('input[placeholder="id"]').fill(psr_id)
    block.get_by_role("button", name="Execute").click()
    return block


def response_status(block: Locator) -> Locator:
    return block.locator(".live-responses-table tr.response .response-col_status").first
