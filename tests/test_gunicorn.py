"""gunicorn's production settings (cdsc_site/gunicorn.py): gunicorn accepts them, reads them from the environment, and
its limits sit above Django's, so that a request a little over Django's limits gets Django's problem document."""

import os
import subprocess
import sys

from django.conf import settings

from tests.conftest import REPO
from tests.test_settings import LONG_KEY

GUNICORN = [sys.executable, "-m", "gunicorn", "-c", "python:cdsc_site.gunicorn"]
PRODUCTION = {
    "PATH": os.environ["PATH"],
    "DJANGO_SECRET_KEY": LONG_KEY,
    "DJANGO_ALLOWED_HOSTS": "api.example.org",
}


def gunicorn(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", **env}
    return subprocess.run(
        [*GUNICORN, *args, "cdsc_site.wsgi"], cwd=REPO, env=environment, capture_output=True, text=True, timeout=120
    )


def printed_config(tmp_path, **env: str) -> dict[str, str]:
    result = gunicorn(tmp_path, "--print-config", **env)
    assert result.returncode == 0, result.stderr
    return {
        name.strip(): value.strip()
        for name, _, value in (line.partition("=") for line in result.stdout.splitlines())
        if value
    }


def test_gunicorn_accepts_the_config_with_the_production_settings(tmp_path):
    result = gunicorn(tmp_path, "--check-config")
    assert result.returncode == 0, result.stdout + result.stderr
    refused = gunicorn(tmp_path, "--check-config", DJANGO_SECRET_KEY="")
    assert refused.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in refused.stdout + refused.stderr


def test_the_defaults(tmp_path):
    config = printed_config(tmp_path)
    assert config["worker_class"] == "gthread"
    assert int(config["workers"]) == 2 * os.cpu_count() + 1
    assert int(config["threads"]) > 1
    assert int(config["keepalive"]) <= 5
    assert int(config["timeout"]) == 30
    assert int(config["max_requests"]) > 0 and int(config["max_requests_jitter"]) > 0
    assert config["control_socket_disable"] == "True"
    # The access log names the path without its query string (long, or holding a secret sent by mistake).
    assert '"%(m)s %(U)s %(H)s"' in config["access_log_format"] and "%(r)s" not in config["access_log_format"]


def test_every_setting_comes_from_its_variable(tmp_path):
    config = printed_config(
        tmp_path,
        GUNICORN_BIND="127.0.0.1:9000,unix:/tmp/cdsc.sock",
        GUNICORN_WORKERS="3",
        GUNICORN_THREADS="8",
        GUNICORN_WORKER_CLASS="sync",
        GUNICORN_TIMEOUT="20",
        GUNICORN_GRACEFUL_TIMEOUT="25",
        GUNICORN_KEEPALIVE="65",
        GUNICORN_LIMIT_REQUEST_LINE="4094",
        GUNICORN_LIMIT_REQUEST_FIELDS="50",
        GUNICORN_LIMIT_REQUEST_FIELD_SIZE="8190",
        GUNICORN_MAX_REQUESTS="500",
        GUNICORN_MAX_REQUESTS_JITTER="50",
        GUNICORN_CONTROL_SOCKET="/run/cdsc/gunicorn.ctl",
    )
    assert config["bind"] == "['127.0.0.1:9000', 'unix:/tmp/cdsc.sock']"
    expected = {
        "workers": "3",
        "threads": "8",
        "worker_class": "sync",
        "timeout": "20",
        "graceful_timeout": "25",
        "keepalive": "65",
        "limit_request_line": "4094",
        "limit_request_fields": "50",
        "limit_request_field_size": "8190",
        "max_requests": "500",
        "max_requests_jitter": "50",
        "control_socket": "/run/cdsc/gunicorn.ctl",
        "control_socket_disable": "False",
    }
    assert {name: config[name] for name in expected} == expected


def test_gunicorns_limits_sit_above_djangos(tmp_path):
    config = printed_config(tmp_path)
    # "GET " + a path + "?" + the longest query string Django answers + " HTTP/1.1" fits gunicorn's request line.
    longest_line = len("GET /power-system-resources/US-WECC-CISO/timeseries/generation? HTTP/1.1")
    assert int(config["limit_request_line"]) >= settings.CDSC_MAX_QUERY_STRING_BYTES + longest_line
    # A single header as large as all of Django's header budget still reaches Django.
    assert int(config["limit_request_field_size"]) > settings.CDSC_MAX_HEADER_BYTES
