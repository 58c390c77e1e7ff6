"""Benchmark settings: production settings plus one bare JsonResponse view to compare request rates against."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-" + "x" * 40)

from cdsc_site.settings.base import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
