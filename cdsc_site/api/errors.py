"""One error shape for the whole API: RFC 9457 problem details, rendered as application/problem+json."""

import logging
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    DisallowedHost,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

PROBLEM_CONTENT_TYPE = "application/problem+json"


class InvalidParameter(exceptions.APIException):
    """A query parameter that cannot be used as given; the error names it."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_parameter"

    def __init__(self, parameter: str, detail: str) -> None:
        self.parameter = parameter
        super().__init__(detail=f"Invalid value for parameter '{parameter}': {detail}")
        self.errors = [{"parameter": parameter, "detail": detail}]


def problem_body(status_code: int, detail: str, *, instance: str | None = None, errors: list | None = None) -> dict:
    """The problem-details document; `errors` lists per-parameter problems of a 400."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
    }
    if instance is not None:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return body


def problem_response(request: HttpRequest, status_code: int, detail: str) -> JsonResponse:
    """A problem response outside DRF (unknown URL, unhandled error)."""
    return JsonResponse(
        problem_body(status_code, detail, instance=request.get_full_path()),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
    )


# What a client is told to wait before trying again when the database does not answer.
DATABASE_RETRY_AFTER_SECONDS = 10
DATABASE_UNAVAILABLE = "The database does not answer right now; try again in a few seconds."


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether `exc` says the database cannot be used right now (down, restarting, unreachable, its connection lost,
    a lock or statement timeout), something a retry later may cure, rather than a bug in the request's handling."""
    return isinstance(exc, OperationalError | InterfaceError)


def database_unavailable_response(request: HttpRequest, exc: BaseException) -> JsonResponse:
    """503 with Retry-After for a database that does not answer; logged in one line (no traceback per request: an
    outage would flood the log)."""
    # A request read from a replica (cdsc_site.replicas) is answered again from the primary: a warning, not an error.
    replica = getattr(request, "read_replica", None)
    logging.getLogger("cdsc_site.api").log(
        logging.WARNING if replica else logging.ERROR,
        "Database unavailable on %s %s%s: %s: %s",
        request.method,
        request.get_full_path()[:200],
        f" (read replica {replica})" if replica else "",
        type(exc).__name__,
        str(exc).strip().splitlines()[0][:300] if str(exc).strip() else "",
    )
    response = problem_response(request, 503, DATABASE_UNAVAILABLE)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    # Tells cdsc_site.replicas that a request read from a replica failed for its database: it is answered again from
    # the primary.
    response.database_unavailable = True
    return response


def client_error(exc: BaseException) -> tuple[int, str] | None:
    """Status and detail of an exception that is the request's fault, wherever it is raised: Django's
    SuspiciousOperation family (raised when a query string, body or Host header is first read) and BadRequest.
    The exception's own text is not shown: it may quote internals (file paths, settings)."""
    if isinstance(exc, RequestDataTooBig):
        return (
            413,
            f"The request body is larger than this server accepts ({settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes).",
        )
    if isinstance(exc, TooManyFieldsSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        return 400, f"Too many query (or form) parameters: at most {limit} are accepted."
    if isinstance(exc, TooManyFilesSent):
        return 400, f"Too many files in the request: at most {settings.DATA_UPLOAD_MAX_NUMBER_FILES} are accepted."
    if isinstance(exc, DisallowedHost):
        return 400, "The Host header names a host this server does not serve."
    if isinstance(exc, SuspiciousOperation | BadRequest):
        return 400, "The request is malformed and was refused."
    return None


def log_client_error(request: HttpRequest, exc: BaseException) -> None:
    """Log a refused request where Django logs it (django.security.<Exception>), as a warning: the client erred."""
    logger = logging.getLogger(f"django.security.{type(exc).__name__}")
    logger.warning("%s: %s %s", type(exc).__name__, request.method, request.get_full_path()[:200])


def _flatten(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """Turn DRF's nested ValidationError detail into [{parameter, detail}, ...]."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            out += _flatten(value, f"{prefix}.{name}" if prefix and name else (name or prefix))
        return out
    if isinstance(detail, list):
        return [item for value in detail for item in _flatten(value, prefix)]
    return [{"parameter": prefix, "detail": str(detail)}] if prefix else [{"detail": str(detail)}]


def problem_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF exception handler: every handled error becomes a problem document."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    request = context.get("request")
    refused = client_error(exc)
    if refused is not None:
        if request is not None:
            log_client_error(request, exc)
        status_code, detail = refused
        body = problem_body(status_code, detail, instance=request.get_full_path() if request else None)
        return Response(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)
    if not isinstance(exc, exceptions.APIException):
        return None  # left to ApiErrorMiddleware, which logs it and answers a JSON 500

    errors = getattr(exc, "errors", None)
    if isinstance(exc, exceptions.ValidationError) and errors is None:
        errors = _flatten(exc.detail)
        names = sorted({e["parameter"] for e in errors if e.get("parameter")})
        detail = f"Invalid value for parameter(s): {', '.join(names)}." if names else "Invalid request."
    else:
        detail = str(exc.detail) if not isinstance(exc.detail, list | dict) else "Invalid request."

    body = problem_body(exc.status_code, detail, instance=request.get_full_path() if request else None, errors=errors)
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    return Response(body, status=exc.status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)
