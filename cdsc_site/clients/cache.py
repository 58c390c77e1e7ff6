"""The cache the clients' counters live in (Redis when REDIS_URL is set, else this process's memory); while Redis does
not answer, a per-process stand-in, so API requests keep being served (cdsc_site.api.shared_cache)."""

from cdsc_site.api.shared_cache import shared_cache

__all__ = ["shared_cache"]
