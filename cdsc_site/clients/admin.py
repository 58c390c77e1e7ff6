"""Admin of API clients and keys: a key is shown once, on the page after it is created; usage is listed per key."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey
from simple_history.admin import SimpleHistoryAdmin

from . import services, usage
from .models import ApiClient, ApiKey

# The library's own key model is installed with it but unused: our keys belong to clients.
admin.site.unregister(APIKey)


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    fields = ["prefix", "name", "created", "expiry_date", "revoked", "last_used", "request_count"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: ApiClient | None = None) -> bool:
        return False  # keys are made on the key page, where the new key is shown once


@admin.register(ApiClient)
class ApiClientAdmin(SimpleHistoryAdmin):
    list_display = ["organisation", "contact_email", "is_active", "key_count", "requests_per_minute", "add_key"]
    list_filter = ["is_active"]
    search_fields = ["organisation", "contact_name", "contact_email", "notes"]
    inlines = [ApiKeyInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiClient]:
        return super().get_queryset(request).prefetch_related("keys")

    @admin.display(description="keys")
    def key_count(self, client: ApiClient) -> int:
        return len(client.keys.all())

    @admin.display(description="")
    def add_key(self, client: ApiClient) -> str:
        url = reverse("admin:clients_apikey_add") + f"?client={client.pk}"
        return format_html('<a href="{}">Add a key</a>', url)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        usage.usage_flush()  # the inline's counts as of now
        return super().changeform_view(request, object_id, form_url, extra_context)


@admin.register(ApiKey)
class ApiKeyAdmin(APIKeyModelAdmin, SimpleHistoryAdmin):
    list_display = ["prefix", "name", "client", "created", "expiry_date", "_has_expired", "revoked", "last_used",
                    "request_count"]  # fmt: skip
    list_filter = ["revoked", "client"]
    list_select_related = ["client"]
    search_fields = ["prefix", "name", "client__organisation"]
    autocomplete_fields = ["client"]
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> tuple[str, ...]:
        fields = (*super().get_readonly_fields(request, obj), "last_used", "request_count")
        return (*fields, "client") if obj is not None else fields

    def changelist_view(self, request, extra_context=None):
        usage.usage_flush()  # the list's counts as of now
        return super().changelist_view(request, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        usage.usage_flush()
        return super().changeform_view(request, object_id, form_url, extra_context)

    @admin.action(description="Revoke the selected keys (for good)")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        count = 0
        for key in queryset.filter(revoked=False):
            services.api_key_revoke(key=key)
            count += 1
        self.message_user(request, f"{count} key(s) revoked.", messages.SUCCESS)
