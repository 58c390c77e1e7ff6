"""CORS in a real browser: a script of another web site reads the API (headers included) and cannot write to it."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


class _DashboardPage(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><title>dashboard</title>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def other_site(browser, live_server):
    """A page of another web site whose scripts call the live server's API (http://localhost:PORT): a real server on
    127.0.0.1 and another port, so another origin, and a loopback one like the API (Chromium's local-network rules
    stay out of the way). A real server, not a Playwright route: routing changes how Chromium sends preflights."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _DashboardPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
    yield page, live_server.url
    context.close()
    server.shutdown()
    server.server_close()
    thread.join()


def test_another_site_reads_the_api_after_a_preflight_and_sees_the_exposed_headers(other_site, grid):
    page, server = other_site
    result = page.evaluate(
        """async (url) => {
            // If-None-Match is no "simple" header: the browser sends a preflight first.
            const response = await fetch(url, {headers: {"If-None-Match": '"an-old-version"'}});
            const body = await response.json();
            const first = body.power_system_resources[0].id;
            return {status: response.status, etag: response.headers.get("ETag"), first: first};
        }""",
        f"{server}/power-system-resources",
    )
    assert result["status"] == 200
    assert result["etag"]
    assert result["first"].startswith("US-")


@pytest.mark.parametrize(
    "request_init",
    [
        {"method": "POST", "headers": {"Content-Type": "application/json"}, "body": "{}"},
        {"method": "PUT", "body": "{}"},
        {"method": "DELETE"},
    ],
    ids=["post-json", "put", "delete"],
)
def test_another_site_cannot_write_to_the_api(other_site, grid, request_init):
    page, server = other_site
    error = page.evaluate(
        """async ([url, init]) => {
            try {
                await fetch(url, init);
                return null;
            } catch (e) {
                return String(e);
            }
        }""",
        [f"{server}/power-system-resources", request_init],
    )
    # The preflight did not allow it: the browser never sent the request.
    assert error is not None and "Failed to fetch" in error


def test_another_site_cannot_read_the_admin(other_site, grid):
    page, server = other_site
    error = page.evaluate(
        "async (url) => { try { await fetch(url); return null; } catch (e) { return String(e); } }",
        f"{server}/admin/login/",
    )
    assert error is not None
