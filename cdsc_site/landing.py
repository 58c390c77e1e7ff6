"""What the landing page shows: every endpoint of the OpenAPI schema, and live examples on the demo's richest PSR."""

import re
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from urllib.parse import quote, unquote

from django.db.models import Count
from drf_spectacular.generators import SchemaGenerator

from psr.models import PowerSystemResource
from timeseries.choices import default_timeframe
from timeseries.coverage import series_api_path, series_coverage
from timeseries.models import Series

# The order the schema's tags are listed in; a tag not named here comes after them, in the schema's order.
TAG_TITLES = {
    "metadata": "Metadata",
    "power-system-resources": "Power system resources",
    "timeseries": "Time series",
    "emissions": "Emissions and carbon intensity",
    "production-projects": "Production projects and meter readings",
}
FIRST_SENTENCE = re.compile(r"^(.+?[.!?])(\s|$)", re.S)
EXAMPLE_SPAN = timedelta(days=1)
# Quantities derived from generation (timeseries/emissions.py), served beside the stored ones.
DERIVED_FROM_GENERATION = ("emissions", "carbon-intensity")


@dataclass(frozen=True)
class Endpoint:
    path: str
    summary: str
    private: bool  # an API key or a staff login is needed (no anonymous access in the schema's security)


@dataclass(frozen=True)
class EndpointGroup:
    title: str
    endpoints: tuple[Endpoint, ...]


@dataclass(frozen=True)
class Example:
    label: str
    url: str

    @property
    def shown(self) -> str:
        """The URL as people read it: `2024-03-01T00:00:00Z`, not `2024-03-01T00%3A00%3A00Z`."""
        return unquote(self.url)


def _summary(operation: dict) -> str:
    if operation.get("summary"):
        return operation["summary"]
    match = FIRST_SENTENCE.match(operation.get("description", "").strip())
    return match.group(1) if match else ""


@cache
def api_endpoints() -> tuple[EndpointGroup, ...]:
    """Every GET path of the OpenAPI schema, grouped by tag: the list cannot go stale. Built once per process (the
    schema takes about a second to generate and only changes with the code)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    groups: dict[str, list[Endpoint]] = {}
    for path, operations in schema["paths"].items():
        operation = operations.get("get")
        if operation is None:
            continue
        tag = (operation.get("tags") or ["other"])[0]
        private = {} not in operation.get("security", [{}])
        groups.setdefault(tag, []).append(Endpoint(path=path, summary=_summary(operation), private=private))
    order = [*[tag for tag in TAG_TITLES if tag in groups], *[tag for tag in groups if tag not in TAG_TITLES]]
    return tuple(
        EndpointGroup(title=TAG_TITLES.get(tag, tag.replace("-", " ").capitalize()), endpoints=tuple(groups[tag]))
        for tag in order
    )


def richest_psr() -> PowerSystemResource | None:
    """The PSR with the most series (the demo's CISO), so that the examples show data; on a server without time
    series, a PSR with both a parent and children (topology shows both ways); else the first PSR, or None."""
    richest = (
        Series.objects.filter(psr__isnull=False)
        .values("psr_id")
        .annotate(n=Count("id"))
        .order_by("-n", "psr_id")
        .values_list("psr_id", flat=True)
        .first()
    )
    if richest is not None:
        return PowerSystemResource.objects.get(pk=richest)
    inner = PowerSystemResource.objects.filter(parent__isnull=False, children__isnull=False)
    return inner.order_by("level", "id").distinct().first() or PowerSystemResource.objects.order_by("id").first()


def psr_examples(psr: PowerSystemResource) -> list[Example]:
    """Live links on `psr`: its description, topology and capacities, then each quantity it holds (in its default
    timeframe) over the last day of data, and the emissions and carbon intensity of that day when it holds
    generation."""
    base = f"/power-system-resources/{quote(psr.id, safe='')}"
    examples = [
        Example("Describe", f"{base}/describe"),
        Example("Topology, two levels", f"{base}/topology?numLevels=2"),
        Example("Installed capacity", f"{base}/capacity"),
        Example("Transmission capacity", f"{base}/transmission-capacity"),
    ]
    # One series per quantity stands for the quantity's span: one in the quantity's default timeframe if any.
    chosen: dict[str, tuple[int, str]] = {}
    for series_id, quantity, timeframe in (
        Series.objects.filter(psr=psr).order_by("quantity", "id").values_list("id", "quantity", "timeframe")
    ):
        if quantity not in chosen or (
            timeframe == default_timeframe(quantity) and chosen[quantity][1] != default_timeframe(quantity)
        ):
            chosen[quantity] = (series_id, timeframe)
    spans = series_coverage(series_ids=[series_id for series_id, _ in chosen.values()], gaps=False)
    last_generation = None
    for quantity, (series_id, timeframe) in chosen.items():
        last = spans[series_id].last
        if last is None:
            continue
        url = series_api_path(
            psr_id=psr.id, quantity=quantity, timeframe=timeframe, start=last - EXAMPLE_SPAN, end=last
        )
        label = (
            quantity.capitalize()
            if timeframe == default_timeframe(quantity)
            else f"{quantity.capitalize()} ({timeframe})"
        )
        examples.append(Example(f"{label}, the last day of data", url))
        if quantity == "generation":
            last_generation = last
    if last_generation is not None:
        for derived in DERIVED_FROM_GENERATION:
            url = series_api_path(
                psr_id=psr.id,
                quantity=derived,
                timeframe=default_timeframe(derived),
                start=last_generation - EXAMPLE_SPAN,
                end=last_generation,
            )
            examples.append(Example(f"{derived.replace('-', ' ').capitalize()}, the same day", url))
    return examples
