"""Create an API key for a client (created too if new); the key is printed once, alone on the last line."""

from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_date, parse_datetime

from cdsc_site.clients import services


def _expiry(text: str) -> datetime:
    moment = parse_datetime(text)
    if moment is None:
        day = parse_date(text)
        if day is None:
            raise CommandError(f"--expires {text!r} is not an ISO 8601 date or datetime.")
        moment = datetime(day.year, day.month, day.day)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = "Create an API key for an API client; the key is printed once and never stored (only its hash is)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--client", required=True, help="The client's organisation (created if new).")
        parser.add_argument("--label", default="", help="What the key is for (e.g. 'nightly sync').")
        parser.add_argument("--email", default="", help="The client's contact e-mail, for a new client.")
        parser.add_argument("--expires", help="Expiry, an ISO 8601 date or datetime (UTC unless it says).")
        parser.add_argument("--requests-per-minute", type=int, help="The client's own request limit (0: none).")
        parser.add_argument("--points-per-minute", type=int, help="The client's own time-series values limit.")

    def handle(self, *args, **options) -> None:
        organisation = options["client"].strip()
        if not organisation:
            raise CommandError("--client must name an organisation.")
        expires = _expiry(options["expires"]) if options["expires"] else None
        client = services.api_client_get_or_create(organisation=organisation, contact_email=options["email"])
        limits = {
            field: options[field]
            for field in ("requests_per_minute", "points_per_minute")
            if options[field] is not None
        }
        if any(value < 0 for value in limits.values()):
            raise CommandError("Limits are 0 (no limit) or more.")
        if limits:
            client = services.api_client_set_limits(client=client, **limits)
        key, raw = services.api_key_create(client=client, label=options["label"] or "command line", expires=expires)
        self.stderr.write(
            f"Key {key.prefix} for {client.organisation} created. It is shown once, below: store it now; it cannot "
            "be shown again (only its hash is kept)."
        )
        self.stdout.write(raw)
