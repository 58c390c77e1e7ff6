"""Generate deterministic demo / benchmark time series under the demo grid."""

from datetime import UTC, datetime, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from psr.choices import UNIT_LEVEL
from psr.models import Connection, PowerSystemResource, TransmissionCapacity
from timeseries.generator import DEMO_AREAS, flow_functions, generate_area, generate_meters
from timeseries.models import Point, Series
from timeseries.partitions import partitions_ahead, years_between
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
        "exports per neighbour, prices per timeframe, curtailment) for the demo balancing areas and bidding zones, "
        "with a plant per fuel and its generating units sized from each area's mix, and optionally meters with "
        "15-minute demand. Series it generates are replaced, not appended to."
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
            "--if-empty", action="store_true", help="skip the areas that already hold series (used by make run)"
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
        wanted = DEMO_AREAS[: options["areas"]]
        present = set(
            PowerSystemResource.objects.filter(pk__in=[a.psr_id for a in wanted]).values_list("pk", flat=True)
        )
        missing = [a.psr_id for a in wanted if a.psr_id not in present]
        if missing:
            self.stdout.write(f"Not in the grid, skipped (manage.py setup_demo loads them): {', '.join(missing)}")
        areas = [a for a in wanted if a.psr_id in present]
        if options["if_empty"]:
            filled = set(Series.objects.filter(psr_id__in=present).values_list("psr_id", flat=True))
            areas = [a for a in areas if a.psr_id not in filled]
            if Series.objects.filter(
                psr__parent_id=options["meter_parent"], psr__topology_level_id=UNIT_LEVEL
            ).exists():
                options["meters"] = 0
            if not areas and not options["meters"]:
                self.stdout.write("Time series already there; nothing generated.")
                return
        step, seed = _step(options["resolution"]), options["seed"]
        # The generators write in one transaction each; their years' partitions are made before it opens.
        partitions_ahead(years=years_between(start, end - timedelta(seconds=1)))
        # Flows with every neighbour, generated areas or not; only the generated areas' sides are written.
        connections = Connection.objects.filter(Q(psr_id__in=present) | Q(connected_psr_id__in=present)).order_by("pk")
        pairs = [(c.psr_id, c.connected_psr_id) for c in connections]
        capacity = {}
        for tc in TransmissionCapacity.objects.filter(Q(psr_id__in=present) | Q(connected_psr_id__in=present)):
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
