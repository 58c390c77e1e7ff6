from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class TimeseriesConfig(AppConfig):
    name = "timeseries"
    verbose_name = "Time series"

    def ready(self) -> None:
        from metadata.models import FuelSourceTechnology, FuelSourceType
        from psr.models import PowerSystemResource

        from .cache import bump
        from .models import Series

        # The read path caches these for a few seconds; any change to them invalidates that cache.
        for model in (Series, PowerSystemResource, FuelSourceType, FuelSourceTechnology):
            post_save.connect(bump, sender=model, dispatch_uid=f"timeseries-cache-{model.__name__}-save")
            post_delete.connect(bump, sender=model, dispatch_uid=f"timeseries-cache-{model.__name__}-delete")
