from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class TimeseriesConfig(AppConfig):
    name = "timeseries"
    verbose_name = "Time series"

    def ready(self) -> None:
        from metadata.models import EmissionFactor, FuelSourceTechnology, FuelSourceType
        from psr.models import DeclaredIntensity, PowerSystemResource, PsrEmissionFactor

        from .cache import bump
        from .models import Series
        from .versions import data_changed

        # The read path caches these for a few seconds; any change to them invalidates that cache.
        cached_models = (
            Series,
            PowerSystemResource,
            FuelSourceType,
            FuelSourceTechnology,
            EmissionFactor,
            PsrEmissionFactor,
            DeclaredIntensity,
        )
        for model in cached_models:
            post_save.connect(bump, sender=model, dispatch_uid=f"timeseries-cache-{model.__name__}-save")
            post_delete.connect(bump, sender=model, dispatch_uid=f"timeseries-cache-{model.__name__}-delete")
            # What the answers read changed: their data version too (cached responses, ETags, other processes).
            post_save.connect(data_changed, sender=model, dispatch_uid=f"timeseries-data-{model.__name__}-save")
            post_delete.connect(data_changed, sender=model, dispatch_uid=f"timeseries-data-{model.__name__}-delete")
