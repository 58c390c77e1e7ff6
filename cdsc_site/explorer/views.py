"""The explorer's pages. They hold no data of their own: their scripts (static/explorer/) read the public API."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The PSR tree by topology level, a search, and a map of the PSRs with a location or an outline."""
    return render(request, "explorer/index.html", {"tiles": _tiles()})


@require_safe
def psr(request: HttpRequest, psr_id: str) -> HttpResponse:
    """One PSR: its description, its outline on a map, and charts of its time series over a chosen range."""
    return render(request, "explorer/psr.html", {"psr_id": psr_id, "tiles": _tiles()})


def _tiles() -> dict[str, str]:
    """The optional tile server the maps draw under their shapes (CDSC_MAP_TILE_URL; none by default: offline)."""
    return {"url": settings.CDSC_MAP_TILE_URL, "attribution": settings.CDSC_MAP_TILE_ATTRIBUTION}
