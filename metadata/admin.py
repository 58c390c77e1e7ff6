"""Admin for topology levels and the fuel-source catalogue; every change is kept in the history."""

from django.contrib import admin
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from .models import EmissionFactor, FuelSourceTechnology, FuelSourceType, SourceFuelMapping, TopologyLevel


@admin.register(TopologyLevel)
class TopologyLevelAdmin(SimpleHistoryAdmin):
    list_display = ["id", "level", "cim_class", "description"]
    list_filter = ["level"]
    search_fields = ["id", "cim_class", "description"]
    ordering = ["level", "id"]

    def get_readonly_fields(self, request, obj=None):
        # The id is the key PSRs refer to; renaming it would create a second level, not rename this one.
        return ["id"] if obj else []


class CategoryFilter(admin.SimpleListFilter):
    """Filter by the first level of the AIB name: Renewable, Fossil, Nuclear, Solar, Wind, Thermal, ..."""

    title = "category"
    parameter_name = "category"

    def lookups(self, request, model_admin):
        names = model_admin.model.objects.values_list("name", flat=True)
        categories = sorted({name.split(" - ", 1)[0] for name in names})
        return [(c, c) for c in categories]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        return queryset.filter(name__iexact=value) | queryset.filter(name__istartswith=f"{value} - ")


class FuelSourceAdmin(SimpleHistoryAdmin):
    list_display = ["name", "aib_code", "external_reference"]
    list_filter = [CategoryFilter, "external_reference"]
    search_fields = ["name", "aib_code"]
    ordering = ["aib_code", "name"]


admin.site.register(FuelSourceType, FuelSourceAdmin)
admin.site.register(FuelSourceTechnology, FuelSourceAdmin)


@admin.register(SourceFuelMapping)
class SourceFuelMappingAdmin(SimpleHistoryAdmin):
    list_display = ["source", "code", "fuel_type", "technology", "note"]
    list_filter = ["source"]
    search_fields = ["code", "fuel_type__name", "technology__name", "note"]
    autocomplete_fields = ["fuel_type", "technology"]
    ordering = ["source", "code"]


@admin.register(EmissionFactor)
class EmissionFactorAdmin(SimpleHistoryAdmin):
    """The catalogue's default emission factors: shipped ones (docs/emissions.md) and the operator's."""

    # Links to sources are https (Django 6's default; said here so that 5.2 does not warn).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    list_display = [
        "fuel_type",
        "technology",
        "basis",
        "value",
        "valid_from",
        "valid_until",
        "source_document",
        "shipped",
    ]
    list_filter = ["basis", "shipped", "source_year"]
    search_fields = ["fuel_type__name", "fuel_type__aib_code", "technology__name", "source_document", "note"]
    autocomplete_fields = ["fuel_type", "technology"]
    list_select_related = ["fuel_type", "technology"]
