"""The bad-input corpus of the security edges, sent to the test client and to a real gunicorn serving the app on
the production settings: oversized query strings and headers, a body declared too big, many repeated parameters,
non-UTF-8 bytes in paths and parameters. Each is a 4xx, never a 5xx. Below gunicorn's own limits (cdsc_site/gunicorn.py)
Django answers, with a problem document; past them gunicorn answers with its own short HTML page."""

import json
import socket
import time

import pytest

from tests.gunicorn_server import GunicornServer, RawResponse

PROBLEM = "application/problem+json"
API = "/power-system-resources"


def padding(size: int) -> str:
    return "a" * size


# (id, path with query, extra headers, status): requests Django answers, below every gunicorn limit. Percent-encoded
# non-UTF-8 bytes travel as ASCII, so the test client and a real socket send the same thing.
DJANGO_ANSWERS = [
    ("query-string-over-4096-bytes", f"{API}?level=1&note={padding(5000)}", {}, 414),
    ("query-string-of-1001-repeated-parameters", API + "?" + "l=1&" * 1001, {}, 400),
    ("one-header-of-20000-bytes", API, {"X-Padding": padding(20000)}, 431),
    ("60-headers-of-300-bytes", API, {f"X-Padding-{i}": padding(300) for i in range(60)}, 431),
    ("body-declared-over-the-limit", API, {"Content-Length": "3000000"}, 413),
    ("percent-ff-in-the-path", f"{API}/%FF%FE", {}, 404),
    ("percent-ff-in-an-unknown-path", "/%FF/%C3%28", {}, 404),
    ("percent-ff-in-a-parameter", f"{API}?level=%FF%FE", {}, 400),
    ("overlong-utf-8-in-a-parameter", f"{API}?parent=%C0%AF", {}, 400),
    ("percent-ff-in-a-page-size", "/metadata/fuel-source/types?pageSize=%FF%FE", {}, 400),
]


def assert_problem(status: int, content_type: str, body: bytes, expected: int) -> None:
    assert status == expected, body[:300]
    assert content_type == PROBLEM
    assert json.loads(body)["status"] == expected


# The test client.


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "headers", "status"), [c[1:] for c in DJANGO_ANSWERS], ids=[c[0] for c in DJANGO_ANSWERS]
)
def test_the_test_client_gets_a_problem_document(client, demo, path, headers, status):
    meta = {
        "HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items() if name != "Content-Length"
    }
    if "Content-Length" in headers:
        meta["CONTENT_LENGTH"] = headers["Content-Length"]
    response = client.get(path, **meta)
    assert_problem(response.status_code, response["Content-Type"], response.content, status)


@pytest.mark.django_db
def test_2000_repeated_parameters_are_refused_for_the_query_string_length(client, demo):
    response = client.get(API + "?" + "&".join(["level=1"] * 2000))
    assert_problem(response.status_code, response["Content-Type"], response.content, 414)
    # The problem names the path only: an oversized query string is not echoed back.
    assert response.json()["instance"] == API


@pytest.mark.django_db
def test_the_limits_are_settings(client, demo, settings):
    settings.CDSC_MAX_QUERY_STRING_BYTES = 100
    settings.CDSC_MAX_HEADER_BYTES = 100_000
    assert client.get(f"{API}?note={padding(101)}").status_code == 414
    assert client.get(f"{API}?note={padding(90)}").status_code == 200
    assert client.get(API, HTTP_X_PADDING=padding(50_000)).status_code == 200


@pytest.mark.django_db
def test_a_declared_body_over_the_limit_is_refused_on_the_api_only(client, demo, admin_user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    assert client.get(API, CONTENT_LENGTH="1001").status_code == 413
    assert client.get(API, CONTENT_LENGTH="1000").status_code == 200
    assert_problem(*_client_answer(client.get(API, CONTENT_LENGTH="ten")), 400)
    # The upload page checks its own, larger limit and answers with a page that says why.
    client.force_login(admin_user)
    assert client.get("/imports/new", CONTENT_LENGTH="1001").status_code == 200


def _client_answer(response):
    return response.status_code, response["Content-Type"], response.content


# A real gunicorn on the production settings.


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory, migrated_sqlite):
    server = GunicornServer(tmp_path_factory.mktemp("gunicorn"), migrated_sqlite, GUNICORN_KEEPALIVE="1")
    try:
        yield server.start()
    finally:
        server.stop()


def request(server: GunicornServer, path: str, headers: dict[str, str]) -> RawResponse:
    return server.request(f"GET {path}".encode(), [f"{k}: {v}".encode() for k, v in headers.items()])


@pytest.mark.parametrize(
    ("path", "headers", "status"), [c[1:] for c in DJANGO_ANSWERS], ids=[c[0] for c in DJANGO_ANSWERS]
)
def test_gunicorn_passes_it_to_django_which_answers_a_problem_document(gunicorn, path, headers, status):
    response = request(gunicorn, path, headers)
    assert_problem(response.status, response.headers["content-type"], response.body, status)


def test_raw_non_utf_8_bytes_in_header_values_reach_django_and_do_no_harm(gunicorn):
    # Bytes 0x80-0xFF are allowed in header values (RFC 9110 obs-text); gunicorn passes them on.
    noted = gunicorn.request(f"GET {API}".encode(), [b"X-Note: caf\xe9 \xff\xfe", b'If-None-Match: "\xff"'])
    assert noted.status == 200
    assert noted.headers["content-type"] == "application/json"
    # Over HTTPS (the proxy's header): on plain HTTP, SecurityMiddleware's redirect reads the Host first and Django
    # answers the same 400 problem through handler400, but logs DisallowedHost with its traceback.
    host = gunicorn.send(
        b"GET " + API.encode() + b" HTTP/1.1\r\nHost: 127.0.0.\xff\r\nX-Forwarded-Proto: https\r\n"
        b"Connection: close\r\n\r\n"
    )
    assert_problem(host.status, host.headers["content-type"], host.body, 400)


@pytest.mark.parametrize(
    ("data", "status"),
    [
        # A request line past gunicorn's limit (8190 bytes): 2000 x level=1 is 16 kB.
        (b"GET " + API.encode() + b"?" + b"&".join([b"level=1"] * 2000) + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 414),
        # One header line past GUNICORN_LIMIT_REQUEST_FIELD_SIZE (32768).
        (b"GET " + API.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"a" * 40000 + b"\r\n\r\n", 431),
        # More than GUNICORN_LIMIT_REQUEST_FIELDS (100) headers.
        (
            b"GET "
            + API.encode()
            + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + b"".join(b"X-H%d: 1\r\n" % i for i in range(101))
            + b"\r\n",
            431,
        ),
        (b"GET " + API.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ten\r\n\r\n", 400),
        (b"GET /\x00 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400),
        # gunicorn refuses any byte outside ASCII in the request line, percent-encoded ones (above) pass.
        (b"GET " + API.encode() + b"/\xff\xfe HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400),
        (b"GET /\xc3\x28/\x80 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400),
        (b"GET " + API.encode() + b"?level=\xff HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400),
        (b"GET " + API.encode() + b"?parent=\xc0\xaf HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400),
    ],
    ids=[
        "request-line-over-8190-bytes",
        "header-line-over-32768-bytes",
        "101-headers",
        "bad-content-length",
        "nul-in-the-path",
        "raw-ff-in-the-path",
        "raw-invalid-utf-8-in-an-unknown-path",
        "raw-ff-in-a-parameter",
        "raw-overlong-utf-8-in-a-parameter",
    ],
)
def test_past_gunicorns_own_limits_gunicorn_answers_a_4xx_html_page(gunicorn, data, status):
    response = gunicorn.send(data)
    assert response.status == status
    assert response.headers["content-type"].startswith("text/html")
    assert b"Traceback" not in response.body


def test_a_body_declared_too_big_is_refused_before_it_is_sent(gunicorn):
    # Headers only: the server answers at once, without waiting for the 3 MB it was promised.
    response = gunicorn.request(f"GET {API}".encode(), [b"Content-Length: 3000000"])
    assert_problem(response.status, response.headers["content-type"], response.body, 413)


def test_a_silent_connection_is_closed_within_seconds(gunicorn):
    # gthread gives a new connection at most 5 s of a thread to send its first byte, then GUNICORN_KEEPALIVE (1 s
    # here) in the poller, and closes it (docs/deployment.md, "Slow clients": one that has begun a request and
    # sends it slowly is not cut off like this).
    silent = [socket.create_connection(("127.0.0.1", gunicorn.port), timeout=20) for _ in range(4)]
    started = time.monotonic()
    try:
        for connection in silent:
            assert connection.recv(1) == b""  # closed by the server, with nothing sent
        assert time.monotonic() - started < 5 + 1 + 3
        assert gunicorn.request(b"GET /metadata/topology-levels").status == 200
    finally:
        for connection in silent:
            connection.close()


def test_after_the_corpus_the_server_still_answers_and_logged_no_error(gunicorn):
    assert gunicorn.request(b"GET /metadata/topology-levels").status == 200
    log = gunicorn.log.read_text()
    assert "Traceback" not in log, log[-6000:]
    assert "Error handling request" not in log
    assert not [line for line in log.splitlines() if '" 5' in line]  # no 5xx in the access log


def test_production_sends_hsts_only_over_https_and_the_headers_on_every_answer(gunicorn):
    https = gunicorn.request(b"GET /metadata/topology-levels")
    assert https.status == 200
    assert https.headers["strict-transport-security"].startswith("max-age=")
    plain = gunicorn.request(b"GET /metadata/topology-levels", https=False)
    assert plain.status == 301 and plain.headers["location"].startswith("https://")
    assert "strict-transport-security" not in plain.headers
    refused = request(gunicorn, f"{API}?note={padding(5000)}", {})
    for response in (https, plain, refused):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
