"""CSV/XLSX import of leads, accounts, deals and activity events, with nothing lost.

Per-row validation (shared with the admin's import resources), a mapping in the format of
docs/mapping.md, bulk upserts by (source system, external id) with history, and an errors CSV.
"""

from .errors import ImportFileError, MappingError, RowError
from .mapping import Mapping, mapping_from_dict, mapping_load
from .rows import CleanRow, RowCleaner
from .services import (
    ImportResult,
    accounts_import,
    deals_import,
    errors_csv_write,
    events_import,
    file_import,
    leads_import,
)
from .specs import ENTITY_SPECS, mapping_for_headers

__all__ = [
    "ENTITY_SPECS",
    "CleanRow",
    "ImportFileError",
    "ImportResult",
    "Mapping",
    "MappingError",
    "RowCleaner",
    "RowError",
    "accounts_import",
    "deals_import",
    "errors_csv_write",
    "events_import",
    "file_import",
    "leads_import",
    "mapping_for_headers",
    "mapping_from_dict",
    "mapping_load",
]
