"""WSGI entry point of the benchmark server (gunicorn bench.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
# OpenBLAS's helper threads asleep as soon as a product is done (cdsc_site/wsgi.py says why).
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

application = get_wsgi_application()

# Everything loaded so far lives as long as the process: keep it out of the garbage collector's full scans,
# which otherwise walk it again on every request that allocates many objects (a year of time series does).
gc.freeze()
