"""manage.py erase_person REF: erase a person (by lead id, e-mail or external id) and print what was wiped."""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from audit.selectors import person_lead
from audit.services.erasure import person_erase


class Command(BaseCommand):
    help = "Erase a person's data (GDPR/CCPA): personal fields wiped everywhere, decisions kept."

    def add_arguments(self, parser):
        parser.add_argument("ref", help="lead id, e-mail or external id")
        parser.add_argument("--request", default="", help="the data-subject request's reference")
        parser.add_argument("--user", default="", help="username of the person carrying it out")

    def handle(self, *args, ref: str, request: str, user: str, **options):
        lead = person_lead(ref=ref)
        if lead is None:
            raise CommandError(f"no lead matches {ref!r} (lead id, e-mail or external id)")
        actor = get_user_model().objects.filter(username=user).first() if user else None
        if user and actor is None:
            raise CommandError(f"no user {user!r}")
        result = person_erase(lead=lead, actor=actor, reason="erase_person command", request_ref=request)
        self.stdout.write(json.dumps(result.as_dict(), default=str))
