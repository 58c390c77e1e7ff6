"""The Celery app: configured from the Django settings named CELERY_*, tasks found in each app's tasks.py."""

import os

from celery import Celery

# A worker is part of a deployment: production settings unless DJANGO_SETTINGS_MODULE names others (`make worker`:
# local). Importing cdsc_site (manage.py does) leaves a module already chosen alone.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdsc_site.settings.production")

app = Celery("cdsc_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
