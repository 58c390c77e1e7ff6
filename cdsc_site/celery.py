"""The Celery app: configured from the Django settings named CELERY_*, tasks found in each app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdsc_site.settings.base")

app = Celery("cdsc_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
