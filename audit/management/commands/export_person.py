"""manage.py export_person REF --out DIR: everything held about a person, as JSON and a zip of CSVs."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.selectors import person_lead
from audit.services.person_export import person_export_json, person_export_zip


class Command(BaseCommand):
    help = "Export a person's data (GDPR/CCPA access request): lead-ID.json and lead-ID.zip in --out."

    def add_arguments(self, parser):
        parser.add_argument("ref", help="lead id, e-mail or external id")
        parser.add_argument("--out", default=".", help="directory to write into")

    def handle(self, *args, ref: str, out: str, **options):
        lead = person_lead(ref=ref)
        if lead is None:
            raise CommandError(f"no lead matches {ref!r} (lead id, e-mail or external id)")
        directory = Path(out)
        directory.mkdir(parents=True, exist_ok=True)
        for suffix, export in (("json", person_export_json), ("zip", person_export_zip)):
            path = directory / f"lead-{lead.pk}.{suffix}"
            path.write_bytes(export(lead=lead))
            self.stdout.write(str(path))
