"""Admin for operator staff: the PSR tree with its locations, ids, connections and capacities, all audited."""

from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.db import models
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from simple_history.admin import SimpleHistoryAdmin

from .choices import ReadingFormat, ReadingValidity
from .models import (
    AssetInfo,
    Connection,
    ContractType,
    DeclaredIntensity,
    ExternalIdentifier,
    InstalledCapacity,
    Location,
    Meter,
    PowerSystemResource,
    ProductionProject,
    ProductionProjectGrant,
    PsrEmissionFactor,
    TransmissionCapacity,
)


def psr_link(psr_id: str) -> str:
    return format_html('<a href="{}">{}</a>', reverse("admin:psr_powersystemresource_change", args=[psr_id]), psr_id)


class LocationInline(admin.StackedInline):
    model = Location
    extra = 0
    max_num = 1
    fields = [
        ("postal_code", "town_name", "state_or_province"),
        ("building_name", "display_address"),
        "description",
        "geojson",
    ]


class AssetInfoInline(admin.TabularInline):
    model = AssetInfo
    extra = 0


class ExternalIdentifierInline(admin.TabularInline):
    model = ExternalIdentifier
    extra = 0


class ConnectionInline(admin.TabularInline):
    model = Connection
    fk_name = "psr"
    extra = 0
    autocomplete_fields = ["connected_psr"]
    verbose_name = "connection"
    verbose_name_plural = "connections recorded on this PSR (those recorded on the other side are listed above)"


class InstalledCapacityInline(admin.TabularInline):
    model = InstalledCapacity
    extra = 0
    autocomplete_fields = ["fuel_type", "technology"]


class PsrEmissionFactorInline(admin.TabularInline):
    model = PsrEmissionFactor
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    extra = 0
    autocomplete_fields = ["fuel_type", "technology"]
    fields = [
        "fuel_type",
        "technology",
        "basis",
        "value",
        "valid_from",
        "valid_until",
        "source_document",
        "source_year",
    ]
    verbose_name_plural = "emission factors of this PSR and its subtree (over the catalogue's defaults)"


class DeclaredIntensityInline(admin.TabularInline):
    model = DeclaredIntensity
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    extra = 0
    fields = ["basis", "value", "valid_from", "valid_until", "source_document", "source_year"]
    verbose_name_plural = (
        "declared intensity of what this PSR supplies (used for flows from it when its generation is not held)"
    )


class TransmissionCapacityInline(admin.TabularInline):
    model = TransmissionCapacity
    fk_name = "psr"
    extra = 0
    autocomplete_fields = ["connected_psr"]


# Rows of an inline edited in place on a PSR's page up to this many. A PSR with more (a balancing area: 12 installed
# capacities, 12 connections, 10 transmission capacities) lists them read-only, each linked to its own page (edited
# and audited there) with a link to add one: their ~340 form widgets (autocompletes, split date-times) were three
# quarters of the 900 ms of US-WECC-CISO's page (docs/performance.md, "Admin pages (issue 16)").
INLINE_ROWS_EDITABLE = 5


class LinkedRows:
    """An inline's rows as a plain read-only table, each row linked to its own change page (where it is edited and
    audited), with links to add one for this PSR and to list them: no form and no widget per row. Its formset holds
    no form (the PSR's page saves nothing through it) but keeps its management form, so the page still posts.
    Mixed in before the inline it lightens (see `linked_rows_inline`)."""

    template = "admin/psr/inline_linked_rows.html"
    extra = 0
    max_num = 0
    can_delete = False
    linked_obj = None

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # added on the row's own page, through the template's link

    def get_queryset(self, request):
        return super().get_queryset(request).none()  # the formset's forms: none

    def get_formset(self, request, obj=None, **kwargs):
        self.linked_obj = obj  # a fresh inline per request: what `rows_html` lists
        return super().get_formset(request, obj, **kwargs)

    def _fk(self) -> str:
        return self.fk_name or "psr"

    def columns(self) -> list:
        return [f for f in self.model._meta.fields if f.editable and f.name not in ("id", self._fk())]

    def rows_html(self) -> str:
        """The rows as one table, built in one query (the related objects they name joined in)."""
        columns = self.columns()
        rows = (
            self.model._default_manager.filter(**{self._fk(): self.linked_obj})
            .select_related(*(f.name for f in columns if f.is_relation))
            .order_by(*(self.model._meta.ordering or ["pk"]))
        )
        change = f"admin:{self.opts.app_label}_{self.opts.model_name}_change"

        def cell(row, f) -> str:
            value = getattr(row, f.name)
            if value is None or value == "":
                return "-"
            return value.strftime("%Y-%m-%d %H:%M UTC") if hasattr(value, "strftime") else str(value)

        body = format_html_join(
            "",
            "<tr>{}<td><a href='{}'>Change</a></td></tr>",
            (
                (
                    format_html_join("", "<td>{}</td>", ((cell(row, f),) for f in columns)),
                    reverse(change, args=[row.pk]),
                )
                for row in rows
            ),
        )
        head = format_html_join("", "<th scope='col'>{}</th>", ((f.verbose_name,) for f in columns))
        return format_html("<table><thead><tr>{}<th></th></tr></thead><tbody>{}</tbody></table>", head, body)


_LINKED: dict[type, type] = {}


def linked_rows_inline(inline: type) -> type:
    """The read-only, linked variant of an inline class (made once per class)."""
    if inline not in _LINKED:
        _LINKED[inline] = type(f"{inline.__name__}Linked", (LinkedRows, inline), {"__module__": __name__})
    return _LINKED[inline]


# Depths psr/static/psr/admin.css indents; deeper resources are shown at the deepest of them.
PSR_INDENT_DEPTHS = 12
# Children named on a PSR's page; the rest are a count linking to the list filtered by that parent (a balancing
# area of the EIA-860M inventory has over a thousand).
CHILDREN_SHOWN = 10


class ParentFilter(admin.SimpleListFilter):
    """PSRs under one parent, the parent picked through the admin's own autocomplete rather than from a sidebar
    list of every parent. The parameter is the one Django's related-field filter used, so older links still work;
    psr/static/psr/parent-filter.js reloads the list when a parent is picked (no inline script, for the CSP)."""

    title = "parent"
    parameter_name = "parent__id__exact"
    template = "admin/psr/parent_filter.html"

    def lookups(self, request, model_admin):
        return ()  # none listed: the autocomplete asks the server as the operator types

    def has_output(self) -> bool:
        return True

    def queryset(self, request, queryset):
        return queryset.filter(parent_id=self.value()) if self.value() else queryset

    def choices(self, changelist):
        value = self.value()
        yield {
            "selected": not value,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "All",
        }
        if value:
            parent = PowerSystemResource.objects.filter(pk=value).only("id", "name").first()
            yield {
                "selected": True,
                "value": value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": str(parent) if parent else value,
            }


def psr_children_url(psr_id: str) -> str:
    """The PSR list filtered to the children of one PSR."""
    return reverse("admin:psr_powersystemresource_changelist") + "?" + urlencode({ParentFilter.parameter_name: psr_id})


@admin.register(PowerSystemResource)
class PowerSystemResourceAdmin(SimpleHistoryAdmin):
    list_display = ["indented_id", "name", "topology_level", "parent", "timezone"]
    list_filter = ["topology_level", ParentFilter, "timezone"]
    search_fields = ["id", "name", "description", "external_identifiers__value"]
    autocomplete_fields = ["parent"]
    ordering = ["tree_id", "lft"]
    list_select_related = ["topology_level", "parent"]
    fields = [
        "id",
        "name",
        "topology_level",
        "parent",
        "timezone",
        "description",
        "place_in_tree",
        "children_list",
        "connected_elsewhere",
    ]
    readonly_fields = ["place_in_tree", "children_list", "connected_elsewhere"]
    inlines = [
        LocationInline,
        ExternalIdentifierInline,
        AssetInfoInline,
        InstalledCapacityInline,
        ConnectionInline,
        TransmissionCapacityInline,
        PsrEmissionFactorInline,
        DeclaredIntensityInline,
    ]

    def get_readonly_fields(self, request, obj=None):
        # The id is what clients and imports refer to: it is set once and never changed silently.
        return ["id", *self.readonly_fields] if obj else self.readonly_fields

    def get_inlines(self, request, obj):
        if obj is None:
            return self.inlines
        inlines = []
        for inline in self.inlines:
            if issubclass(inline, admin.TabularInline):
                rows = inline.model._default_manager.filter(**{inline.fk_name or "psr": obj}).count()
                inline = linked_rows_inline(inline) if rows > INLINE_ROWS_EDITABLE else inline
            inlines.append(inline)
        return inlines

    class Media:
        css = {"all": ["psr/admin.css"]}

    @property
    def media(self):
        # The parent filter's select is the autocomplete widget's, so the list page loads that widget's files too.
        parent = AutocompleteSelect(PowerSystemResource._meta.get_field("parent"), self.admin_site)
        # jquery.init.js named again so that the filter's script comes after it (media merge by order of appearance).
        return super().media + parent.media + forms.Media(js=["admin/js/jquery.init.js", "psr/parent-filter.js"])

    @admin.display(description="id", ordering="lft")
    def indented_id(self, obj: PowerSystemResource) -> str:
        # A class, not a style attribute, which the Content-Security-Policy would refuse; psr/admin.css indents.
        return format_html('<span class="psr-depth-{}">{}</span>', min(obj.level, PSR_INDENT_DEPTHS), obj.id)

    @admin.display(description="place in the tree")
    def place_in_tree(self, obj: PowerSystemResource) -> str:
        if not obj.pk or obj._state.adding:
            return "-"
        chain = [*obj.get_ancestors(), obj]
        # format_html_join escapes a separator that is not marked safe: "&rarr;" showed as that text.
        return format_html_join(
            mark_safe(" &rarr; "), "{} <small>({})</small>", ((psr_link(p.pk), p.topology_level_id) for p in chain)
        )

    @admin.display(description="children")
    def children_list(self, obj: PowerSystemResource) -> str:
        if not obj.pk or obj._state.adding:
            return "-"
        count = obj.get_children().count()
        if not count:
            return "none"
        first = obj.get_children().order_by("lft").values_list("id", "topology_level_id")[:CHILDREN_SHOWN]
        shown = format_html_join(", ", "{} <small>({})</small>", ((psr_link(c), level) for c, level in first))
        more = ", ..." if count > CHILDREN_SHOWN else ""
        return format_html(
            '<a href="{}">{} child{}</a>: {}{}', psr_children_url(obj.pk), f"{count:,}", "ren" if count > 1 else "",
            shown, more,
        )  # fmt: skip

    @admin.display(description="also connected to")
    def connected_elsewhere(self, obj: PowerSystemResource) -> str:
        if not obj.pk or obj._state.adding:
            return "-"
        others = Connection.objects.filter(connected_psr=obj).values_list("psr_id", flat=True)
        return format_html_join(", ", "{}", ((psr_link(o),) for o in others)) or "none"


class PsrChildAdmin(SimpleHistoryAdmin):
    """Admin of a model that hangs off a PSR, for browsing and auditing across PSRs."""

    list_select_related = True
    autocomplete_fields = ["psr"]


@admin.register(Location)
class LocationAdmin(PsrChildAdmin):
    list_display = ["psr", "town_name", "state_or_province", "postal_code"]
    list_filter = ["state_or_province"]
    search_fields = ["psr__id", "town_name", "display_address", "postal_code"]


@admin.register(AssetInfo)
class AssetInfoAdmin(PsrChildAdmin):
    list_display = ["psr", "name", "description"]
    list_filter = ["name"]
    search_fields = ["psr__id", "name", "description"]


@admin.register(ExternalIdentifier)
class ExternalIdentifierAdmin(PsrChildAdmin):
    list_display = ["psr", "scheme", "value"]
    list_filter = ["scheme"]
    search_fields = ["psr__id", "value"]


@admin.register(Connection)
class ConnectionAdmin(PsrChildAdmin):
    list_display = ["psr", "connected_psr"]
    list_filter = [("psr__topology_level", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["psr__id", "connected_psr__id"]
    autocomplete_fields = ["psr", "connected_psr"]


@admin.register(InstalledCapacity)
class InstalledCapacityAdmin(PsrChildAdmin):
    list_display = ["psr", "fuel_type", "technology", "value", "unit", "start_datetime", "end_datetime"]
    list_filter = ["unit", ("fuel_type", admin.RelatedOnlyFieldListFilter), "start_datetime"]
    search_fields = ["psr__id", "fuel_type__name", "technology__name"]
    autocomplete_fields = ["psr", "fuel_type", "technology"]
    date_hierarchy = "start_datetime"


@admin.register(TransmissionCapacity)
class TransmissionCapacityAdmin(PsrChildAdmin):
    list_display = ["psr", "connected_psr", "value", "unit", "start_datetime", "end_datetime"]
    list_filter = ["unit"]
    search_fields = ["psr__id", "connected_psr__id"]
    autocomplete_fields = ["psr", "connected_psr"]


# Production projects (seed 002): private data, granted to API clients one project at a time.


@admin.register(ContractType)
class ContractTypeAdmin(SimpleHistoryAdmin):
    list_display = ["code", "description"]
    search_fields = ["code", "description"]


class MeterInline(admin.TabularInline):
    model = Meter
    extra = 0
    fields = ["meter_number", "psr", "description"]
    autocomplete_fields = ["psr"]


class ProductionProjectGrantInline(admin.TabularInline):
    model = ProductionProjectGrant
    extra = 0
    fields = ["client", "note", "granted_by", "created"]
    readonly_fields = ["granted_by", "created"]
    autocomplete_fields = ["client"]
    verbose_name = "API client granted this project"
    verbose_name_plural = "API clients granted this project (they see it, its meters and readings; nobody else does)"


class ProductionProjectForm(forms.ModelForm):
    declared_formats = forms.MultipleChoiceField(
        choices=ReadingFormat.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Published while the meters hold no reading yet; then what they hold is published.",
    )
    declared_validities = forms.MultipleChoiceField(
        choices=ReadingValidity.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = ProductionProject
        fields = [
            "id", "name", "psr", "fuel_type", "technology", "installed_capacity_mw", "timezone", "contract_type",
            "contract_start_date", "contract_end_date", "contract_rule", "declared_formats", "declared_validities",
        ]  # fmt: skip


@admin.register(ProductionProject)
class ProductionProjectAdmin(SimpleHistoryAdmin):
    form = ProductionProjectForm
    list_display = ["id", "name", "contract_type", "contract_rule", "psr", "contract_start_date", "contract_end_date"]
    list_filter = ["contract_type", ("psr", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["contract_type", "psr"]
    search_fields = ["id", "name", "meters__meter_number", "psr__id"]
    autocomplete_fields = ["psr", "fuel_type", "technology"]
    readonly_fields = ["contract_share", "created", "modified"]
    inlines = [MeterInline, ProductionProjectGrantInline]
    fieldsets = [
        (None, {"fields": ["id", "name", "psr", ("fuel_type", "technology"), "installed_capacity_mw", "timezone"]}),
        (
            "Contract",
            {
                "fields": [
                    "contract_type",
                    ("contract_start_date", "contract_end_date"),
                    ("contract_rule", "contract_share"),
                ]
            },
        ),
        ("Declared readings", {"fields": ["declared_formats", "declared_validities"]}),
        ("Record", {"fields": ["created", "modified"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # The id is what clients and imports refer to: it is set once and never changed silently.
        return ["id", *self.readonly_fields] if obj else self.readonly_fields

    def save_formset(self, request, form, formset, change):
        for grant in formset.save(commit=False):
            if isinstance(grant, ProductionProjectGrant) and grant.granted_by_id is None:
                grant.granted_by = request.user
            grant.save()
        for removed in formset.deleted_objects:
            removed.delete()
        formset.save_m2m()


@admin.register(PsrEmissionFactor)
class PsrEmissionFactorAdmin(SimpleHistoryAdmin):
    """Emission factors operators set for a PSR's subtree; the nearest PSR's factor wins over the defaults."""

    # Links to sources are https (Django 6's default; said here so that 5.2 does not warn).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    list_display = ["psr", "fuel_type", "technology", "basis", "value", "valid_from", "valid_until", "source_document"]
    list_filter = ["basis", ("psr", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["psr__id", "fuel_type__name", "fuel_type__aib_code", "technology__name", "source_document"]
    autocomplete_fields = ["psr", "fuel_type", "technology"]
    list_select_related = ["psr", "fuel_type", "technology"]


@admin.register(DeclaredIntensity)
class DeclaredIntensityAdmin(SimpleHistoryAdmin):
    """Intensities declared for PSRs whose generation is not held: what flow tracing takes for their flows."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["psr", "basis", "value", "valid_from", "valid_until", "source_document"]
    list_filter = ["basis"]
    search_fields = ["psr__id", "psr__name", "source_document"]
    autocomplete_fields = ["psr"]
    list_select_related = ["psr"]


@admin.register(Meter)
class MeterAdmin(SimpleHistoryAdmin):
    list_display = ["meter_number", "project", "psr", "description"]
    list_filter = [("project", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["project", "psr"]
    search_fields = ["meter_number", "project__id", "project__name", "psr__id", "description"]
    autocomplete_fields = ["project", "psr"]
