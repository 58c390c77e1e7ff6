"""The cache the clients' counters live in (Redis when REDIS_URL is set, else this process's memory)."""

from django.core.cache import BaseCache, caches


def shared_cache() -> BaseCache:
    return caches["default"]
