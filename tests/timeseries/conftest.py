"""The demo grid once per module, each test in a savepoint inside it (tests/conftest.py clears the cache)."""

import pytest
from django.db import transaction

from psr.demo import load_spec_examples


@pytest.fixture(scope="module")
def _demo_grid(django_db_setup, django_db_blocker):
    """The spec's example grid, loaded once per module in a transaction that is rolled back at its end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            load_spec_examples()
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def demo(_demo_grid, db) -> None:
    """Same as the suite's `demo` (the spec's example grid), without reloading it for every test."""
