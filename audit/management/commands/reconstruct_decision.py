"""manage.py reconstruct_decision LEAD --at ISO: the decision in force then, and whether it recomputes."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from audit.selectors import person_lead
from audit.services.reconstruction import decision_reconstruct
from scoring import selectors
from scoring.api.serializers import SnapshotDetailOut
from scoring.models import ScoringProgram


class Command(BaseCommand):
    help = "Reconstruct a lead's decision at a past moment; exit 1 on a mismatch."

    def add_arguments(self, parser):
        parser.add_argument("ref", help="lead id, e-mail or external id")
        parser.add_argument("--at", required=True, help="ISO 8601 moment, e.g. 2026-03-01T12:00:00Z")
        parser.add_argument("--program", default="", help="program slug (the default program if absent)")

    def handle(self, *args, ref: str, at: str, program: str, **options):
        lead = person_lead(ref=ref)
        if lead is None:
            raise CommandError(f"no lead matches {ref!r}")
        moment = parse_datetime(at)
        if moment is None or moment.tzinfo is None:
            raise CommandError(
                "--at must be an ISO 8601 date-time with its offset, e.g. 2026-03-01T12:00:00Z"
            )
        found = (
            ScoringProgram.objects.filter(slug=program).first() if program else selectors.program_default()
        )
        if found is None:
            raise CommandError(f"no program {program!r}")
        body = decision_reconstruct(lead=lead, program=found, at=moment)
        if body["decision"] is not None:
            body["decision"] = SnapshotDetailOut(body["decision"]).data
        self.stdout.write(json.dumps(body, default=str, indent=1))
        if body["matches"] is False:
            raise CommandError("MISMATCH: " + body["recomputation"]["why"])
