"""manage.py import_deals FILE [--mapping MAPPING.json] [--source-system NAME] [--errors OUT.csv] [--dry-run]"""

from leadscoring.importing.command import ImportCommand


class Command(ImportCommand):
    help = "Import deals from a CSV or XLSX file: valid rows are upserted by external id, bad rows reported."
    entity = "deal"
