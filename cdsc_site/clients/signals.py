"""Any change to a key or a client drops the kept key records of this process (selectors.forget_keys)."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import ApiClient, ApiKey
from .selectors import forget_keys


@receiver([post_save, post_delete], sender=ApiKey)
@receiver([post_save, post_delete], sender=ApiClient)
def _forget(**_kwargs) -> None:
    forget_keys()
    transaction.on_commit(forget_keys)
