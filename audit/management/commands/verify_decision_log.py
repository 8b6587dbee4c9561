"""manage.py verify_decision_log: seal new decisions, then check every program's hash chain end to end."""

import json

from django.core.management.base import BaseCommand, CommandError

from audit.services.decision_log import decision_log_seal, decision_log_verify


class Command(BaseCommand):
    help = "Verify the decision log's hash chain; exit 1 and name the first broken link if it is broken."

    def add_arguments(self, parser):
        parser.add_argument("--no-seal", action="store_true", help="verify only; append no new links first")
        parser.add_argument(
            "--full-seal", action="store_true", help="seal every unsealed decision, however old its id"
        )
        parser.add_argument("--json", action="store_true", help="print the report as one JSON object")

    def handle(self, *args, no_seal: bool, full_seal: bool, json: bool, **options):
        if full_seal:
            decision_log_seal(full=True)
        report = decision_log_verify(seal=not no_seal)
        if json:
            self.stdout.write(_json(report.as_dict()))
        else:
            for chain in report.programs:
                line = f"{chain.program}: {chain.links:,} links, {chain.redacted:,} redacted by erasure, "
                line += f"{chain.unsealed:,} not yet sealed"
                if chain.broken:
                    b = chain.broken
                    line += (
                        f"; BROKEN at position {b['position']} (decision {b['decision_id']}): {b['problem']}"
                    )
                else:
                    line += f"; intact; head link {chain.head or '-'}"
                self.stdout.write(line)
        if not report.ok:
            raise CommandError("the decision log's hash chain is broken")


def _json(value) -> str:
    return json.dumps(value, default=str)
