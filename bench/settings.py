"""Benchmark settings: production settings plus one bare JsonResponse view to compare request rates against."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-" + "x" * 40)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
# wrk's connections all come from one address: no anonymous limit unless a bench part sets one.
os.environ.setdefault("CDSC_RATE_LIMIT_ANONYMOUS", "0")
os.environ.setdefault("CDSC_RATE_LIMIT_ANONYMOUS_POINTS", "0")
# The latency parts measure computing an answer: the response cache is off unless a part turns it on (the rate
# part measures both).
os.environ.setdefault("CDSC_RESPONSE_CACHE", "0")

from cdsc_site.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
# Served over plain HTTP on a loopback port: a redirect to HTTPS would be all that gets measured.
SECURE_SSL_REDIRECT = False
# The read parts measure the API, not the rate limiter, through one anonymous client that asks far more than the
# anonymous limits allow (a year of hourly generation is 87,600 values a request). The load part measures the
# limiter, with keys, on the production settings themselves (bench/load.py).
CDSC_RATE_LIMIT_ANONYMOUS = 0
CDSC_RATE_LIMIT_ANONYMOUS_POINTS = 0
