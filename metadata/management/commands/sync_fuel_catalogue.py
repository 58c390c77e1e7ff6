"""Bring the fuel-source catalogue up to the AIB EECS codes shipped with this release."""

from django.core.management.base import BaseCommand

from metadata.services import catalogue_sync


class Command(BaseCommand):
    help = "Create or rename fuel-source types and technologies by AIB EECS code (operator-added rows are kept)."

    def handle(self, *args, **options) -> None:
        result = catalogue_sync()
        self.stdout.write(f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}")
