"""The operator's data-quality pages in the admin (staff only): a PSR picker and a PSR's calendar of local days per
series, served by the PSR admin (timeseries/admin.py) from the selector in timeseries/quality.py."""

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import escape, format_html_join
from django.utils.safestring import SafeString, mark_safe

from psr.models import PowerSystemResource

from .models import Series
from .quality import DEFAULT_DAYS, MAX_DAYS, psr_data_quality

PICKER_SHOWN = 100  # PSRs listed by the picker at most
GAPS_SHOWN = 100  # gaps listed per series at most (all are counted)
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# Local dates asked: far enough for any grid data, near enough that a day's bounds never overflow a datetime.
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)


def quality_url(psr_id: str, **query: str) -> str:
    """The data-quality page of a PSR, with a query (quantity, month, start, end) when given."""
    url = reverse("admin:psr_powersystemresource_quality", args=[psr_id])
    query = {k: v for k, v in query.items() if v}
    return f"{url}?{urlencode(query)}" if query else url


class QualityRangeForm(forms.Form):
    """The range and quantity asked in the query string. `start` and `end` are local dates (both included) or ISO
    instants (an import job's written span: the local days it touches); `month` is YYYY-MM and wins over them."""

    quantity = forms.ChoiceField(required=False)
    month = forms.CharField(required=False, max_length=7, widget=forms.TextInput(attrs={"type": "month"}))
    start = forms.CharField(required=False, max_length=40, widget=forms.TextInput(attrs={"type": "date"}))
    end = forms.CharField(required=False, max_length=40, widget=forms.TextInput(attrs={"type": "date"}))

    def __init__(self, *args, quantities: list[str], zone, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.fields["quantity"].choices = [("", "all quantities"), *((q, q) for q in quantities)]

    def _day(self, name: str, *, exclusive_end: bool = False) -> date | None:
        text = self.cleaned_data.get(name) or ""
        if not text:
            return None
        try:
            if len(text) == 10:
                day = date.fromisoformat(text)
            else:
                instant = datetime.fromisoformat(text)
                instant = instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant
                if exclusive_end:  # an instant ending a span: the day of its last moment
                    instant -= timedelta(microseconds=1)
                day = instant.astimezone(self.zone).date()
        except (ValueError, OverflowError):
            raise forms.ValidationError(f"{name}: not a date (YYYY-MM-DD) or an ISO datetime: {text!r}") from None
        if not EARLIEST <= day <= LATEST:
            raise forms.ValidationError(f"{name}: {day} is outside {EARLIEST} to {LATEST}")
        return day

    def clean(self) -> dict:
        data = super().clean()
        first = last = None
        month = data.get("month") or ""
        if month:
            match = MONTH.match(month)
            if not match or not 1 <= int(match[2]) <= 12 or not 1900 <= int(match[1]) <= 2999:
                raise forms.ValidationError(f"month: not a month (YYYY-MM): {month!r}")
            first = date(int(match[1]), int(match[2]), 1)
            last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        else:
            first, last = self._day("start"), self._day("end", exclusive_end=True)
            if first and not last:
                last = first + timedelta(days=DEFAULT_DAYS - 1)
            elif last and not first:
                first = last - timedelta(days=DEFAULT_DAYS - 1)
        if first and last:
            if last < first:
                raise forms.ValidationError("end: the range ends before it starts")
            if (last - first).days + 1 > MAX_DAYS:
                raise forms.ValidationError(f"the range is longer than {MAX_DAYS} days: ask a shorter one")
        data["first_day"], data["last_day"] = first, last
        return data


def _month_headers(days) -> list[tuple[str, int]]:
    """The months the range's days fall in, with how many of its days each: the calendar's top header row."""
    headers: list[tuple[str, int]] = []
    for day in days:
        label = day.date.strftime("%b %Y")
        if headers and headers[-1][0] == label:
            headers[-1] = (label, headers[-1][1] + 1)
        else:
            headers.append((label, 1))
    return headers


def day_cells(days, cells: dict) -> SafeString:
    """A series' row of day cells: each focusable, with its state as a class (colour and pattern), a letter and a
    title, and the title again as text for screen readers. Built here rather than in the template's loop, which
    took most of the page's time at 50 series by 31 days; `cells` keeps each distinct day's cell (most series share
    their days' states), so a page escapes and formats each once."""
    html = []
    for day in days:
        if day not in cells:
            title = escape(day.title)
            cells[day] = (
                f'<td class="day day-{day.state.value}" tabindex="0" title="{title}"><span aria-hidden="true">'
                f'{day.state.letter}</span><span class="visually-hidden">{title}</span></td>'
            )
        html.append(cells[day])
    return mark_safe("".join(html))  # every text in it is escaped above; the rest is ours


def day_headers(days) -> SafeString:
    """The calendar's row of day numbers (the same for every quantity: made once), a DST day's marked."""
    return format_html_join(
        "",
        '<th scope="col" class="day-head{}" title="{}, {} h">{}</th>',
        ((" dst" if d.hours != 24 else "", f"{d.date:%a %d %b %Y}", f"{d.hours:g}", d.date.day) for d in days),
    )


def psr_quality_view(request: HttpRequest, model_admin, object_id: str) -> HttpResponse:
    """A PSR's data quality: per quantity, a calendar of local days per series, the gaps, the last import job."""
    psr = model_admin.get_object(request, unquote(object_id))
    if psr is None:
        raise Http404("No such power system resource.")
    if not model_admin.has_view_permission(request, psr):
        raise PermissionDenied
    zone = ZoneInfo(psr.timezone) if psr.timezone else UTC
    quantities = sorted(set(Series.objects.filter(psr=psr).values_list("quantity", flat=True)))
    form = QualityRangeForm(request.GET or None, quantities=quantities, zone=zone)
    asked = form.cleaned_data if form.is_bound and form.is_valid() else {}
    report = psr_data_quality(
        psr=psr, first_day=asked.get("first_day"), last_day=asked.get("last_day"), quantity=asked.get("quantity")
    )
    cells: dict = {}
    for group in report.quantities:
        for row in group.series:
            row.cells = day_cells(row.days, cells)
    length = timedelta(days=(report.last_day - report.first_day).days + 1)
    shown = asked.get("quantity") or ""
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": psr,
        "title": f"Data quality of {psr.pk}",
        "report": report,
        "form": form,
        "months": _month_headers(report.days),
        "day_headers": day_headers(report.days),
        "gaps_shown": GAPS_SHOWN,
        "earlier_url": quality_url(
            psr.pk,
            quantity=shown,
            start=(report.first_day - length).isoformat(),
            end=(report.first_day - timedelta(days=1)).isoformat(),
        ),
        "later_url": quality_url(
            psr.pk,
            quantity=shown,
            start=(report.last_day + timedelta(days=1)).isoformat(),
            end=(report.last_day + length).isoformat(),
        ),
        "latest_url": quality_url(psr.pk, quantity=shown),
        "picker_url": reverse("admin:psr_powersystemresource_quality_picker"),
    }
    status = 400 if form.is_bound and not form.is_valid() else 200
    return TemplateResponse(request, "admin/timeseries/quality.html", context, status=status)


def quality_picker_view(request: HttpRequest, model_admin) -> HttpResponse:
    """The PSRs that hold series, searched by id or name: the way into the data-quality view."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    term = (request.GET.get("q") or "").strip()[:100]
    holding = PowerSystemResource.objects.filter(pk__in=Series.objects.filter(psr__isnull=False).values("psr_id"))
    if term:
        holding = holding.filter(Q(pk__icontains=term) | Q(name__icontains=term))
    found = list(holding.order_by("tree_id", "lft").values_list("pk", "name")[: PICKER_SHOWN + 1])
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": "Data quality: pick a power system resource",
        "term": term,
        "found": [(pk, name, quality_url(pk)) for pk, name in found[:PICKER_SHOWN]],
        "more": len(found) > PICKER_SHOWN,
    }
    return TemplateResponse(request, "admin/timeseries/quality_picker.html", context)
