"""manage.py load_demo [--leads N] [--seed S] [--flush]: the synthetic CRM history of the demo."""

from django.core.management.base import BaseCommand, CommandError

from leadscoring.demo.loader import DemoAlreadyLoaded, LoadStats, demo_load
from leadscoring.demo.process import DEFAULT_LEADS


class Command(BaseCommand):
    help = (
        "Load synthetic accounts, reps, leads, 12 months of activity and closed deals from a known process."
    )

    def add_arguments(self, parser):
        parser.add_argument("--leads", type=int, default=DEFAULT_LEADS, help="number of leads (default 1000)")
        parser.add_argument("--seed", type=int, default=0, help="random seed; same seed, same data")
        parser.add_argument("--flush", action="store_true", help="delete existing demo data first")

    def handle(self, *args, leads: int, seed: int, flush: bool, **options):
        if leads < 0 or seed < 0:
            raise CommandError("--leads and --seed must be non-negative")
        verbose = options["verbosity"] >= 2
        try:
            stats = demo_load(
                leads=leads, seed=seed, flush=flush, on_block=self._progress if verbose else None
            )
        except DemoAlreadyLoaded as error:
            raise CommandError(str(error)) from error
        self.stdout.write(summary(stats))

    def _progress(self, stats: LoadStats) -> None:
        self.stdout.write(f"  {stats.leads:,} leads, {stats.events:,} events, {stats.rows_per_s:,.0f} rows/s")


def summary(stats: LoadStats) -> str:
    return (
        f"Demo loaded: {stats.reps} reps, {stats.accounts:,} accounts, {stats.leads:,} leads, "
        f"{stats.events:,} events, {stats.deals:,} deals ({stats.won:,} won, {stats.lost:,} lost) "
        f"in {stats.seconds:.1f} s, {stats.rows_per_s:,.0f} rows/s"
    )
