"""What the store holds, shown where operators curate the grid: the psr app's PSR, project and meter pages,
extended here (psr knows nothing of the time-series store) with a PSR's series, each meter's reading streams and
their coverage, and a filter of projects by the formats their meters hold."""

from django.contrib import admin
from django.db.models import QuerySet
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from psr import admin as psr_admin
from psr.choices import ReadingFormat
from psr.models import Meter, PowerSystemResource, ProductionProject

from .coverage import series_api_path, series_coverage
from .models import Series
from .quality_views import psr_quality_view, quality_picker_view, quality_url


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else ""


def meter_readings_html(meter: Meter) -> str:
    """A meter's streams, one line each: format, validity, direction, first and last reading, count, gaps."""
    streams = list(Series.objects.filter(meter=meter).order_by("reading_format", "validity", "direction"))
    if not streams:
        return "No readings yet."
    coverage = series_coverage(series_ids=[s.pk for s in streams])
    rows = []
    for s in streams:
        c = coverage[s.pk]
        gaps = "no gap" if not c.gap_count else f"{c.gap_count:,} gap{'s' if c.gap_count > 1 else ''}"
        if c.gaps:
            more = ", ..." if c.gap_count > len(c.gaps) else ""
            gaps += " (" + "; ".join(f"{_when(a)} to {_when(b)}" for a, b in c.gaps) + more + ")"
        rows.append((s.reading_format, s.validity, s.direction, _when(c.first), _when(c.last), f"{c.count:,}", gaps))
    return format_html(
        "<table class='meter-coverage'><thead><tr><th>format</th><th>validity</th><th>direction</th><th>first</th>"
        "<th>last</th><th>readings</th><th>gaps</th></tr></thead><tbody>{}</tbody></table>",
        format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows
        ),
    )


def psr_series_html(psr: PowerSystemResource) -> str:
    """A PSR's series, one line each: quantity, timeframe, fuel or neighbour, first and last interval, count of
    points, the API URL that reads it back and its data-quality calendar; links to the PSR's explorer page and data
    quality. Spans and counts in one query over the point
    table's key (no gaps: they would read every point in order; the data-quality view shows them)."""
    series = list(
        Series.objects.filter(psr=psr)
        .select_related("fuel_type", "technology")
        .order_by("quantity", "timeframe", "fuel_type__name", "technology__name", "connected_psr_id")
    )
    if not series:
        return "No time series."
    coverage = series_coverage(series_ids=[s.pk for s in series], gaps=False)
    rows = []
    for s in series:
        c = coverage[s.pk]
        of = " / ".join(str(d) for d in (s.fuel_type, s.technology) if d is not None)
        if s.connected_psr_id:
            of = psr_admin.psr_link(s.connected_psr_id)
        api = format_html(
            '<a href="{}">API</a> &middot; <a href="{}#series-{}">quality</a>',
            series_api_path(psr_id=psr.pk, quantity=s.quantity, timeframe=s.timeframe, start=c.first, end=c.last),
            quality_url(psr.pk, quantity=s.quantity),
            s.pk,
        )
        rows.append((s.quantity, s.timeframe, of, s.unit, _when(c.first), _when(c.last), f"{c.count:,}", api))
    return format_html(
        "<p><a href='{}'>Charts of these series in the explorer</a> (the public page) &middot; "
        "<a href='{}'>Data quality of these series</a> (a calendar of local days, the gaps, the last import)</p>"
        "<table class='psr-series'><thead><tr><th>quantity</th><th>timeframe</th><th>fuel or neighbour</th>"
        "<th>unit</th><th>first interval from</th><th>last interval to</th><th>points</th><th>read</th></tr></thead>"
        "<tbody>{}</tbody></table>",
        reverse("explorer:psr", args=[psr.pk]),
        quality_url(psr.pk),
        format_html_join("", "<tr>" + "<td>{}</td>" * 8 + "</tr>", rows),
    )


class PowerSystemResourceAdmin(psr_admin.PowerSystemResourceAdmin):
    fields = [*psr_admin.PowerSystemResourceAdmin.fields, "series_held"]
    readonly_fields = [*psr_admin.PowerSystemResourceAdmin.readonly_fields, "series_held"]

    @admin.display(description="time series held")
    def series_held(self, obj: PowerSystemResource) -> str:
        if not obj.pk or obj._state.adding:
            return "-"
        return psr_series_html(obj)

    def get_urls(self):
        # Staff only: admin_view sends anyone else to the admin's login. Before the admin's own URLs, whose
        # "<path:object_id>/" would take them.
        view = self.admin_site.admin_view
        return [
            path(
                "quality/", view(lambda r: quality_picker_view(r, self)), name="psr_powersystemresource_quality_picker"
            ),
            path(
                "<path:object_id>/quality/",
                view(lambda r, object_id: psr_quality_view(r, self, object_id)),
                name="psr_powersystemresource_quality",
            ),
            *super().get_urls(),
        ]


class FormatHeldFilter(admin.SimpleListFilter):
    """Projects whose meters hold readings of a format."""

    title = "format held"
    parameter_name = "format_held"

    def lookups(self, request, model_admin):
        return ReadingFormat.choices

    def queryset(self, request, queryset: QuerySet[ProductionProject]) -> QuerySet[ProductionProject]:
        if self.value() not in ReadingFormat.values:
            return queryset
        held = Series.objects.filter(reading_format=self.value(), points__isnull=False).values("meter__project_id")
        return queryset.filter(pk__in=held)


class _ReadingsShown:
    """A meter's readings held, as a read-only field of the admin pages that show meters."""

    @admin.display(description="readings held (per stream)")
    def readings(self, obj: Meter) -> str:
        return meter_readings_html(obj) if obj.pk else ""


class MeterReadingsInline(_ReadingsShown, psr_admin.MeterInline):
    fields = [*psr_admin.MeterInline.fields, "readings"]
    readonly_fields = ["readings"]


class ProductionProjectAdmin(psr_admin.ProductionProjectAdmin):
    list_filter = [*psr_admin.ProductionProjectAdmin.list_filter, FormatHeldFilter]
    inlines = [
        MeterReadingsInline if inline is psr_admin.MeterInline else inline
        for inline in psr_admin.ProductionProjectAdmin.inlines
    ]


class MeterAdmin(_ReadingsShown, psr_admin.MeterAdmin):
    readonly_fields = [*psr_admin.MeterAdmin.readonly_fields, "readings"]


for model, model_admin in (
    (PowerSystemResource, PowerSystemResourceAdmin),
    (ProductionProject, ProductionProjectAdmin),
    (Meter, MeterAdmin),
):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
