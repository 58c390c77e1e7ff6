"""Writes of API clients: creating a client or a key (the key is returned once, never stored), revoking a key."""

from datetime import datetime

from django.db import transaction

from .models import ApiClient, ApiKey


@transaction.atomic
def api_client_get_or_create(*, organisation: str, contact_email: str = "", contact_name: str = "") -> ApiClient:
    """The client of this organisation, created on first use."""
    client, _ = ApiClient.objects.get_or_create(
        organisation=organisation.strip(), defaults={"contact_email": contact_email, "contact_name": contact_name}
    )
    return client


@transaction.atomic
def api_key_create(*, client: ApiClient, label: str, expires: datetime | None = None) -> tuple[ApiKey, str]:
    """A new key for `client`: the saved row (prefix and hash only) and the key itself, which nothing keeps.
    Show it to the person once; a lost key is revoked and replaced, never recovered."""
    key, raw = ApiKey.objects.create_key(client=client, name=label.strip()[:50] or "key", expiry_date=expires)
    return key, raw


@transaction.atomic
def api_key_revoke(*, key: ApiKey) -> ApiKey:
    """Revoke `key` for good (the library refuses to un-revoke)."""
    if not key.revoked:
        key.revoked = True
        key.save(update_fields=["revoked"])
    return key


@transaction.atomic
def api_client_set_limits(
    *, client: ApiClient, requests_per_minute: int | None = None, points_per_minute: int | None = None
) -> ApiClient:
    """Set the client's own rate limits (None leaves one as it is; 0 means no limit)."""
    if requests_per_minute is not None:
        client.requests_per_minute = requests_per_minute
    if points_per_minute is not None:
        client.points_per_minute = points_per_minute
    client.full_clean()
    client.save()
    return client
