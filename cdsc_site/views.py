"""Human pages of the site (the landing page) and the JSON answer for unknown URLs."""

import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from cdsc_site.api.errors import client_error, database_unavailable, database_unavailable_response, problem_response
from metadata.models import FuelSourceTechnology, FuelSourceType, TopologyLevel
from psr.models import PowerSystemResource


def landing(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        response = problem_response(request, 405, f"Method '{request.method}' is not allowed here.")
        response["Allow"] = "GET, HEAD"
        return response
    counts = {
        "power system resources": PowerSystemResource.objects.count(),
        "topology levels": TopologyLevel.objects.count(),
        "fuel source types": FuelSourceType.objects.count(),
        "fuel source technologies": FuelSourceTechnology.objects.count(),
    }
    # The example links point at a PSR with both a parent and children, so that topology shows both ways.
    example = (
        PowerSystemResource.objects.filter(parent__isnull=False, children__isnull=False)
        .order_by("level", "id")
        .distinct()
        .first()
    )
    return render(request, "landing.html", {"counts": counts, "example": example})


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
