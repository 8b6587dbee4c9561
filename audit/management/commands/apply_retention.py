"""manage.py apply_retention [--dry-run]: apply the active retention policies, or count what they would remove."""

import json

from django.core.management.base import BaseCommand

from audit.services.retention import retention_apply


class Command(BaseCommand):
    help = "Purge (or anonymise) records past their retention policy's age; --dry-run only counts."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, dry_run: bool, **options):
        run = retention_apply(dry_run=dry_run)
        self.stdout.write(json.dumps({"dry_run": run.dry_run, "counts": run.counts}))
