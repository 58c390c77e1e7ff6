"""Shared fixtures: the demo grid of the spec's examples, API clients, the generated OpenAPI schema."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from cdsc_site.api.response_cache import clear_local_responses
from metadata.services import catalogue_sync, source_mappings_sync
from psr.demo import load_spec_examples
from timeseries import cache as timeseries_cache

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def reference_dir() -> Path | None:
    """The AIB EECS reference lists (../shared/data/reference), when this machine has them."""
    path = Path(os.environ.get("CDSC_REFERENCE_DATA", SHARED / "data" / "reference"))
    return path if path.is_dir() else None


def pytest_sessionstart(session: pytest.Session) -> None:
    # Importing settings creates no folder, and SQLite creates its file but not the file's folder (by default var/,
    # which a fresh clone does not have yet).
    for database in settings.DATABASES.values():
        name = database.get("TEST", {}).get("NAME")
        if database["ENGINE"] == "django.db.backends.sqlite3" and name:
            Path(name).parent.mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: a rolled-back test must not leave cached rows behind."""
    cache.clear()
    timeseries_cache.clear()
    clear_local_responses()  # a rolled-back test's data version comes back: its responses must not


@pytest.fixture
def demo(db) -> None:
    """The spec's example grid: reference topology levels, US-WECC, US-WECC-CISO, ... with capacities."""
    load_spec_examples()


@pytest.fixture
def grid(transactional_db) -> None:
    """The demo grid for tests that commit (transaction=True, live servers, worker processes). Such tests flush
    every table after them, the catalogue the migrations loaded included, so it is loaded again first."""
    catalogue_sync()
    source_mappings_sync()
    load_spec_examples()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def redis_cache(settings):
    """A throwaway Redis of this test only as the default cache, as REDIS_URL makes it in production (1 s socket
    timeouts); the server, to stop, freeze or start again."""
    from tests.timeseries.imports.workers.workers import ThrowawayRedis  # it imports this module

    server = ThrowawayRedis()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0},
        }
    }
    try:
        yield server
    finally:
        server.stop()
