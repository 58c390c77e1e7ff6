"""Benchmark settings: production settings plus one bare JsonResponse view to compare request rates against."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-" + "x" * 40)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")

from cdsc_site.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
# Served over plain HTTP on a loopback port: a redirect to HTTPS would be all that gets measured.
SECURE_SSL_REDIRECT = False
