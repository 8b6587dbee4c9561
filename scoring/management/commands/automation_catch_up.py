"""Act once on the tiers leads already hold: assign unassigned Hot/Warm leads and start missing SLA clocks.

The automation reacts to tier changes; after an upgrade (or a first demo load) the leads already in a
tier have none to react to. Safe to run again: it changes nothing the second time.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from scoring.automation.services import automation_catch_up


class Command(BaseCommand):
    help = "Assign open unassigned leads in the assigned tiers and start SLA clocks that are missing."

    def handle(self, *args, **options):
        with transaction.atomic():
            done = automation_catch_up()
        self.stdout.write(
            f"Assigned {done['assigned']} leads, {done['pooled']} left in the pool (ops told), "
            f"{done['clocks_started']} SLA clocks started."
        )
