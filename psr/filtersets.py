"""Query filters of the PSR list: `level` (spec 3.2.1), `parent`, and beyond the spec `search` and `located`."""

import django_filters
from django import forms
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from cdsc_site.api.params import INTEGER, shown
from metadata.models import TopologyLevel

from .models import ExternalIdentifier, PowerSystemResource

SEARCH_MAX_LENGTH = 255  # the longest a name can be; nothing longer can match


class TopologyLevelField(forms.CharField):
    """A topology level number (`1`) or a topology level id (`Balancing Authority Area`) -> level ids."""

    def clean(self, value: str | None) -> list[str] | None:
        value = super().clean(value)
        if not value:
            return None
        if INTEGER.fullmatch(value.strip()):
            number = int(value)
            if number < 0:
                raise forms.ValidationError("A topology level is a number >= 0.")
            ids = list(TopologyLevel.objects.filter(level=number).values_list("id", flat=True))
        else:
            ids = list(TopologyLevel.objects.filter(id=value).values_list("id", flat=True))
        if not ids:
            known = ", ".join(f"{t.level} ({t.id})" for t in TopologyLevel.objects.all())
            # User input goes in as a parameter: a '%' in it must not reach the message's %-formatting.
            raise forms.ValidationError(
                "'%(value)s' is not a topology level of this system; known: %(known)s.",
                params={"value": shown(value), "known": known},
            )
        return ids


@extend_schema_field(OpenApiTypes.STR)
class TopologyLevelFilter(django_filters.Filter):
    field_class = TopologyLevelField

    def filter(self, qs, value):
        return qs if value is None else qs.filter(topology_level_id__in=value)


class TrueFalseField(forms.TypedChoiceField):
    """`true` or `false`; the parameter left out is the default, but given empty (`located=`) it is a 400 like any
    other value outside the two (the schema's enum says so, and clients are held to it)."""

    def clean(self, value: str | None):
        if value == "":
            raise forms.ValidationError("Select a valid choice: true or false (an empty value is neither).")
        return super().clean(value)


@extend_schema_field({"type": "string", "enum": ["true", "false"], "default": "false"})
class TrueFalseFilter(django_filters.TypedChoiceFilter):
    """`true` or `false`, as the spec writes booleans in URLs; anything else, empty included, is a 400."""

    field_class = TrueFalseField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("choices", [("true", "true"), ("false", "false")])
        kwargs.setdefault("coerce", lambda value: value == "true")
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "string", "maxLength": SEARCH_MAX_LENGTH})
class SearchFilter(django_filters.CharFilter):
    pass


class PowerSystemResourceFilterSet(django_filters.FilterSet):
    level = TopologyLevelFilter(
        help_text=(
            "Only PSRs at this topology level: its number (e.g. 1) as the spec says, or its id "
            "(e.g. 'Balancing Authority Area'). An unknown level is a 400."
        )
    )
    parent = django_filters.ModelChoiceFilter(
        queryset=PowerSystemResource.objects.all(),
        to_field_name="id",
        help_text="Only the direct children of this PSR id. An unknown id is a 400.",
        error_messages={"invalid_choice": "'%(value)s' is not the id of a power system resource."},
    )

    # Beyond the spec (docs/spec-notes.md, "PSRs"): what the explorer's search box and map need, in one request
    # each instead of one per PSR. Without them the list answers exactly as the spec says.
    search = SearchFilter(
        method="filter_search",
        max_length=SEARCH_MAX_LENGTH,
        help_text=(
            "Beyond the spec: only PSRs whose id, name or external identifier value contains this text, ignoring "
            "case (ASCII letters); `scheme:value` (e.g. `eia:CISO`) matches an external identifier of that scheme "
            "whose value contains `value`. `%` and `_` are plain characters. Empty: no filter."
        ),
    )
    located = TrueFalseFilter(
        method="filter_located",
        help_text=(
            "Beyond the spec: `true` lists only PSRs that have a GeoJSON location (a point or an outline) and adds "
            "each one's `geojson` to its item, so that a map needs no request per PSR; `false` (the default) "
            "changes nothing."
        ),
    )

    class Meta:
        model = PowerSystemResource
        fields = ["level", "parent", "search", "located"]

    def filter_search(self, queryset, name, value):
        text = value.strip()
        if not text:
            return queryset
        # icontains escapes the LIKE wildcards of user input on both databases (and ESCAPE '\\' on SQLite).
        identifiers = ExternalIdentifier.objects.filter(value__icontains=text)
        scheme, colon, scheme_value = text.partition(":")
        if colon and scheme.strip():
            identifiers = identifiers | ExternalIdentifier.objects.filter(
                scheme__iexact=scheme.strip(), value__icontains=scheme_value.strip()
            )
        # A subquery, not a join: a PSR with two matching identifiers is listed once, with no DISTINCT.
        return queryset.filter(Q(id__icontains=text) | Q(name__icontains=text) | Q(pk__in=identifiers.values("psr_id")))

    def filter_located(self, queryset, name, value):
        return queryset.filter(location__geojson__isnull=False) if value else queryset


def _words(value: str) -> list[str]:
    """A WG3 list-valued filter: space-separated values (a `+` in the URL is a space)."""
    return value.split()


class ProductionProjectFilterSet(django_filters.FilterSet):
    """WG3-style filters: list-valued ones take space-separated values; several filters intersect."""

    cds_productionproject_ids = django_filters.CharFilter(
        method="filter_ids", help_text="Space-separated project ids (cds_productionproject_id)."
    )
    meter_numbers = django_filters.CharFilter(
        method="filter_meter_numbers", help_text="Space-separated meter numbers: the projects holding any of them."
    )
    contract_types = django_filters.CharFilter(
        method="filter_contract_types", help_text="Space-separated contract types, e.g. 'PPA VPPA'."
    )
    psr = django_filters.CharFilter(
        field_name="psr_id", help_text="The id of the power system resource the project sits on."
    )

    def filter_ids(self, queryset, name, value):
        return queryset.filter(pk__in=_words(value))

    def filter_meter_numbers(self, queryset, name, value):
        return queryset.filter(meters__meter_number__in=_words(value)).distinct()

    def filter_contract_types(self, queryset, name, value):
        return queryset.filter(contract_type__code__in=_words(value))


class MeterDeviceFilterSet(django_filters.FilterSet):
    """WG3's meter-device filters."""

    cds_meterdevice_ids = django_filters.CharFilter(
        method="filter_ids", help_text="Space-separated meter device ids (cds_meterdevice_id)."
    )
    meter_number = django_filters.CharFilter(field_name="meter_number", help_text="One meter number, exactly.")
    q = django_filters.CharFilter(
        method="filter_q", help_text="Case-insensitive search in the meter device id and the meter number."
    )

    def filter_ids(self, queryset, name, value):
        ids = [int(word) for word in _words(value) if word.isascii() and word.isdigit() and len(word) < 19]
        return queryset.filter(pk__in=ids)

    def filter_q(self, queryset, name, value):
        query = Q(meter_number__icontains=value)
        if value.isascii() and value.isdigit() and len(value) < 19:
            query |= Q(pk=int(value))
        return queryset.filter(query)
