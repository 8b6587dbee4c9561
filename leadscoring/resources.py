"""django-import-export resources: the admin's CSV/XLSX import with dry-run preview and per-row errors.

Each row is read by the same RowCleaner as `manage.py import_*` (leadscoring.importing), so the
admin and the commands accept and refuse exactly the same rows for the same reasons. In the admin
a column feeds the field it is named after (field name or label, any case); other columns land in
`attributes` (`properties` for events); records are matched on (source system "crm", external id).
"""

from __future__ import annotations

from dataclasses import dataclass

import tablib
from django.core.exceptions import ValidationError
from import_export import resources, results

from config.csv_safe import cell_safe

from .importing.errors import ImportFileError
from .importing.reading import cell_text, headers_check
from .importing.records import existing_fetch, record_apply, record_build
from .importing.rows import CleanRow, RowCleaner, duplicate_check
from .importing.specs import ENTITY_SPECS
from .models import Account, ActivityEvent, Deal, Lead


@dataclass(frozen=True)
class RefusedRow:
    number: int
    messages: list[str]


class _FileError(results.Error):
    """A whole-file problem (a missing column): the message says it all, no traceback to show."""

    @property
    def traceback(self) -> str:
        return ""


class CleanedRowResource(resources.ModelResource):
    """A ModelResource whose rows are read, matched and checked by the import service's RowCleaner."""

    entity = ""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.spec = ENTITY_SPECS[self.entity]
        self.rows: dict[int, CleanRow] = {}
        self.repeats: set[int] = set()
        self.existing: dict = {}
        self.current: CleanRow | None = None
        self.unchanged = False
        # A bad row is refused and reported; the file's valid rows are still imported (never all or none).
        self.refused: dict[int, list[str]] = {}

    def export(self, *args, **kwargs):
        # Every exported cell through config.csv_safe: django-import-export's own escaping only drops a
        # leading "=" (leaving "@SUM(...)", "+..." and "-..." live) and writes empty cells as "None".
        dataset = super().export(*args, **kwargs)
        rows = [[cell_safe(value) for value in row] for row in dataset]
        return tablib.Dataset(*rows, headers=dataset.headers, title=dataset.title)

    def before_import(self, dataset, **kwargs):
        try:
            headers = headers_check(list(dataset.headers or []), path=kwargs.get("file_name") or "the file")
            cleaner = RowCleaner(spec=self.spec, headers=headers, path=kwargs.get("file_name") or "the file")
        except ImportFileError:
            dataset.wipe()  # nothing can be imported: report the file's problem once, not per row
            raise
        rows = []
        for index, values in enumerate(dataset, 1):
            rows.append(cleaner.clean(index + 1, [cell_text(v) for v in values]))  # header is row 1
        cleaner.resolve(rows)
        seen: dict = {}
        for index, row in enumerate(rows, 1):
            self.rows[index] = row
            if duplicate_check(self.spec, row, seen):
                self.repeats.add(index)
        self.existing = existing_fetch(self.spec, [row.key for row in rows if row.ok])

    def handle_import_error(self, result, error, raise_errors=False):
        if isinstance(error, ImportFileError) and not raise_errors:
            result.append_base_error(_FileError(error))
            return
        super().handle_import_error(result, error, raise_errors)

    def before_import_row(self, row, **kwargs):
        number = kwargs["row_number"]
        self.current = self.rows[number]
        self.unchanged = number in self.repeats

    def get_or_init_instance(self, instance_loader, row):
        current = self.current
        if current.ok and current.key in self.existing:
            return self.existing[current.key], False
        return record_build(self.spec, current) if current.ok else self.spec.model(), True

    def import_instance(self, instance, row, **kwargs):
        current = self.current
        if not current.ok:
            self.refused[current.number] = [str(error) for error in current.errors]
            return
        if instance.pk is not None:
            self.unchanged = not record_apply(self.spec, instance, current)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if not self.current.ok:
            return True
        return not import_validation_errors and self.unchanged

    def after_import_row(self, row, row_result, **kwargs):
        # The row as the file numbers it (the header is row 1), as every message says it.
        row_result.file_row = self.current.number
        row_result.refused = self.refused.get(self.current.number, [])

    def after_import(self, dataset, result, **kwargs):
        result.refused_rows = [
            RefusedRow(number=number, messages=messages) for number, messages in sorted(self.refused.items())
        ]
        result.valid_count = len(self.rows) - len(self.refused)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # The RowCleaner is the validation: the same rules as the import commands, never written twice.
        if import_validation_errors:
            raise ValidationError(import_validation_errors)


class AccountResource(CleanedRowResource):
    entity = "account"

    class Meta:
        model = Account
        report_skipped = True
        exclude = ("created_at", "updated_at")


class LeadResource(CleanedRowResource):
    entity = "lead"

    class Meta:
        model = Lead
        report_skipped = True
        exclude = ("updated_at",)


class ActivityEventResource(CleanedRowResource):
    entity = "event"

    class Meta:
        model = ActivityEvent
        report_skipped = True
        exclude = ("created_at",)


class DealResource(CleanedRowResource):
    entity = "deal"

    class Meta:
        model = Deal
        report_skipped = True
