"""The import service: a CSV or XLSX file, a mapping, and bulk upserts by external id with history."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from config.csv_safe import csv_writer

from ..erasure import external_id_digest
from ..models import ActivityEvent, ErasedIdentity, Lead
from ..signals import events_recorded, leads_changed
from .errors import RowError
from .mapping import Mapping, mapping_load
from .reading import table_open
from .records import existing_fetch, record_apply, record_build
from .rows import CleanRow, RowCleaner, duplicate_check
from .specs import ENTITY_SPECS, EntitySpec

CHUNK_ROWS = 2000
BATCH_SIZE = 500


@dataclass
class ImportResult:
    """What one import did: counts, every refused row with its reasons, and where the errors went."""

    entity: str
    path: Path
    source_system: str
    dry_run: bool = False
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    headers: list[str] = field(default_factory=list)
    rejected_rows: list[CleanRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    errors_path: Path | None = None

    @property
    def rejected(self) -> int:
        return len(self.rejected_rows)

    @property
    def errors(self) -> list[RowError]:
        return [error for row in self.rejected_rows for error in row.errors]

    @property
    def rows_per_s(self) -> float:
        return self.rows_read / self.seconds if self.seconds else 0.0


def errors_csv_write(*, result: ImportResult, path: Path) -> Path:
    """Write the refused rows with their original columns plus `row` and `error`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv_writer(out)
        writer.writerow([*result.headers, "row", "error"])
        for row in result.rejected_rows:
            writer.writerow([*row.cells, row.number, row.error_text()])
    return path


class _Upsert:
    """Upserts one chunk of clean rows at a time, remembering the keys already seen in the file."""

    def __init__(self, *, spec: EntitySpec, result: ImportResult, change_reason: str):
        self.spec = spec
        self.result = result
        self.change_reason = change_reason
        self.seen: dict[tuple[str, str], int] = {}
        self.name_of = {f.attname: f.name for f in spec.model._meta.concrete_fields}
        self.stamps_updates = any(f.name == "updated_at" for f in spec.model._meta.concrete_fields)

    def chunk(self, rows: list[CleanRow]) -> None:
        spec, result = self.spec, self.result
        fresh = []
        for row in rows:
            if duplicate_check(spec, row, self.seen):
                result.unchanged += 1  # the same event twice in one file is still one event
            elif row.ok:
                fresh.append(row)
            else:
                result.rejected_rows.append(row)

        if spec.model is Lead:
            fresh = self._erased_refused(fresh)
        existing = existing_fetch(spec, [row.key for row in fresh])
        to_create, to_update, changed_fields = [], [], set()
        for row in fresh:
            record = existing.get(row.key)
            if record is None:
                to_create.append(record_build(spec, row))
                continue
            changed = record_apply(spec, record, row)
            if changed:
                to_update.append(record)
                changed_fields.update(self.name_of.get(name, name) for name in changed)
            else:
                result.unchanged += 1

        if to_create:
            bulk_create_with_history(
                to_create, spec.model, batch_size=BATCH_SIZE, default_change_reason=self.change_reason
            )
            result.created += len(to_create)
        if to_update:
            if self.stamps_updates:  # bulk_update skips auto_now
                now = timezone.now()
                for record in to_update:
                    record.updated_at = now
                changed_fields.add("updated_at")
            bulk_update_with_history(
                to_update,
                spec.model,
                sorted(changed_fields),
                batch_size=BATCH_SIZE,
                default_change_reason=self.change_reason,
            )
            result.updated += len(to_update)

    def _erased_refused(self, rows: list[CleanRow]) -> list[CleanRow]:
        """Rows for a person erased at their request are refused, unless ops allow recreating them."""
        if getattr(settings, "ERASED_PERSON_REIMPORT", False) or not rows:
            return rows
        digests = {
            row.key: external_id_digest(source_system=row.key[0], external_id=row.key[1])
            for row in rows
            if row.key
        }
        erased = set(
            ErasedIdentity.objects.filter(external_id_sha256__in=digests.values()).values_list(
                "source_system", "external_id_sha256"
            )
        )
        kept = []
        for row in rows:
            if row.key and (row.key[0], digests[row.key]) in erased:
                row.errors.append(
                    RowError(
                        row=row.number,
                        column="external_id",
                        value=row.key[1],
                        reason="this person was erased at their request; their record may not be recreated",
                    )
                )
                self.result.rejected_rows.append(row)
            else:
                kept.append(row)
        return kept


def file_import(
    *,
    entity: str,
    path: str | Path,
    mapping: Mapping | str | Path | None = None,
    source_system: str | None = None,
    dry_run: bool = False,
    errors_path: str | Path | None = None,
) -> ImportResult:
    """Import a CSV/XLSX file of one entity: valid rows are upserted, bad rows are reported, never raised.

    A file that cannot be imported at all (unreadable, a required column missing, a bad mapping)
    raises ImportFileError naming the file, the column or the mapping key. With `dry_run` the
    whole import runs and is rolled back, so the counts are those a real run would give.
    """
    started = time.perf_counter()
    spec = ENTITY_SPECS[entity]
    path = Path(path)
    if mapping is not None and not isinstance(mapping, Mapping):
        mapping = mapping_load(mapping)
    table = table_open(path)
    cleaner = RowCleaner(
        spec=spec, headers=table.headers, mapping=mapping, source_system=source_system, path=path
    )
    result = ImportResult(
        entity=entity,
        path=path,
        source_system=cleaner.source_system,
        dry_run=dry_run,
        headers=table.headers,
        warnings=list(cleaner.warnings),
    )
    upsert = _Upsert(spec=spec, result=result, change_reason=f"import {path.name}"[:100])
    began = timezone.now()
    with transaction.atomic():
        while chunk := list(itertools.islice(table.rows, CHUNK_ROWS)):
            rows = [cleaner.clean(number, cells) for number, cells in chunk]
            result.rows_read += len(rows)
            cleaner.resolve(rows)
            upsert.chunk(rows)
        if dry_run:
            transaction.set_rollback(True)
        elif entity in ("lead", "event") and (result.created or result.updated):
            _touched_leads_announce(entity=entity, since=began, all_new=not result.updated)
    result.rejected_rows.sort(key=lambda row: row.number)
    if errors_path and result.rejected_rows:
        result.errors_path = errors_csv_write(result=result, path=Path(errors_path))
    result.seconds = time.perf_counter() - started
    return result


def _touched_leads_announce(*, entity: str, since, all_new: bool) -> None:
    """Announce, once for the whole file and inside its transaction, the new and changed leads (or the
    leads with new events); the layers above treat it as one bulk change."""
    if entity == "lead":
        rows, column = Lead.history.filter(history_date__gte=since), "id"
        signal, sender, extra = leads_changed, Lead, {"created": all_new}
    else:
        rows, column = ActivityEvent.objects.filter(created_at__gte=since), "lead_id"
        signal, sender, extra = events_recorded, ActivityEvent, {}
    lead_ids = list(rows.order_by(column).values_list(column, flat=True).distinct())
    if lead_ids:
        signal.send(sender=sender, lead_ids=lead_ids, bulk=True, **extra)


def leads_import(**kwargs) -> ImportResult:
    """Import leads: see file_import."""
    return file_import(entity="lead", **kwargs)


def accounts_import(**kwargs) -> ImportResult:
    """Import accounts: see file_import."""
    return file_import(entity="account", **kwargs)


def deals_import(**kwargs) -> ImportResult:
    """Import deals (closed and open history): see file_import."""
    return file_import(entity="deal", **kwargs)


def events_import(**kwargs) -> ImportResult:
    """Import activity events, idempotent on (source, external id): see file_import."""
    return file_import(entity="event", **kwargs)
