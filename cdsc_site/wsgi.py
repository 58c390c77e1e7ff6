"""WSGI entry point (gunicorn cdsc_site.wsgi), on the production settings unless DJANGO_SETTINGS_MODULE names others."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdsc_site.settings.production")
# numpy's BLAS (OpenBLAS) runs a large enough matrix product on a helper thread per core, which then spins for about
# 0.1 s in wait for more: in a web process that is a core taken from PostgreSQL and the other workers for nothing
# (a traced intensity year's two products kept one busy for 100 ms). Asleep at once instead; the threads and their
# share of a product are the same, so are the results. Read when numpy loads: set before Django loads the apps.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

application = get_wsgi_application()

# Everything loaded so far lives as long as the process: keep it out of the garbage collector's full scans,
# which otherwise walk it again on every request that allocates many objects (a year of time series does).
gc.freeze()
