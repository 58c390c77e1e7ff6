"""Fixtures of the API-client tests: a client with a key, and a request helper sending it."""

from dataclasses import dataclass

import pytest

from cdsc_site.clients import selectors, services
from cdsc_site.clients.models import ApiClient, ApiKey


@dataclass
class Issued:
    client: ApiClient
    key: ApiKey
    raw: str


def issue(organisation: str = "Carbon Co", **kwargs) -> Issued:
    client = services.api_client_get_or_create(organisation=organisation)
    key, raw = services.api_key_create(client=client, label="tests", **kwargs)
    return Issued(client, key, raw)


@pytest.fixture(autouse=True)
def _forget_keys():
    """Kept key records of an earlier test (rolled back since) must not answer for this one."""
    selectors.forget_keys()
    yield
    selectors.forget_keys()


@pytest.fixture
def issued(db) -> Issued:
    return issue()


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
