"""manage.py import_events FILE [--mapping MAPPING.json] [--source-system NAME] [--errors OUT.csv] [--dry-run]"""

from leadscoring.importing.command import ImportCommand


class Command(ImportCommand):
    help = "Import activity events from a CSV or XLSX file: valid rows are kept once per (source, external id), bad rows reported."
    entity = "event"
