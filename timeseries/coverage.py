"""What series hold: their first and last interval, how many points, and the gaps between them (for operators)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, F, Max, Min
from django.db.models.expressions import Window
from django.db.models.functions import Lag

from .models import Point

SHOWN_GAPS = 20  # gaps listed per series at most (all are counted)


@dataclass
class Coverage:
    """A series' span: first start, last end, number of points, and its gaps (bounds of the first SHOWN_GAPS)."""

    first: datetime | None = None
    last: datetime | None = None
    count: int = 0
    gap_count: int = 0
    gaps: list[tuple[datetime, datetime]] = field(default_factory=list)


def series_coverage(*, series_ids: Iterable[int]) -> dict[int, Coverage]:
    """The coverage of each series (an empty one for a series with no points), in two queries.

    A gap is time between two consecutive points of a series that no point covers; intervals of other lengths
    that meet end to start are no gap.
    """
    ids = sorted(set(series_ids))
    found = {i: Coverage() for i in ids}
    if not ids:
        return found
    spans = (
        Point.objects.filter(series_id__in=ids)
        .values("series_id")
        .annotate(first=Min("start"), last=Max("end"), count=Count("*"))
        .values_list("series_id", "first", "last", "count")
    )
    for series_id, first, last, count in spans:
        found[series_id].first, found[series_id].last, found[series_id].count = first, last, count
    gaps = (
        Point.objects.filter(series_id__in=ids)
        .annotate(previous_end=Window(Lag("end"), partition_by=[F("series_id")], order_by=F("start").asc()))
        .filter(previous_end__lt=F("start"))
        .order_by("series_id", "start")
        .values_list("series_id", "previous_end", "start")
    )
    for series_id, begins, ends in gaps:
        coverage = found[series_id]
        coverage.gap_count += 1
        if len(coverage.gaps) < SHOWN_GAPS:
            coverage.gaps.append((begins, ends))
    return found
