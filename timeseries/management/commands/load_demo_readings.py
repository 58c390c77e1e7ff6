"""Load the demo production projects' meter readings (every format and validity); safe to run again."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from timeseries.demo_readings import load_demo_readings


class Command(BaseCommand):
    help = (
        "Give the demo production projects' meters their readings: the solar PPA's SCADA stream from the real PV "
        "sample of a meter-data folder (default: $CDSC_METER_DATA; a clear-sky curve stands in without it), "
        "settlement and forecast streams derived from it, and generated streams for the Spanish VPPA and the "
        "net-metered turbine. Run setup_demo first. Running it again gives the same readings."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "folder", nargs="?", default="", help="the meter samples' folder (default: $CDSC_METER_DATA)"
        )

    def handle(self, *args, **options) -> None:
        folder = options["folder"] or os.environ.get("CDSC_METER_DATA", "")
        meters_dir = Path(folder) if folder else None
        if meters_dir is not None and not meters_dir.is_dir():
            raise CommandError(f"{meters_dir} is not a folder.")
        counts = load_demo_readings(meters_dir=meters_dir)
        self.stdout.write("Demo meter readings: " + ", ".join(f"{meter} {n:,}" for meter, n in counts.items()))
