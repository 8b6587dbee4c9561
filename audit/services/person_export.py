"""Everything held about a person (GDPR art. 15 / CCPA right to know), as one JSON document or a zip of CSVs.

The sections are found, not listed: the lead, its history rows, its account, and every row of every model
that points at the lead (events, deals, decisions, current scores, feedback, and whatever the apps above add
later, such as notifications and assignments), each with its own history rows where it keeps them; then the
access log's entries about the person and the erasures. Each export is logged twice: as a read of the
person's data (the access log) and as an export with its sha256 (ExportLog).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from config.csv_safe import csv_writer
from leadscoring.models import Account, Lead
from leadscoring.services import personal_data_read_record

from ..models import Erasure, ExportLog, PersonalDataAccess


def _rows(queryset) -> list[dict]:
    return list(queryset.values())


def _history_of(model) -> type[models.Model] | None:
    manager = getattr(model, "history", None)
    return getattr(manager, "model", None) if manager is not None else None


def person_sections(*, lead: Lead) -> dict[str, list[dict]]:
    sections: dict[str, list[dict]] = {
        "lead": _rows(Lead.objects.filter(pk=lead.pk)),
        "lead_history": _rows(Lead.history.filter(id=lead.pk).order_by("history_date")),
        "account": _rows(Account.objects.filter(pk=lead.account_id)) if lead.account_id else [],
    }
    for relation in Lead._meta.related_objects:
        model = relation.related_model
        if relation.many_to_many or model.__name__.startswith("Historical") or model is PersonalDataAccess:
            continue
        name = model._meta.label_lower.replace(".", "_")
        related = model._base_manager.filter(**{relation.field.name: lead})
        sections[name] = _rows(related.order_by("pk"))
        history = _history_of(model)
        if history is not None and sections[name]:
            ids = [row["id"] for row in sections[name]]
            sections[f"{name}_history"] = _rows(history.objects.filter(id__in=ids).order_by("history_date"))
    sections["personal_data_access"] = _rows(
        PersonalDataAccess.objects.filter(lead=lead).order_by("created_at")
    )
    sections["erasures"] = _rows(Erasure.objects.filter(lead_id=lead.pk).order_by("created_at"))
    return sections


def _log(*, lead: Lead, user, kind: str, payload: bytes, rows: int) -> None:
    personal_data_read_record(
        leads=[lead],
        user=user if getattr(user, "is_authenticated", False) else None,
        channel="export",
        action=f"person export ({kind})",
    )
    ExportLog.objects.create(
        kind=f"person.{kind}",
        params={"lead_id": lead.pk},
        rows=rows,
        sha256=hashlib.sha256(payload).hexdigest(),
        user=user if getattr(user, "is_authenticated", False) else None,
    )


def person_export_json(*, lead: Lead, user=None) -> bytes:
    """The person's data as one JSON document (UTF-8 bytes); logged."""
    sections = person_sections(lead=lead)
    document = {
        "lead_id": lead.pk,
        "generated_at": timezone.now(),
        "counts": {name: len(rows) for name, rows in sections.items()},
        "sections": sections,
    }
    payload = json.dumps(document, cls=DjangoJSONEncoder, indent=1, ensure_ascii=False).encode()
    _log(lead=lead, user=user, kind="json", payload=payload, rows=sum(document["counts"].values()))
    return payload


def _cell(value):
    if isinstance(value, dict | list):
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    return "" if value is None else value


def person_export_zip(*, lead: Lead, user=None) -> bytes:
    """The person's data as a zip of CSVs, one per section (formula cells neutralised); logged."""
    sections = person_sections(lead=lead)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, rows in sections.items():
            text = io.StringIO()
            writer = csv_writer(text)
            columns = list(dict.fromkeys(key for row in rows for key in row))
            writer.writerow(columns)
            for row in rows:
                writer.writerow([_cell(row.get(c)) for c in columns])
            archive.writestr(f"{name}.csv", text.getvalue())
    payload = buffer.getvalue()
    _log(lead=lead, user=user, kind="zip", payload=payload, rows=sum(len(r) for r in sections.values()))
    return payload
