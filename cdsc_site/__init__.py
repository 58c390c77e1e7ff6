"""Django project for the CDSC-WG2-03 Power Systems Data API server."""

# Loaded with Django so that tasks sent from the web process use this app and its settings.
from .celery import app as celery_app

__all__ = ("celery_app",)
