from django.apps import AppConfig


class PsrConfig(AppConfig):
    name = "psr"
    verbose_name = "Power system resources"
