"""Last line of defence: an unhandled error in the API answers a JSON 500, never an HTML page or a trace."""

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .errors import problem_response

logger = logging.getLogger("cdsc_site.api")

HUMAN_PATH_PREFIXES = ("/admin/",)


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
