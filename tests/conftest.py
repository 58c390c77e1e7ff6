"""Shared fixtures: the demo grid of the spec's examples, API clients, the generated OpenAPI schema."""

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from rest_framework.test import APIClient

from cdsc_site.api.response_cache import clear_local_responses
from metadata.models import FuelSourceTechnology, FuelSourceType, SourceFuelMapping
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


# The names of the fixtures made by once_per_module.
_ONCE_PER_MODULE: set[str] = set()


def once_per_module(name: str, load: Callable[[], object], *, inside: str | None = None):
    """A module-scoped fixture `name` that runs `load` once, in a transaction rolled back at the module's end (inside
    that of the once_per_module fixture `inside`, whose data it builds on). The tests that use it (with `db`) each
    run in a savepoint inside it, so what one changes is gone for the next; they run after the module's tests that
    use fewer such fixtures (pytest_collection_modifyitems), which so never see its data."""
    _ONCE_PER_MODULE.add(name)

    @pytest.fixture(scope="module", name=name)
    def loaded(request, django_db_setup, django_db_blocker):
        if inside:
            request.getfixturevalue(inside)
        atomic = transaction.atomic()
        with django_db_blocker.unblock():
            atomic.__enter__()
        try:
            with django_db_blocker.unblock():
                load()
            yield
        finally:
            with django_db_blocker.unblock():
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)

    return loaded


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Within each module's run of tests, those that use fewer once_per_module fixtures first (none, then one, then
    one inside another), otherwise in their order. After pytest-django's sort (database tests, then transactional
    ones, then the rest), which keeps a module's database tests together."""

    def shares(item: pytest.Item) -> int:
        return sum(name in _ONCE_PER_MODULE for name in getattr(item, "fixturenames", ()))

    start = 0
    for end in range(1, len(items) + 1):
        if end == len(items) or getattr(items[end], "module", None) is not getattr(items[start], "module", None):
            items[start:end] = sorted(items[start:end], key=shares)
            start = end


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: a rolled-back test must not leave cached rows behind."""
    cache.clear()
    timeseries_cache.clear()
    clear_local_responses()  # a rolled-back test's data version comes back: its responses must not


_demo_grid = once_per_module("_demo_grid", load_spec_examples)


@pytest.fixture
def demo(_demo_grid, db) -> None:
    """The spec's example grid: reference topology levels, US-WECC, US-WECC-CISO, ... with capacities (loaded once
    per module)."""


# The rows, history included, that catalogue_sync and source_mappings_sync made the first time `grid` ran them on an
# empty catalogue: copied in by the following ones (the services write row by row, some 1.5 s on PostgreSQL).
_catalogue_made: dict[type[models.Model], list[dict]] = {}


def _catalogue_load() -> None:
    """catalogue_sync and source_mappings_sync; on an empty catalogue, the rows they made on the first empty one."""
    tables = [FuelSourceType, FuelSourceTechnology, SourceFuelMapping]
    tables += [model.history.model for model in tables]
    empty = not any(model.objects.exists() for model in tables)
    if empty and _catalogue_made:
        for model in tables:
            model.objects.bulk_create(model(**row) for row in _catalogue_made[model])
        return
    catalogue_sync()
    source_mappings_sync()
    if empty:
        _catalogue_made.update((model, list(model.objects.values())) for model in tables)


@pytest.fixture
def grid(transactional_db) -> None:
    """The demo grid for tests that commit (transaction=True, live servers, worker processes). Such tests flush
    every table after them, the catalogue the migrations loaded included, so it is loaded again first."""
    _catalogue_load()
    load_spec_examples()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A SQLite file that `manage.py migrate` made, once for the session: a test that needs a fresh, migrated
    database of its own for another process copies it (a migrate run takes some 5 s; it writes nothing else)."""
    folder = tmp_path_factory.mktemp("migrated-sqlite")
    path = folder / "migrated.sqlite3"
    env = {"PATH": os.environ["PATH"], "CDSC_VAR_DIR": str(folder / "var"), "DATABASE_URL": f"sqlite:///{path}"}
    migrate = [sys.executable, "manage.py", "migrate", "-v", "0"]
    result = subprocess.run(migrate, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return path


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
