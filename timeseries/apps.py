from django.apps import AppConfig


class TimeseriesConfig(AppConfig):
    name = "timeseries"
    verbose_name = "Time series"
