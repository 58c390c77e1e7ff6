"""Usage per key: counted in the cache without a database write per request, flushed into the key's row."""

import time

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cdsc_site.clients import usage
from cdsc_site.clients.models import ApiKey

from .conftest import bearer, issue

LIST = "/metadata/topology-levels"


def test_a_request_with_a_key_writes_nothing_to_the_database(client, demo, issued, monkeypatch):
    # Not a minute after this process's last flush, whenever the suite reaches this test.
    monkeypatch.setattr(usage, "_last_flush", time.monotonic())
    client.get(LIST, **bearer(issued.raw))  # the key's record is now kept by this process
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST, **bearer(issued.raw)).status_code == 200
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []
    assert ApiKey.objects.get(pk=issued.key.pk).request_count == 0


def test_flushing_moves_the_counts_and_last_use_into_the_keys_rows(client, demo):
    first, second = issue("First"), issue("Second")
    for _ in range(3):
        client.get(LIST, **bearer(first.raw))
    client.get(LIST, **bearer(second.raw))
    client.get(LIST)  # anonymous: counted nowhere
    assert usage.usage_flush() == 4
    rows = {k.pk: k for k in ApiKey.objects.all()}
    assert rows[first.key.pk].request_count == 3 and rows[second.key.pk].request_count == 1
    assert rows[first.key.pk].last_used is not None
    # Flushed counts are not counted twice; new requests add up.
    assert usage.usage_flush() == 0
    client.get(LIST, **bearer(first.raw))
    call_command("flush_api_usage")
    assert ApiKey.objects.get(pk=first.key.pk).request_count == 4


def test_a_process_flushes_by_itself_once_a_minute(client, demo, issued, monkeypatch):
    client.get(LIST, **bearer(issued.raw))
    assert ApiKey.objects.get(pk=issued.key.pk).request_count == 0
    monkeypatch.setattr(usage, "_last_flush", usage._last_flush - usage.FLUSH_EVERY_SECONDS)
    client.get(LIST, **bearer(issued.raw))
    assert ApiKey.objects.get(pk=issued.key.pk).request_count == 2


def test_refused_requests_of_a_revoked_key_are_not_counted_as_use(client, demo, issued):
    from cdsc_site.clients import services

    services.api_key_revoke(key=issued.key)
    assert client.get(LIST, **bearer(issued.raw)).status_code == 401
    usage.usage_flush()
    assert ApiKey.objects.get(pk=issued.key.pk).request_count == 0
