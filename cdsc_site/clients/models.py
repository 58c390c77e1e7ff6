"""API clients, their keys (stored only as hashes), and the base of per-client grants on private resources."""

from django.conf import settings
from django.db import models
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager
from simple_history.models import HistoricalRecords


class ApiClient(models.Model):
    """An organisation calling the API (a carbon-accounting platform, a research group, ...), with its keys."""

    organisation = models.CharField(max_length=200, unique=True)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    notes = models.TextField(blank=True)
    is_active = models.BooleanField(
        default=True, help_text="An inactive client's keys are refused (401) until it is active again."
    )
    requests_per_minute = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Overrides CDSC_RATE_LIMIT_CLIENT for this client's keys (empty: the default; 0: no limit).",
    )
    points_per_minute = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Overrides CDSC_RATE_LIMIT_CLIENT_POINTS: time-series values per minute (empty: default; 0: none).",
    )
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation"]
        verbose_name = "API client"

    def __str__(self) -> str:
        return self.organisation


class ApiKeyManager(BaseAPIKeyManager):
    pass


class ApiKey(AbstractAPIKey):
    """One key of a client. The library keeps the prefix (shown, to tell keys apart) and a SHA-512 hash of the
    whole key, never the key; it is shown once, when created. Usage is counted in the cache and flushed here
    (cdsc_site.clients.usage), never written per request."""

    objects = ApiKeyManager()

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="keys")
    request_count = models.PositiveBigIntegerField(default=0, editable=False)
    last_used = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["request_count", "last_used"])

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "API key"


class ClientGrant(models.Model):
    """The base of a grant of one private resource to one client. Each private resource keeps its grants beside
    itself (a production project's in `psr`), as a subclass adding the foreign key to the resource; a client then
    sees only the resources it is granted, and staff see everything."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="%(app_label)s_%(class)s_set")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        abstract = True
