"""The Python client's retries, against a small HTTP server of this test that answers from a script: 429 and 503 with
and without Retry-After, errors that are not retried, connections refused, and `next` links to another host."""

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cdsc_client import CDSC, RateLimited, Retry, ServerError, TransportError, transport

PROBLEM_429 = {
    "type": "about:blank",
    "title": "Too Many Requests",
    "status": 429,
    "detail": "Rate limit exceeded: 300 requests per 60 s.",
    "instance": "/power-system-resources/X/describe",
}
DESCRIBE = {"id": "X", "describe": {"name": "X", "timezone": "UTC"}, "next": None, "previous": None}


class Stub:
    """An HTTP server answering each GET with the next (status, headers, body) of its script (the last one again
    when the script runs out), and keeping the path and headers of every request it got."""

    def __init__(self, script: list[tuple[int, dict[str, str], object]]):
        self.script = list(script)
        self.requests: list[tuple[str, dict[str, str], float]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                stub.requests.append((self.path, dict(self.headers), time.monotonic()))
                status, headers, body = stub.script.pop(0) if len(stub.script) > 1 else stub.script[0]
                data = json.dumps(body).encode()
                self.send_response(status)
                content_type = "application/problem+json" if status >= 400 else "application/json"
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "Stub":
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def waits(monkeypatch) -> Iterator[list[float]]:
    """The waits the client asks for between attempts, recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr(transport, "_sleep", recorded.append)
    yield recorded


def test_a_429_is_retried_after_the_seconds_retry_after_says():
    script = [(429, {"Retry-After": "1"}, PROBLEM_429), (200, {}, DESCRIBE)]
    with Stub(script) as stub:
        started = time.monotonic()
        described = CDSC(stub.url).describe("X")
        elapsed = time.monotonic() - started
    assert described["name"] == "X"
    assert len(stub.requests) == 2
    assert stub.requests[1][2] - stub.requests[0][2] >= 1.0
    assert elapsed >= 1.0


def test_retry_after_as_an_http_date(waits):
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    with Stub([(429, {"Retry-After": when}, PROBLEM_429), (200, {}, DESCRIBE)]) as stub:
        CDSC(stub.url).describe("X")
    assert len(waits) == 1
    assert 27 <= waits[0] <= 30


def test_503_backs_off_exponentially_then_succeeds(waits):
    unavailable = {"type": "about:blank", "title": "Service Unavailable", "status": 503, "detail": "database down"}
    with Stub([(503, {}, unavailable)] * 3 + [(200, {}, DESCRIBE)]) as stub:
        described = CDSC(stub.url, retry=Retry(attempts=5, backoff=0.5)).describe("X")
    assert described["name"] == "X"
    assert waits == [0.5, 1.0, 2.0]
    assert len(stub.requests) == 4


def test_attempts_are_bounded_and_the_last_429_is_raised_with_its_problem(waits):
    with Stub([(429, {"Retry-After": "2"}, PROBLEM_429)]) as stub, pytest.raises(RateLimited) as limited:
        CDSC(stub.url, retry=Retry(attempts=3)).describe("X")
    assert len(stub.requests) == 3
    assert waits == [2.0, 2.0]
    error = limited.value
    assert (error.status, error.retry_after, error.problem) == (429, 2.0, PROBLEM_429)
    assert error.detail == PROBLEM_429["detail"] and error.title == "Too Many Requests"
    assert error.url == f"{stub.url}/power-system-resources/X/describe"


def test_a_wait_longer_than_max_wait_is_not_waited_for(waits):
    script = [(429, {"Retry-After": "3600"}, PROBLEM_429), (200, {}, DESCRIBE)]
    with Stub(script) as stub, pytest.raises(RateLimited) as limited:
        CDSC(stub.url).describe("X")
    assert len(stub.requests) == 1
    assert waits == []
    assert limited.value.retry_after == 3600.0


def test_other_errors_are_not_retried(waits):
    failed = {"type": "about:blank", "title": "Internal Server Error", "status": 500, "detail": "boom"}
    with Stub([(500, {}, failed), (200, {}, DESCRIBE)]) as stub, pytest.raises(ServerError) as error:
        CDSC(stub.url).describe("X")
    assert len(stub.requests) == 1
    assert (error.value.status, error.value.detail) == (500, "boom")


def test_a_refused_connection_is_retried_then_raised(waits):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    # Nothing listens on the port once the socket is closed.
    with pytest.raises(TransportError) as error:
        CDSC(f"http://127.0.0.1:{port}", retry=Retry(attempts=3, backoff=0.25)).describe("X")
    assert waits == [0.25, 0.5]
    assert error.value.status is None
    assert "3 attempts" in str(error.value)


def test_next_links_are_followed_on_the_clients_own_host_with_the_key():
    page1 = {
        "power_system_resources": [{"id": "A", "name": "A", "level": "L", "parent": None}],
        "next": "http://elsewhere.invalid/power-system-resources?cursor=abc",
        "previous": None,
    }
    page2 = {"power_system_resources": [{"id": "B", "name": "B", "level": "L", "parent": "A"}], "next": None}
    with Stub([(200, {}, page1), (200, {}, page2)]) as stub:
        psrs = CDSC(stub.url, api_key="AbCd1234.secret").psrs()
    assert list(psrs["id"]) == ["A", "B"]
    assert [path for path, _, _ in stub.requests] == ["/power-system-resources", "/power-system-resources?cursor=abc"]
    assert all(headers["Authorization"] == "Bearer AbCd1234.secret" for _, headers, _ in stub.requests)


def test_retry_after_parsing():
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert transport.parse_retry_after("7", now) == 7.0
    assert transport.parse_retry_after("Thu, 01 Jan 2026 12:00:42 GMT", now) == 42.0
    assert transport.parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now) == 0.0
    assert transport.parse_retry_after("soon", now) is None
    assert transport.parse_retry_after(None, now) is None


def test_the_etag_cache_keeps_the_most_recent_answers_within_its_bytes():
    size = len(json.dumps(DESCRIBE).encode())
    for cache_bytes, revalidated in ((10 * size, True), (size, False)):
        with Stub([(200, {"ETag": '"v1"'}, DESCRIBE)]) as stub:
            client = CDSC(stub.url, etag_cache_bytes=cache_bytes)
            for psr in ("A", "B", "A"):
                client.describe(psr)
        sent = [headers.get("If-None-Match") for _, headers, _ in stub.requests]
        # A third read of A revalidates only while A is still kept: room for one answer keeps B alone.
        assert sent == [None, None, '"v1"' if revalidated else None]
