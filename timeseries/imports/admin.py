"""Admin of import jobs: list and inspect them read-only, cancel or retry them. Imports start on the upload page."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from ..models import ImportJob, ImportRowError
from .selectors import duration_text, import_job_written_links
from .services import import_job_cancel, import_job_retry


class ImportRowErrorInline(admin.TabularInline):
    model = ImportRowError
    fields = ["line", "column", "value", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "row errors (the first 1000)"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "file_name",
        "status",
        "created_by",
        "created_at",
        "format_name",
        "mode_name",
        "dry_run",
        "rows_read",
        "rows_inserted",
        "rows_updated",
        "rows_unchanged",
        "rows_rejected",
        "duration",
    ]
    list_display_links = ["id", "file_name"]
    list_filter = ["status", "mode", "detected_format", "requested_format", "dry_run"]
    search_fields = ["original_name", "source_path", "created_by__username"]
    list_select_related = ["created_by"]
    date_hierarchy = "created_at"
    actions = ["cancel_jobs", "retry_jobs"]
    inlines = [ImportRowErrorInline]
    fieldsets = [
        (None, {"fields": ["pages", "status", "stage", "message", "cancel_requested", "attempts", "worker"]}),
        (
            "File",
            {
                "fields": [
                    "original_name",
                    "stored_as",
                    "source_path",
                    "size",
                    "requested_format",
                    "detected_format",
                    "mode",
                    "dry_run",
                    "timezone",
                    "psr",
                ]
            },
        ),
        ("Who and when", {"fields": ["created_by", "created_at", "started_at", "finished_at", "duration"]}),
        (
            "Rows",
            {
                "fields": [
                    "rows_read",
                    "bytes_read",
                    "rows_inserted",
                    "rows_updated",
                    "rows_unchanged",
                    "rows_rejected",
                    "written_data",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        # Everything: a job is the record of what happened, changed only by the import services.
        return [field for fieldset in self.fieldsets for field in fieldset[1]["fields"]]

    def has_add_permission(self, request):
        return False  # imports are made through the upload page or the import_timeseries command

    def has_change_permission(self, request, obj=None):
        # Without an object this gates the cancel/retry actions; no job is edited through a form.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False  # deleting a row would leave its file behind in the import folder

    @admin.display(description="file", ordering="original_name")
    def file_name(self, obj: ImportJob) -> str:
        return obj.original_name or obj.source_path

    @admin.display(description="format", ordering="detected_format")
    def format_name(self, obj: ImportJob) -> str:
        return obj.detected_format or obj.requested_format

    @admin.display(description="mode", ordering="mode")
    def mode_name(self, obj: ImportJob) -> str:
        return obj.mode  # "strict" or "lenient": the column stays narrow, the filter explains them

    @admin.display(description="duration")
    def duration(self, obj: ImportJob) -> str:
        return duration_text(obj.duration) or "-"

    @admin.display(description="stored as")
    def stored_as(self, obj: ImportJob) -> str:
        # The name in the private import folder; never a link, the folder is not served.
        return obj.file.name if obj.file else "-"

    @admin.display(description="pages")
    def pages(self, obj: ImportJob) -> str:
        return format_html(
            '<a href="{}">job page</a> · <a href="{}">row errors (CSV)</a>',
            reverse("imports:detail", args=[obj.pk]),
            reverse("imports:errors-csv", args=[obj.pk]),
        )

    @admin.display(description="data written")
    def written_data(self, obj: ImportJob) -> str:
        links = import_job_written_links(obj)
        if not links:
            return "-"
        return format_html_join(
            "",
            '<div><a href="{}">{}, {} to {}</a></div>',
            ((i["url"], i["label"], i["start"], i["end"]) for i in links),
        )

    @admin.action(description="Cancel the selected import jobs", permissions=["change"])
    def cancel_jobs(self, request, queryset):
        self._apply(request, queryset, import_job_cancel, "cancelled or asked to stop")

    @admin.action(description="Run the selected import jobs again", permissions=["change"])
    def retry_jobs(self, request, queryset):
        self._apply(request, queryset, import_job_retry, "queued again")

    def _apply(self, request, queryset, service, done: str) -> None:
        count, refused = 0, []
        for job in queryset:
            try:
                with transaction.atomic():
                    service(job=job)
            except ValidationError as exc:
                refused.append(f"#{job.pk}: {' '.join(exc.messages)}")
            else:
                count += 1
        if count:
            self.message_user(request, f"{count} import job{'s' if count != 1 else ''} {done}.", messages.SUCCESS)
        if refused:
            self.message_user(request, "Left as they were: " + "; ".join(refused), messages.WARNING)
