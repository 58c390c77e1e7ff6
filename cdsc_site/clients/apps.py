from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "cdsc_site.clients"
    label = "clients"
    verbose_name = "API clients"

    def ready(self) -> None:
        from . import signals  # noqa: F401
