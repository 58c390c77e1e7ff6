"""API middleware: a problem document for any error a view raises (never an HTML page or a trace), a 400 problem for
a Host not served here, and gzip for API bodies."""

import logging
from collections.abc import Callable

from django.core.exceptions import DisallowedHost, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware

from .errors import (
    client_error,
    database_unavailable,
    database_unavailable_response,
    log_client_error,
    problem_response,
)

logger = logging.getLogger("cdsc_site.api")

HUMAN_PATH_PREFIXES = ("/admin/", "/imports/")


class ApiErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # The request's fault (too many parameters, a body too big, ...) on any URL, whatever DEBUG says: Django
        # would answer these with its HTML debug page when DEBUG is on.
        refused = client_error(exception)
        if refused is not None:
            log_client_error(request, exception)
            return problem_response(request, *refused)
        if database_unavailable(exception):
            return database_unavailable_response(request, exception)  # a 503 to retry, on every page alike
        if request.path.startswith(HUMAN_PATH_PREFIXES):
            return None  # the admin's and import pages' own 404s, 403s and (with DEBUG on) debug pages
        if isinstance(exception, Http404):
            return problem_response(request, 404, f"There is no resource at '{request.path}'.")
        if isinstance(exception, PermissionDenied):
            return problem_response(request, 403, "Permission denied.")
        logger.exception("Unhandled error on %s %s", request.method, request.get_full_path())
        return problem_response(request, 500, "The server failed to answer this request; the error is logged.")


class AllowedHostMiddleware:
    """A Host header not in ALLOWED_HOSTS is a 400 problem document. Django raises DisallowedHost in the first
    middleware that reads the host (CommonMiddleware), where it answers with handler400 when DEBUG is off but with
    its HTML debug page when DEBUG is on; this middleware, placed before, checks first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            request.get_host()
        except DisallowedHost as exc:
            log_client_error(request, exc)
            return problem_response(request, *client_error(exc))
        return self.get_response(request)


class ApiGZipMiddleware(GZipMiddleware):
    """Gzip API responses (JSON, problem+json, CSV) for clients that accept it: a year of time series shrinks
    about 40 times. HTML pages are left alone, so the admin's CSRF tokens are not exposed to BREACH."""

    COMPRESSIBLE = ("application/json", "application/problem+json", "text/csv")

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if not response.get("Content-Type", "").startswith(self.COMPRESSIBLE):
            return response
        return super().process_response(request, response)
