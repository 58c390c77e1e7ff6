"""WSGI entry point (gunicorn cdsc_site.wsgi), on the production settings unless DJANGO_SETTINGS_MODULE names others."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdsc_site.settings.production")

application = get_wsgi_application()

# Everything loaded so far lives as long as the process: keep it out of the garbage collector's full scans,
# which otherwise walk it again on every request that allocates many objects (a year of time series does).
gc.freeze()
