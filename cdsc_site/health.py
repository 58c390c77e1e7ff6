"""Health endpoints for load balancers and orchestrators: /health/live (the process answers) and /health/ready (its
database, and Redis when configured, answer too). No key, no cache, each check bounded in time."""

import logging
import threading
import time
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connections
from django.http import HttpRequest, JsonResponse

from cdsc_site.api.errors import PROBLEM_CONTENT_TYPE, problem_body, problem_response

logger = logging.getLogger(__name__)

# Seconds one readiness check may take before it counts as failed; the checks run side by side, so this is also
# about the longest /health/ready takes.
CHECK_TIMEOUT_SECONDS = 2.5
# What a 503 from /health/ready tells a client to wait.
RETRY_AFTER_SECONDS = 5


def _no_store(response: JsonResponse) -> JsonResponse:
    response["Cache-Control"] = "no-store"
    return response


def _not_allowed(request: HttpRequest) -> JsonResponse:
    response = problem_response(request, 405, f"Method '{request.method}' is not allowed here.")
    response["Allow"] = "GET, HEAD"
    return _no_store(response)


def live(request: HttpRequest) -> JsonResponse:
    """The process is up and serving requests. Touches nothing else: a database outage must not make an
    orchestrator restart web processes that would recover by themselves."""
    if request.method not in ("GET", "HEAD"):
        return _not_allowed(request)
    return _no_store(JsonResponse({"status": "ok"}))


def _check_database() -> None:
    # A connection of this check's own thread, closed after: it proves a new connection can be made, and a check
    # that hangs leaves no request's connection in a half-used state.
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connections.close_all()


def _check_redis() -> None:
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=CHECK_TIMEOUT_SECONDS, socket_timeout=CHECK_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    finally:
        client.close()


def _checks() -> dict[str, Callable[[], None]]:
    checks = {"database": _check_database}
    if settings.REDIS_URL:
        checks["redis"] = _check_redis
    return checks


def _run(checks: dict[str, Callable[[], None]]) -> dict[str, dict]:
    """Run the checks side by side, each in a daemon thread, and wait at most CHECK_TIMEOUT_SECONDS for them all: a
    check still running then is reported failed (its thread ends on its own, bounded by its connect timeouts)."""
    results: dict[str, dict] = {}

    def run(name: str, check: Callable[[], None]) -> None:
        started = time.monotonic()
        try:
            check()
        except Exception as exc:
            # Only the exception's type is shown: its text may name hosts, ports or users.
            results[name] = {"status": "failed", "error": type(exc).__name__}
            first_line = (str(exc).strip().splitlines() or [""])[0][:300]
            logger.warning("Health check %s failed: %s: %s", name, type(exc).__name__, first_line)
        else:
            results[name] = {"status": "ok", "ms": round((time.monotonic() - started) * 1000)}

    threads = [
        threading.Thread(target=run, args=(name, check), name=f"health-{name}", daemon=True)
        for name, check in checks.items()
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + CHECK_TIMEOUT_SECONDS
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    for name in checks:
        if name not in results:
            results[name] = {"status": "failed", "error": f"no answer within {CHECK_TIMEOUT_SECONDS} s"}
            logger.warning("Health check %s: no answer within %s s", name, CHECK_TIMEOUT_SECONDS)
    return {name: results[name] for name in checks}


def ready(request: HttpRequest) -> JsonResponse:
    """The process can serve: 200 with each check's state, or 503 (a problem document) naming the failed ones."""
    if request.method not in ("GET", "HEAD"):
        return _not_allowed(request)
    results = _run(_checks())
    failed = [name for name, result in results.items() if result["status"] != "ok"]
    if not failed:
        return _no_store(JsonResponse({"status": "ok", "checks": results}))
    body = problem_body(503, f"Not ready: {', '.join(failed)} failed.", instance=request.get_full_path())
    body["checks"] = results
    response = JsonResponse(body, status=503, content_type=PROBLEM_CONTENT_TYPE)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return _no_store(response)
