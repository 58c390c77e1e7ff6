"""Who calls the API and how much: the key a request presents (401 when it cannot be used, or when keys are
required and none is sent), the caller's rate limits (429), the RateLimit headers on every API response, and the
key's usage count."""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse

from cdsc_site.api.errors import PROBLEM_CONTENT_TYPE, problem_body

from .ratelimit import limiter_for
from .selectors import KeyRecord, KeyRefused, api_key_check
from .usage import usage_counted, usage_counters

# Pages for people and the machinery around the API: no key, no limit.
EXEMPT_PREFIXES = ("/admin/", "/imports/", "/static/", "/docs/", "/redoc/", "/openapi.", "/health/")
# Query parameters that clients use to pass keys; a key there ends up in logs and browser histories.
KEY_QUERY_PARAMS = frozenset({"api_key", "apikey", "api-key", "key", "token", "access_token", "securitytoken"})
REALM = 'Bearer realm="cdsc"'


def _problem(request: HttpRequest, status: int, detail: str, headers: dict[str, str] | None = None) -> JsonResponse:
    # `instance` is the path alone: the query string may hold the very key this answer refuses.
    response = JsonResponse(
        problem_body(status, detail, instance=request.path), status=status, content_type=PROBLEM_CONTENT_TYPE
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def presented_key(request: HttpRequest) -> str | None:
    """The key in `Authorization: Bearer <key>` or `X-API-Key: <key>`; "" when a header is there but holds none."""
    authorization = request.META.get("HTTP_AUTHORIZATION")
    if authorization is not None:
        scheme, _, token = authorization.strip().partition(" ")
        return token.strip() if scheme.lower() == "bearer" else ""
    header = request.META.get("HTTP_X_API_KEY")
    return header.strip() if header is not None else None


class ApiAccessMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if path == "/" or path.startswith(EXEMPT_PREFIXES) or request.method == "OPTIONS":
            return self.get_response(request)
        try:
            names = {name.lower() for name in request.GET}
        except SuspiciousOperation:  # too many parameters: the view answers it as it does everywhere
            names = set()
        if KEY_QUERY_PARAMS & names:
            return _problem(
                request,
                400,
                "API keys are not accepted in the query string, where logs and browser histories keep them: send "
                "the key in the 'Authorization: Bearer <key>' header (or 'X-API-Key'). If this key was real, "
                "revoke it.",
            )
        record: KeyRecord | None = None
        raw = presented_key(request)
        if raw is not None:
            try:
                record = api_key_check(raw)
            except KeyRefused as refused:
                # A failed key counts against the sender's IP, like an anonymous request.
                limiter_for(request, key_id=None, requests=None, points=None).admit()
                return _problem(request, 401, str(refused), {"WWW-Authenticate": f'{REALM}, error="invalid_token"'})
        elif settings.CDSC_API_KEYS_REQUIRED:
            limiter_for(request, key_id=None, requests=None, points=None).admit()
            return _problem(
                request,
                401,
                "This server requires an API key: send it as 'Authorization: Bearer <key>' (or 'X-API-Key: <key>').",
                {"WWW-Authenticate": REALM},
            )

        limiter = limiter_for(
            request,
            key_id=record.id if record else None,
            requests=record.requests_per_minute if record else None,
            points=record.points_per_minute if record else None,
        )
        admitted = limiter.admit(also=usage_counters(record.id) if record else None)
        if record is not None:
            request.api_key = record
            usage_counted(record.id)
        if not admitted:
            retry = limiter.reset_seconds()
            who = f"API key {record.prefix}" if record else "anonymous callers from this address"
            response = _problem(
                request, 429, f"Rate limit reached for {who}: try again in {retry} s.", {"Retry-After": str(retry)}
            )
        else:
            request.cdsc_limiter = limiter
            response = self.get_response(request)
        for name, value in limiter.headers().items():
            response[name] = value
        return response
