"""The import side's app config: a small app of its own inside timeseries, with no models of its own."""

from django.apps import AppConfig


class ImportsConfig(AppConfig):
    """The import side as a small app of its own: pages, admin, commands, Celery task, templates and scripts.

    Its models (ImportJob, ImportRowError) stay in the timeseries app (timeseries/models/imports.py), so no table
    is renamed; this app has none of its own.
    """

    name = "timeseries.imports"
    label = "imports"
    verbose_name = "Imports"
