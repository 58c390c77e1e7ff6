"""API middleware: a problem document for any error a view raises (never an HTML page or a trace), a 400 problem for
a Host not served here, 414/431/413 problems for requests over the size limits, gzip for API bodies, ETags and 304s
for GET and HEAD alike, and the Cache-Control of API answers."""

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import DisallowedHost, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.gzip import GZipMiddleware, re_accepts_gzip
from django.middleware.http import ConditionalGetMiddleware
from django.utils.cache import get_conditional_response, patch_vary_headers, set_response_etag
from django.utils.http import parse_http_date_safe
from isal import igzip
from rest_framework.views import APIView

from .datetimes import parse_datetime_param
from .errors import (
    PROBLEM_CONTENT_TYPE,
    InvalidParameter,
    client_error,
    database_unavailable,
    database_unavailable_response,
    log_client_error,
    problem_body,
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


class RequestLimitsMiddleware:
    """Refuse a request whose query string, headers or declared body is larger than this server takes, with a problem
    document, before anything reads them: 414 past CDSC_MAX_QUERY_STRING_BYTES, 431 past CDSC_MAX_HEADER_BYTES (names
    and values summed), and 413 for an API request whose Content-Length is above DATA_UPLOAD_MAX_MEMORY_SIZE (the API
    is read-only; the upload pages under /imports/ check their own, larger limit and answer with a page that says
    why). gunicorn's own limits (cdsc_site/gunicorn.py) sit above these, so below them Django answers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused = self.refusal(request)
        if refused is not None:
            status, detail = refused
            logging.getLogger("django.security.RequestLimits").warning(
                "%s refused: %s %s (%s)", status, request.method, request.path[:200], detail
            )
            # The instance is the path alone: echoing an oversized query string would only make the answer big too.
            body = problem_body(status, detail, instance=request.path[:1000])
            response = JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)
            response["Content-Length"] = str(len(response.content))  # answered before CommonMiddleware sets it
            return response
        return self.get_response(request)

    @staticmethod
    def refusal(request: HttpRequest) -> tuple[int, str] | None:
        meta = request.META
        # A WSGI server passes the query string as the raw bytes decoded as latin-1: one character per byte.
        query_limit = settings.CDSC_MAX_QUERY_STRING_BYTES
        if len(meta.get("QUERY_STRING", "")) > query_limit:
            return 414, f"The query string is longer than this server accepts ({query_limit} bytes)."
        header_limit = settings.CDSC_MAX_HEADER_BYTES
        header_bytes = sum(
            len(key.removeprefix("HTTP_")) + len(str(value))
            for key, value in meta.items()
            if key.startswith("HTTP_") or key in ("CONTENT_TYPE", "CONTENT_LENGTH")
        )
        if header_bytes > header_limit:
            return 431, f"The request headers are larger than this server accepts ({header_limit} bytes in all)."
        body_limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if body_limit is not None and not request.path.startswith(HUMAN_PATH_PREFIXES):
            try:
                declared = int(meta.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return 400, "The Content-Length header is not a number."
            if declared > body_limit:
                return 413, f"The request body is larger than this server accepts ({body_limit} bytes)."
        return None


class ApiGZipMiddleware(GZipMiddleware):
    """Gzip API responses (JSON, problem+json, CSV) for clients that accept it: a year of time series shrinks
    about 30 times. HTML pages are left alone, so the admin's CSRF tokens are not exposed to BREACH.

    A whole body is compressed by ISA-L (python-isal) at its level 1, not by Django's zlib at level 6: a 14 MB year
    takes 6 ms instead of 60 to 90, and comes out 4 % larger. What Django's middleware does around the compression
    is kept: the Vary header, a weak ETag, a Content-Length, the plain body when compression would not shrink it.
    Django also pads the gzip header with random bytes against BREACH; API bodies carry no secret a reflected
    input could be guessed against (keys travel in request headers), so none is added here. A streamed body (a
    CSV export) is Django's, chunk by chunk.
    """

    COMPRESSIBLE = ("application/json", "application/problem+json", "text/csv")
    MIN_LENGTH = 200  # shorter bodies are not worth compressing (Django's threshold)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if not response.get("Content-Type", "").startswith(self.COMPRESSIBLE):
            return response
        if response.streaming:
            return super().process_response(request, response)
        # On every compressible answer, short ones too: the Vary of a representation does not depend on its length,
        # and a 304 in place of it carries the same (ApiConditionalGetMiddleware).
        patch_vary_headers(response, ("Accept-Encoding",))
        if len(response.content) < self.MIN_LENGTH or response.has_header("Content-Encoding"):
            return response
        if not re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            return response
        compressed = igzip.compress(response.content, compresslevel=1, mtime=0)
        if len(compressed) >= len(response.content):
            return response
        response.content = compressed
        response.headers["Content-Length"] = str(len(compressed))
        etag = response.get("ETag")
        if etag and etag.startswith('"'):  # a strong ETag names the plain body (RFC 9110, 8.8.1)
            response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = "gzip"
        return response


class ApiConditionalGetMiddleware(ConditionalGetMiddleware):
    """Django's ConditionalGetMiddleware (an ETag from the body; 304 for a matching If-None-Match), for HEAD as for
    GET: a HEAD answers with the ETag the GET would (the view builds the whole body for HEAD too, the server drops it).
    A 304 made from a compressible answer carries the Vary its 200 would (ApiGZipMiddleware, above, adds
    Accept-Encoding to the 200 only; a 304 has no Content-Type to tell it by)."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return response
        if response.get("Content-Type", "").startswith(ApiGZipMiddleware.COMPRESSIBLE):
            patch_vary_headers(response, ("Accept-Encoding",))
        if self.needs_etag(response) and not response.has_header("ETag"):
            set_response_etag(response)
        etag = response.get("ETag")
        last_modified = response.get("Last-Modified")
        last_modified = last_modified and parse_http_date_safe(last_modified)
        if etag or last_modified:
            return get_conditional_response(request, etag=etag, last_modified=last_modified, response=response)
        return response


class ApiCacheControlMiddleware:
    """`Cache-Control` on the API's 200 and 304 answers (docs/spec-notes.md, "Caching"): private data `private,
    no-cache` (a browser may keep it, and revalidates with its ETag every time; no shared cache keeps it); public data
    `max-age=CDSC_CACHE_SECONDS` (60: recent data changes with each import); a time series of a closed past period,
    one whose endDatetime is more than CDSC_CACHE_OPEN_DAYS days ago, `max-age=CDSC_CACHE_CLOSED_SECONDS` (an hour).
    Every such answer has an ETag (a time series': named after the data version; others': a hash of the body), so
    revalidating after max-age costs a 304."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        view_class = getattr(request, "_cdsc_view_class", None)
        if view_class is None or request.method not in ("GET", "HEAD") or response.status_code not in (200, 304):
            return response
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = cache_control(request, view_class)
        return response

    def process_view(self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict) -> None:
        view_class = getattr(view_func, "cls", None)  # DRF's views (APIView.as_view) name their class
        if isinstance(view_class, type) and issubclass(view_class, APIView) and not _schema_or_docs(request.path):
            request._cdsc_view_class = view_class


def _schema_or_docs(path: str) -> bool:
    return path.startswith(("/openapi.", "/docs/", "/redoc/"))


def cache_control(request: HttpRequest, view_class: type) -> str:
    """The Cache-Control of a 200 (or 304) of an API view of `view_class` for `request`."""
    if any(getattr(p, "private_data", False) for p in getattr(view_class, "permission_classes", ())):
        return "private, no-cache"
    if getattr(view_class, "cache_closed_periods", False) and "endDatetime" in request.GET:
        try:
            end = parse_datetime_param("endDatetime", request.GET["endDatetime"])
        except InvalidParameter:  # a 400 has no Cache-Control; nothing else gets here with a bad value
            end = None
        if end is not None and end <= datetime.now(UTC) - timedelta(days=settings.CDSC_CACHE_OPEN_DAYS):
            return f"max-age={settings.CDSC_CACHE_CLOSED_SECONDS}"
    return f"max-age={settings.CDSC_CACHE_SECONDS}"
