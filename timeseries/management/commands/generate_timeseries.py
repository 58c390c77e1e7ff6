"""Generate deterministic demo / benchmark time series under the demo grid."""

from datetime import UTC, datetime, timedelta

from django.core.management.base import BaseCommand, CommandError

from psr.models import Connection, TransmissionCapacity
from timeseries.generator import DEMO_AREAS, flow_functions, generate_area, generate_meters
from timeseries.models import Point, Series
from timeseries.resolution import parse_resolution


def _step(code: str) -> timedelta:
    try:
        resolution = parse_resolution(code)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    if not resolution.seconds:
        raise CommandError(f"{code}: generated data needs a fixed interval (PT15M, PT30M, PT1H, ...).")
    return timedelta(seconds=resolution.seconds)


class Command(BaseCommand):
    help = (
        "Generate realistic, deterministic time series (generation by fuel, demand and its forecast, imports and "
        "exports per neighbour, prices per timeframe, curtailment) for the demo balancing areas, and optionally "
        "meters with 15-minute demand. Series it generates are replaced, not appended to."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--start", default="2023-01-01", help="first day (UTC), default 2023-01-01")
        parser.add_argument("--years", type=int, default=1, help="how many years (default 1)")
        parser.add_argument("--days", type=int, default=0, help="how many days, instead of --years")
        parser.add_argument("--resolution", default="PT1H", help="interval of the areas' series (default PT1H)")
        parser.add_argument(
            "--areas", type=int, default=len(DEMO_AREAS), help=f"how many demo areas (default all {len(DEMO_AREAS)})"
        )
        parser.add_argument("--meters", type=int, default=0, help="how many meters to add (default 0)")
        parser.add_argument("--meter-resolution", default="PT15M", help="interval of the meters (default PT15M)")
        parser.add_argument("--meter-parent", default="US-WECC-CISO-ABC", help="PSR the meters hang under")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing if the areas already hold series (used by make run)"
        )

    def handle(self, *args, **options) -> None:
        try:
            start = datetime.fromisoformat(options["start"]).replace(tzinfo=UTC)
        except ValueError:
            raise CommandError(f"--start {options['start']!r} is not a date (YYYY-MM-DD).") from None
        if options["days"]:
            end = start + timedelta(days=options["days"])
        else:
            end = start.replace(year=start.year + options["years"])
        areas = DEMO_AREAS[: options["areas"]]
        if options["if_empty"] and Series.objects.filter(psr_id__in=[a.psr_id for a in areas]).exists():
            self.stdout.write("Time series already there; nothing generated.")
            return
        step, seed = _step(options["resolution"]), options["seed"]
        ids = {a.psr_id for a in areas}
        pairs = [
            (c.psr_id, c.connected_psr_id)
            for c in Connection.objects.filter(psr_id__in=ids, connected_psr_id__in=ids).order_by("pk")
        ]
        capacity = {}
        for tc in TransmissionCapacity.objects.filter(psr_id__in=ids):
            capacity[(tc.psr_id, tc.connected_psr_id)] = capacity[(tc.connected_psr_id, tc.psr_id)] = tc.value
        flows = flow_functions(pairs, seed, capacity)
        total = 0
        for area in areas:
            written = generate_area(area, start=start, end=end, step=step, seed=seed, flows=flows)
            self.stdout.write(f"{area.psr_id}: {written:,} points")
            total += written
        if options["meters"]:
            written = generate_meters(
                count=options["meters"],
                parent_id=options["meter_parent"],
                start=start,
                end=end,
                step=_step(options["meter_resolution"]),
                seed=seed,
            )
            self.stdout.write(f"{options['meters']} meters under {options['meter_parent']}: {written:,} points")
            total += written
        self.stdout.write(f"Generated {total:,} points; the store holds {Point.objects.count():,}.")
