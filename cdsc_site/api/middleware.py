"""API middleware: a JSON 500 for any unhandled error (never an HTML page or a trace), and gzip for API bodies."""

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware

from .errors import problem_response

logger = logging.getLogger("cdsc_site.api")

HUMAN_PATH_PREFIXES = ("/admin/", "/imports/")


class ApiErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path.startswith(HUMAN_PATH_PREFIXES):
            return None
        logger.exception("Unhandled error on %s %s", request.method, request.get_full_path())
        return problem_response(request, 500, "The server failed to answer this request; the error is logged.")


class ApiGZipMiddleware(GZipMiddleware):
    """Gzip API responses (JSON, problem+json, CSV) for clients that accept it: a year of time series shrinks
    about 40 times. HTML pages are left alone, so the admin's CSRF tokens are not exposed to BREACH."""

    COMPRESSIBLE = ("application/json", "application/problem+json", "text/csv")

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if not response.get("Content-Type", "").startswith(self.COMPRESSIBLE):
            return response
        return super().process_response(request, response)
