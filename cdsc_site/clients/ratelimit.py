"""Rate limits per API key and per anonymous IP, in fixed one-minute windows counted in the shared cache.

Two budgets per caller, each a policy of the IETF httpapi RateLimit header fields draft: "requests" (each request
costs 1) and "points" (each time-series value returned costs 1, charged once the answer is built: a year of hourly
generation with ten fuels costs 96,360, its 8,760 totals and 87,600 fuel values, and a day 264). A request is
refused (429) while either budget of the window is spent. Counters live in the shared cache, so with Redis the
limits hold across processes and machines.
"""

import ipaddress
import math
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from cdsc_site.api.shared_cache import shared_cache

WINDOW_SECONDS = 60
# Counters to add to and values to set along with a request's own: {key: (amount, timeout)}, {key: (value, timeout)}.
Counters = tuple[dict[str, tuple[int, int]], dict[str, tuple[Any, int]]]
now = time.time  # the clock of the windows (the tests stop it)
REQUESTS = "requests"
POINTS = "points"


@dataclass(frozen=True)
class Policy:
    name: str
    quota: int  # per window; 0 = no limit

    def header(self) -> str:
        unit = "" if self.name == REQUESTS else ';qu="cdsc-values"'
        return f'"{self.name}";q={self.quota};w={WINDOW_SECONDS}{unit}'


@dataclass
class Limiter:
    """The budgets of one caller (`partition`: a key's id, or an IP) in the current window."""

    partition: str
    policies: list[Policy]
    window: int = field(default_factory=lambda: int(now()) // WINDOW_SECONDS)
    used: dict[str, int] = field(default_factory=dict)

    def _key(self, policy: Policy) -> str:
        return f"clients:rl:{policy.name}:{self.partition}:{self.window}"

    def admit(self, *, also: Counters | None = None) -> bool:
        """Count this request; False when a budget of the window is already spent (the request is then refused,
        and refused requests count too: hammering does not get through sooner). One round trip to the cache, with
        the counters `also` wants changed (the key's usage)."""
        limited = [p for p in self.policies if p.quota]
        increments, sets = also or ({}, {})
        # +1 request; +0 reads what the earlier answers of the window cost in points.
        amounts = {self._key(p): (1 if p.name == REQUESTS else 0, WINDOW_SECONDS + 5) for p in limited}
        if not amounts and not increments and not sets:
            return True
        values = shared_cache().counters({**amounts, **increments}, sets)
        admitted = True
        for policy in limited:
            used = self.used[policy.name] = values[self._key(policy)]
            admitted &= used <= policy.quota if policy.name == REQUESTS else used < policy.quota
        return admitted

    def charge(self, policy_name: str, amount: int) -> None:
        for policy in self.policies:
            if policy.name == policy_name and policy.quota and amount > 0:
                key = self._key(policy)
                self.used[policy_name] = shared_cache().counters({key: (amount, WINDOW_SECONDS + 5)})[key]

    def reset_seconds(self) -> int:
        return max(1, (self.window + 1) * WINDOW_SECONDS - math.floor(now()))

    def headers(self) -> dict[str, str]:
        """RateLimit-Policy and RateLimit (draft-ietf-httpapi-ratelimit-headers) for the limited budgets."""
        limited = [p for p in self.policies if p.quota]
        if not limited:
            return {}
        reset = self.reset_seconds()
        remaining = [f'"{p.name}";r={max(0, p.quota - self.used.get(p.name, 0))};t={reset}' for p in limited]
        return {"RateLimit-Policy": ", ".join(p.header() for p in limited), "RateLimit": ", ".join(remaining)}


def client_ip(request: HttpRequest) -> str:
    """The caller's IP: the peer's, or behind CDSC_TRUSTED_PROXIES proxies the address the nearest untrusted hop
    gave in X-Forwarded-For (further left is whatever the client wrote, so it is not trusted); "unknown" when there
    is none (a request made in-process)."""
    proxies = settings.CDSC_TRUSTED_PROXIES
    if proxies:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies and _valid_ip(hops[-proxies]):
            return hops[-proxies]
    peer = request.META.get("REMOTE_ADDR", "")
    return peer if _valid_ip(peer) else "unknown"


def login_client_ip(request: HttpRequest) -> str | None:
    """client_ip for the admin login lockout (AXES_CLIENT_IP_CALLABLE), which stores None for no address."""
    ip = client_ip(request)
    return None if ip == "unknown" else ip


def _valid_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def limiter_for(request: HttpRequest, *, key_id: str | None, requests: int | None, points: int | None) -> Limiter:
    """The limiter of a request: by key (with the client's own limits where set), else by IP."""
    if key_id is not None:
        return Limiter(
            f"key:{key_id}",
            [
                Policy(REQUESTS, settings.CDSC_RATE_LIMIT_CLIENT if requests is None else requests),
                Policy(POINTS, settings.CDSC_RATE_LIMIT_CLIENT_POINTS if points is None else points),
            ],
        )
    return Limiter(
        f"ip:{client_ip(request)}",
        [
            Policy(REQUESTS, settings.CDSC_RATE_LIMIT_ANONYMOUS),
            Policy(POINTS, settings.CDSC_RATE_LIMIT_ANONYMOUS_POINTS),
        ],
    )


def charge_points(request: HttpRequest, values: int) -> None:
    """Charge `values` time-series values returned to the caller of `request` (a no-op outside the middleware)."""
    limiter = getattr(request, "cdsc_limiter", None)
    if limiter is not None:
        limiter.charge(POINTS, values)
