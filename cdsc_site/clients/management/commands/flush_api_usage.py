"""Move the API keys' usage counted in the cache into the database (the web processes also do it every minute)."""

from django.core.management.base import BaseCommand

from cdsc_site.clients.usage import usage_flush


class Command(BaseCommand):
    help = "Write the API keys' request counts and last use, counted in the cache, into the database."

    def handle(self, *args, **options) -> None:
        moved = usage_flush()
        self.stdout.write(f"{moved} request(s) counted into the keys' rows.")
