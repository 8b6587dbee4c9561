"""manage.py import_accounts FILE [--mapping MAPPING.json] [--source-system NAME] [--errors OUT.csv] [--dry-run]"""

from leadscoring.importing.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import accounts from a CSV or XLSX file: valid rows are upserted by external id, bad rows reported."
    )
    entity = "account"
