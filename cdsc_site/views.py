"""Human pages of the site (the landing page, ReDoc's script) and the JSON answer for unknown URLs."""

import gzip
import re
import sys
from functools import cache

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from cdsc_site import landing as landing_content
from cdsc_site.api.errors import client_error, database_unavailable, database_unavailable_response, problem_response
from metadata.models import FuelSourceTechnology, FuelSourceType, TopologyLevel
from psr.models import PowerSystemResource
from timeseries.models import Series


def landing(request: HttpRequest) -> HttpResponse:
    """The way in: the explorer, live examples on the PSR with the most series, and every endpoint of the schema."""
    if request.method not in ("GET", "HEAD"):
        response = problem_response(request, 405, f"Method '{request.method}' is not allowed here.")
        response["Allow"] = "GET, HEAD"
        return response
    counts = {
        "power system resources": PowerSystemResource.objects.count(),
        "time series": Series.objects.filter(psr__isnull=False).count(),
        "topology levels": TopologyLevel.objects.count(),
        "fuel source types": FuelSourceType.objects.count(),
        "fuel source technologies": FuelSourceTechnology.objects.count(),
    }
    example = landing_content.richest_psr()
    context = {
        "counts": counts,
        "has_series": counts["time series"] > 0,
        "example": example,
        "examples": landing_content.psr_examples(example) if example else [],
        "endpoint_groups": landing_content.api_endpoints(),
    }
    return render(request, "landing.html", context)


def not_found(request: HttpRequest, path: str = "", exception: Exception | None = None) -> JsonResponse:
    return problem_response(request, 404, f"There is no resource at '{request.path}'. See /docs/ for the API.")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """Django's own 400s (a Host header not in DJANGO_ALLOWED_HOSTS, a body too big, a malformed request) in the API's
    shape, with the status that fits the exception (413 for a body too big)."""
    status, detail = client_error(exception) or (400, "The request is malformed and was refused.")
    return problem_response(request, status, detail)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return problem_response(request, 403, "Permission denied.")


def server_error(request: HttpRequest) -> JsonResponse:
    """Django's answer to an exception no view or middleware handled. It runs inside Django's `except` block, so
    sys.exc_info() names the exception: a database that went away under another middleware (sessions, auth, API
    keys) is a 503 to retry, as it is when a view meets it (ApiErrorMiddleware)."""
    exception = sys.exc_info()[1]
    if database_unavailable(exception):
        return database_unavailable_response(request, exception)
    return problem_response(request, 500, "The server failed to answer this request; the error is logged.")


# ReDoc's bundle as drf-spectacular-sidecar ships it, with two changes so /redoc/ runs under the Content-Security-Policy
# and loads nothing from elsewhere: the <style> elements it adds while loading take the nonce of its own <script>
# element (later ones take the nonce given to Redoc.init), and its "API docs by Redocly" logo is no longer fetched from
# cdn.redoc.ly (an empty image instead, which ReDoc then leaves out).
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
REDOC_BUNDLE = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
REDOC_PATCHES = [
    ("r.nc=void 0", "r.nc=document.currentScript&&document.currentScript.nonce||void 0"),
    ('"https://cdn.redoc.ly/redoc/logo-mini.svg"', '"data:,"'),
]


@cache
def redoc_bundle_source() -> str:
    path = finders.find(REDOC_BUNDLE)
    with open(path, encoding="utf-8") as bundle:
        source = bundle.read()
    for old, new in REDOC_PATCHES:
        # A new sidecar release that changed these spots must fail loudly here, not serve an unpatched bundle.
        if source.count(old) != 1:
            raise RuntimeError(f"{REDOC_BUNDLE} no longer contains {old!r} once: update REDOC_PATCHES.")
        source = source.replace(old, new)
    return source


@cache
def _redoc_bundle_gzipped() -> bytes:
    return gzip.compress(redoc_bundle_source().encode(), mtime=0)


@require_safe
@cache_control(public=True, max_age=3600)
@vary_on_headers("Accept-Encoding")
def redoc_bundle(request: HttpRequest) -> HttpResponse:
    # Compressed once per process (1.1 MB to about 300 kB), as WhiteNoise serves the other static files.
    if ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")):
        response = HttpResponse(_redoc_bundle_gzipped(), content_type="text/javascript; charset=utf-8")
        response["Content-Encoding"] = "gzip"
        return response
    return HttpResponse(redoc_bundle_source(), content_type="text/javascript; charset=utf-8")
