"""A real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright against the live test server."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CDSC_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # this machine has no internet: no calls home
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), f"Chromium not found at {CHROMIUM}: install Debian's chromium (make test does)"
    # Playwright's sync API runs an event loop in this thread; the tests touch the database only outside it.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    # Every request must go to our own server: no CDN, no third-party assets.
    foreign = []
    page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(live_server.url) else None)
    yield page
    context.close()
    # data: URLs and blob: URLs of the page's own origin (ReDoc's search worker) are made in the page itself.
    local = ("data:", f"blob:{live_server.url}/")
    assert not [u for u in foreign if not u.startswith(local)], f"requests left the server: {foreign}"
