"""ASGI entry point, on the production settings unless DJANGO_SETTINGS_MODULE says otherwise."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdsc_site.settings.production")
# OpenBLAS's helper threads asleep as soon as a product is done (cdsc_site/wsgi.py says why).
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

application = get_asgi_application()
