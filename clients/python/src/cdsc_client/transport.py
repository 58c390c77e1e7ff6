"""HTTP under the client: the API key and User-Agent, timeouts, retries with back-off, ETag revalidation, errors."""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

import requests

from ._version import __version__
from .errors import CDSCError, RateLimited, TransportError, error_for

USER_AGENT = f"cdsc-client/{__version__} (python-requests/{requests.__version__})"
RETRIED_STATUSES = frozenset({429, 503})

# Replaced by the tests to see the waits without spending them.
_sleep = time.sleep


@dataclass(frozen=True)
class Retry:
    """How failed requests are tried again: on 429 and 503 answers, and on connections refused, dropped or timed out.

    `attempts` is the most requests sent for one call (1: never retry). Between attempts the client waits what
    the server's `Retry-After` says (seconds or an HTTP date); without it, `backoff * 2 ** n` seconds (n = 0, 1,
    ...), at most `max_backoff`. A `Retry-After` longer than `max_wait` is not waited for: the error is raised at
    once (a `RateLimited` carries `retry_after`), so a spent minute budget does not freeze a script silently.
    """

    attempts: int = 5
    backoff: float = 0.5
    max_backoff: float = 30.0
    max_wait: float = 120.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("Retry.attempts must be at least 1.")

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before attempt `attempt + 1` (attempt counts from 0)."""
        if retry_after is not None:
            return retry_after
        return min(self.backoff * 2.0**attempt, self.max_backoff)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds from now: delta-seconds or an HTTP date (RFC 9110 section 10.2.3); None if absent or
    unreadable. A date in the past is 0."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class Transport:
    """GETs JSON from one API base URL. Not for use from several threads at once (the ETag cache is not locked)."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None,
        timeout: float | tuple[float, float],
        retry: Retry,
        etag_cache_bytes: int,
        session: requests.Session | None,
    ):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"base_url must be an http or https URL, not {base_url!r}.")
        self.base_url = base_url.rstrip("/") + "/"
        self._origin = (parts.scheme, parts.netloc)
        self.timeout = timeout
        self.retry = retry
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.headers["Accept"] = "application/json"
        if api_key:
            # The header the server documents first (docs/api-access.md); never the query string, which it refuses.
            self.session.headers["Authorization"] = f"Bearer {api_key}"
        # URL -> (ETag, parsed body, size of the body as sent), least recently used first.
        self._etags: OrderedDict[str, tuple[str, Any, int]] = OrderedDict()
        self._etag_bytes = 0
        self._etag_cache_bytes = etag_cache_bytes

    def url(self, path: str, params: dict[str, Any] | None = None) -> str:
        """The absolute URL of an API path with its query (parameters of value None left out)."""
        query = urlencode({k: v for k, v in (params or {}).items() if v is not None})
        url = urljoin(self.base_url, path.lstrip("/"))
        return f"{url}?{query}" if query else url

    def rebase(self, link: str) -> str:
        """A `next` link on this client's own scheme and host. The server builds links from the Host it was sent,
        which a proxy may rewrite; and the API key must never follow a link to another host."""
        parts = urlsplit(link)
        return urlunsplit((*self._origin, parts.path, parts.query, ""))

    def get_json(self, url: str) -> Any:
        """The JSON body at `url`, retried and revalidated as the class says; an error status raises."""
        cached = self._etags.get(url)
        headers = {"If-None-Match": cached[0]} if cached else {}
        response = self._send(url, headers)
        # The body is read whole: closing lets go of the socket's file at once (the connection stays pooled), even
        # while an exception raised below still refers to the response.
        response.close()
        if response.status_code == 304 and cached:
            self._etags.move_to_end(url)
            return cached[1]
        if response.status_code >= 400:
            raise _error(response, url)
        try:
            body = response.json()
        except ValueError:
            raise CDSCError(
                f"{url} answered {response.status_code} with a body that is not JSON "
                f"({response.headers.get('Content-Type')}).",
                url=url,
                status=response.status_code,
            ) from None
        etag = response.headers.get("ETag")
        if etag:
            self._keep(url, etag, body, len(response.content))
        return body

    def _keep(self, url: str, etag: str, body: Any, size: int) -> None:
        """Keep an answer for revalidation, within the cache's bytes (counted as the JSON text, uncompressed)."""
        old = self._etags.pop(url, None)
        if old is not None:
            self._etag_bytes -= old[2]
        if size > self._etag_cache_bytes:
            return
        self._etags[url] = (etag, body, size)
        self._etag_bytes += size
        while self._etag_bytes > self._etag_cache_bytes:
            _, (_, _, dropped) = self._etags.popitem(last=False)
            self._etag_bytes -= dropped

    def _send(self, url: str, headers: dict[str, str]) -> requests.Response:
        for attempt in range(self.retry.attempts):
            last = attempt == self.retry.attempts - 1
            try:
                response = self.session.get(url, headers=headers, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if last:
                    raise TransportError(
                        f"No answer from {url} after {self.retry.attempts} attempts: {exc}", url=url
                    ) from exc
                _sleep(self.retry.delay(attempt, None))
                continue
            if response.status_code not in RETRIED_STATUSES or last:
                return response
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is not None and retry_after > self.retry.max_wait:
                return response
            response.close()
            _sleep(self.retry.delay(attempt, retry_after))
        raise AssertionError("unreachable: the last attempt returns or raises")


def _error(response: requests.Response, url: str) -> CDSCError:
    """The exception of an error answer, with its problem document when it has one."""
    problem: dict[str, Any] = {}
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        problem = body
    detail = problem.get("detail") or problem.get("title") or response.reason or "error"
    message = f"{response.status_code} {detail} ({url})"
    cls = error_for(response.status_code)
    if cls is RateLimited:
        return RateLimited(
            message,
            url=url,
            status=response.status_code,
            problem=problem,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    return cls(message, url=url, status=response.status_code, problem=problem)
