"""manage.py setup_demo: what `make run` needs on first start (demo data, roles, logins, a first model).

Idempotent. It lives in scoring, not beside load_demo, because it trains and deploys: the CRM layer
loads the data and knows nothing of models.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from leadscoring.demo.process import DEFAULT_LEADS
from leadscoring.demo.setup import demo_setup
from leadscoring.management.commands.load_demo import summary
from scoring import selectors, services


class Command(BaseCommand):
    help = "Load the demo if the database has no leads, create the role groups and the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--leads", type=int, default=DEFAULT_LEADS)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--replay-days",
            type=int,
            default=126,
            help="score the book as of every 14 days over this many past days before today's scoring, "
            "so score histories and tier migration have something to show (0: no replay)",
        )

    def handle(self, *args, leads: int, seed: int, replay_days: int, **options):
        result = demo_setup(leads=leads, seed=seed)
        if result.loaded is not None:
            self.stdout.write(summary(result.loaded))
        else:
            self.stdout.write(f"Leads already present ({result.lead_count:,}): demo not loaded.")
        if result.groups_created:
            self.stdout.write(f"Groups created: {', '.join(result.groups_created)}")

        program = selectors.program_default()
        try:
            model = services.model_bootstrap(program=program, replay_days=replay_days)
        except ValueError as exc:
            # Too little closed history is a state to report, not a crash: ops staff train later.
            model = None
            self.stdout.write(self.style.WARNING(f"No first model yet: {exc}"))
        live = selectors.model_live(program=program)
        if model is not None:
            metrics = model.metrics or {}
            self.stdout.write(
                f"Trained and deployed {model}: holdout AUC {metrics.get('auc', float('nan')):.3f}, "
                f"Brier {metrics.get('brier', float('nan')):.3f} (base rate {metrics.get('brier_constant', float('nan')):.3f})."
            )
        elif live is not None:
            self.stdout.write(f"Live model: {live}.")
        if live is not None:
            # The demo's leads were scored before the automation had anything to react to.
            call_command("automation_catch_up", stdout=self.stdout)

        self.stdout.write("Logins:")
        for login in result.logins:
            note = "" if login.password_works else "  (password changed since setup)"
            self.stdout.write(f"  {login.role:<10} {login.username} / {login.password}{note}")
