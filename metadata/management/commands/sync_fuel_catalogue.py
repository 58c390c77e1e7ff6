"""Bring the fuel-source catalogue up to the shipped AIB EECS codes, and add missing default source mappings and
emission factors."""

from django.core.management.base import BaseCommand

from metadata.services import catalogue_sync, emission_factors_sync, source_mappings_sync


class Command(BaseCommand):
    help = (
        "Create or rename fuel-source types and technologies by AIB EECS code (operator-added rows are kept), and add "
        "the default source fuel mappings (ENTSO-E, EIA, Elexon) that have none (edited mappings are kept), and the "
        "shipped default emission factors that are missing (edited factors are kept)."
    )

    def handle(self, *args, **options) -> None:
        result = catalogue_sync()
        self.stdout.write(f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}")
        self.stdout.write(f"source fuel mappings added: {source_mappings_sync()}")
        self.stdout.write(f"default emission factors added: {emission_factors_sync()}")
