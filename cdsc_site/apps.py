from django.apps import AppConfig


class CdscSiteConfig(AppConfig):
    name = "cdsc_site"
    verbose_name = "CDSC site"
