"""A clean row against the database's records: the ones already held, a new record, or the changes
written onto an existing one."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import models

from .specs import EntitySpec

if TYPE_CHECKING:
    from .rows import CleanRow

LOOKUP_CHUNK = 500


def existing_fetch(spec: EntitySpec, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], models.Model]:
    """The records already held for these (source system, external id) keys, fetched in chunks."""
    by_system: dict[str, list[str]] = {}
    for system, external_id in set(keys):
        by_system.setdefault(system, []).append(external_id)
    found = {}
    for system, ids in by_system.items():
        for start in range(0, len(ids), LOOKUP_CHUNK):
            chunk = ids[start : start + LOOKUP_CHUNK]
            for record in spec.model.objects.filter(**{spec.system_field: system, "external_id__in": chunk}):
                found[(system, record.external_id)] = record
    return found


def record_build(spec: EntitySpec, row: CleanRow) -> models.Model:
    """A new, unsaved record from a clean row."""
    record = spec.model(**row.values)
    if spec.extra_field:
        setattr(record, spec.extra_field, dict(row.extras))
    return record


def record_apply(spec: EntitySpec, record: models.Model, row: CleanRow) -> list[str]:
    """Write a clean row onto an existing record; return the names of the fields that changed."""
    if not spec.updates_existing:
        return []
    changed = []
    for attname, value in row.values.items():
        if getattr(record, attname) != value:
            setattr(record, attname, value)
            changed.append(attname)
    if spec.extra_field and row.extras:
        current = getattr(record, spec.extra_field) or {}
        merged = {**current, **row.extras}  # keys from other files or sources are kept
        if merged != current:
            setattr(record, spec.extra_field, merged)
            changed.append(spec.extra_field)
    return changed
