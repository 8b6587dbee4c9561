"""Compliance exports for a date range, streamed with bounded memory, each hashed and logged.

Rows are read with `.iterator(chunk_size=...)` (a server-side cursor on PostgreSQL) and written a line at a
time, so a million decisions never sit in memory. The sha256 of the bytes sent is computed as they go and
written to the export's ExportLog row when the last byte has been produced (a download cut short leaves
its row with the rows and hash it got to, and `complete` false). Every CSV cell passes csv_safe.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from datetime import date

from django.core.serializers.json import DjangoJSONEncoder

from config.csv_safe import csv_writer
from scoring.analytics import date_bounds
from scoring.models import (
    ScoreSnapshot,
    ScoringModel,
    ScoringProgram,
    ScoringSettings,
    Signal,
    TierDefinition,
)

from ..models import ExportLog, RetentionPolicy
from ..reports import model_audit

CHUNK = 2000
DECISION_FIELDS = (
    "id",
    "created_at",
    "lead_id",
    "program_id",
    "model_id",
    "model__version",
    "score",
    "tier",
    "previous_tier",
    "probability",
    "confidence",
    "trigger",
    "reason",
    "actor_id",
    "subtotals",
    "top_factors",
    "missing_signals",
    "inputs",
    "content_sha256",
)
CONFIG_MODELS = (Signal, TierDefinition, ScoringSettings, ScoringModel, ScoringProgram, RetentionPolicy)
KINDS = ("decisions", "config_changes", "activity", "reports")


class _Line:
    """A file-like sink for csv.writer that hands back what was written."""

    def write(self, text: str) -> str:
        return text


def _decisions(program: ScoringProgram, lo, hi) -> tuple[list[str], Iterable[tuple]]:
    rows = (
        ScoreSnapshot.objects.filter(program=program, created_at__gte=lo, created_at__lt=hi)
        .order_by("id")
        .values_list(*DECISION_FIELDS)
        .iterator(chunk_size=CHUNK)
    )
    return list(DECISION_FIELDS), rows


def _config_changes(program: ScoringProgram, lo, hi) -> tuple[list[str], Iterable[tuple]]:
    def rows():
        for model in CONFIG_MODELS:
            records = (
                model.history.filter(history_date__gte=lo, history_date__lt=hi)
                .select_related("history_user")
                .order_by("history_date", "history_id")
            )
            for record in records.iterator(chunk_size=CHUNK):
                previous = record.prev_record
                if previous is not None:
                    changes = {c.field: [c.old, c.new] for c in record.diff_against(previous).changes}
                else:
                    changes = {}
                yield (
                    record.history_date,
                    model.__name__,
                    record.id,
                    {"+": "created", "~": "changed", "-": "deleted"}.get(record.history_type, "changed"),
                    record.history_user.get_username() if record.history_user else "",
                    record.history_change_reason or "",
                    changes,
                )

    return ["at", "object", "object_id", "type", "user", "reason", "changes"], rows()


def _activity(program: ScoringProgram, lo, hi) -> tuple[list[str], Iterable[tuple]]:
    from ..selectors import activity_stream

    columns = ["at", "kind", "actor", "ip", "what"]
    return columns, (
        (a["at"], a["kind"], a["actor"], a["ip"], a["what"])
        for a in activity_stream(start=lo, end=hi, limit=None)
    )


def _reports(program: ScoringProgram, lo, hi) -> tuple[list[str], Iterable[tuple]]:
    from ..selectors import model_latest_reported

    sections = model_audit(model_latest_reported(program=program), program)
    return ["section", "name", "text", "level"], (
        (s["title"], r["name"], r["text"], r["level"]) for s in sections for r in s["rows"]
    )


SOURCES = {
    "decisions": _decisions,
    "config_changes": _config_changes,
    "activity": _activity,
    "reports": _reports,
}


def _cell(value):
    if isinstance(value, dict | list):
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    return "" if value is None else value


def export_stream(
    *, kind: str, fmt: str, program: ScoringProgram, start: date, end: date, user=None
) -> Iterator[bytes]:
    """The export's bytes, chunk by chunk; its ExportLog row records the row count and sha256 as it goes."""
    if kind not in SOURCES or fmt not in ("csv", "json"):
        raise ValueError(f"unknown export {kind}.{fmt}")
    lo, hi = date_bounds(start, end)
    log = ExportLog.objects.create(
        kind=f"{kind}.{fmt}",
        params={"program": program.slug, "from": start.isoformat(), "to": end.isoformat(), "complete": False},
        user=user if getattr(user, "is_authenticated", False) else None,
    )
    columns, rows = SOURCES[kind](program, lo, hi)
    digest, count = hashlib.sha256(), 0
    buffer: list[str] = []

    def flush() -> bytes:
        payload = "".join(buffer).encode()
        buffer.clear()
        digest.update(payload)
        return payload

    if fmt == "csv":
        writer = csv_writer(_Line())
        buffer.append(writer.writerow(columns))
        for row in rows:
            buffer.append(writer.writerow([_cell(v) for v in row]))
            count += 1
            if count % CHUNK == 0:
                yield flush()
    else:
        buffer.append(
            json.dumps(
                {"kind": kind, "program": program.slug, "from": start.isoformat(), "to": end.isoformat()}
            )[:-1]
            + ', "rows": [\n'
        )
        for row in rows:
            buffer.append(
                (",\n" if count else "")
                + json.dumps(dict(zip(columns, row, strict=True)), cls=DjangoJSONEncoder, ensure_ascii=False)
            )
            count += 1
            if count % CHUNK == 0:
                yield flush()
        buffer.append("\n]}\n")
    yield flush()
    log.rows, log.sha256 = count, digest.hexdigest()
    log.params = {**log.params, "complete": True}
    log.save(update_fields=["rows", "sha256", "params"])
