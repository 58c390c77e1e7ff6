"""Benchmark settings: production settings plus one bare JsonResponse view to compare request rates against."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-" + "x" * 40)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
# wrk's connections all come from one address: no anonymous limit unless a bench part sets one.
os.environ.setdefault("CDSC_RATE_LIMIT_ANONYMOUS", "0")
os.environ.setdefault("CDSC_RATE_LIMIT_ANONYMOUS_POINTS", "0")

from cdsc_site.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
# Served over plain HTTP on a loopback port: a redirect to HTTPS would be all that gets measured.
SECURE_SSL_REDIRECT = False
