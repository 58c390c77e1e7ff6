"""The client's exceptions: one per kind of refusal, each carrying the server's RFC 9457 problem document and URL."""

from __future__ import annotations

from typing import Any


class CDSCError(Exception):
    """Base of every error this client raises.

    `status` is the HTTP status (None when no answer came), `url` the URL asked, and `problem` the server's problem
    document (RFC 9457: `type`, `title`, `status`, `detail`, `instance`, and this server's `errors`, a list of
    `{parameter, detail}`), or an empty dict when the answer was not one.
    """

    def __init__(self, message: str, *, url: str, status: int | None = None, problem: dict[str, Any] | None = None):
        super().__init__(message)
        self.url = url
        self.status = status
        self.problem: dict[str, Any] = problem or {}

    @property
    def type(self) -> str | None:
        return self.problem.get("type")

    @property
    def title(self) -> str | None:
        return self.problem.get("title")

    @property
    def detail(self) -> str | None:
        return self.problem.get("detail")

    @property
    def errors(self) -> list[dict[str, Any]]:
        """The parameters a 400 names, each `{"parameter": ..., "detail": ...}`."""
        errors = self.problem.get("errors")
        return errors if isinstance(errors, list) else []


class BadRequest(CDSCError):
    """400: a parameter the server refused (see `errors` for which)."""


class Unauthorized(CDSCError):
    """401: the API key is missing where keys are required, or is malformed, unknown, revoked or expired."""


class Forbidden(CDSCError):
    """403: the key is valid but not granted this resource."""


class NotFound(CDSCError):
    """404: no such power system resource (or path)."""


class RateLimited(CDSCError):
    """429 after every retry: the caller's budget is spent; `retry_after` is the seconds the server asked to wait."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(CDSCError):
    """5xx (after every retry for 503): the server failed; the request itself may be fine."""


class TransportError(CDSCError):
    """No HTTP answer after every retry: the connection was refused or dropped, or it timed out."""


def error_for(status: int) -> type[CDSCError]:
    """The exception class of an HTTP error status."""
    if status >= 500:
        return ServerError
    return {400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 429: RateLimited}.get(status, CDSCError)
