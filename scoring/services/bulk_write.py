"""Writing many current scores at once at the database's own speed (decisions: see decisions.py).

On PostgreSQL, current scores go in with one COPY into a temporary table plus one INSERT ... ON CONFLICT
DO UPDATE: Django's bulk_create spends most of its time adapting JSON arrays row by row. SQLite has no
COPY; bulk_create is its fast path.
"""

from __future__ import annotations

import json

from django.db import connection

from ..models import LeadScore

SCORE_COLUMNS = (
    "lead_id",
    "program_id",
    "model_id",
    "score",
    "tier",
    "probability",
    "confidence",
    "subtotals",
    "top_factors",
    "missing_signals",
    "trend",
    "scored_at",
    "tier_since",
)
JSON_COLUMNS = {"subtotals", "top_factors", "missing_signals"}
SCORE_DEFAULTS = {"override_tier": "", "override_reason": ""}


def _row(values: dict, columns: tuple[str, ...]) -> tuple:
    return tuple(json.dumps(values[c]) if c in JSON_COLUMNS else values[c] for c in columns)


def lead_scores_upsert(rows: list[dict]) -> None:
    """Insert or update current scores (dicts keyed by SCORE_COLUMNS); overrides are left untouched."""
    if not rows:
        return
    updated = [c for c in SCORE_COLUMNS if c not in ("lead_id", "program_id")]
    if connection.vendor != "postgresql":
        LeadScore.objects.bulk_create(
            [LeadScore(**row) for row in rows],
            batch_size=500,
            update_conflicts=True,
            unique_fields=["lead", "program"],
            update_fields=[c.removesuffix("_id") if c == "model_id" else c for c in updated],
        )
        return
    table = LeadScore._meta.db_table
    columns = ", ".join(SCORE_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS leadscore_incoming AS SELECT {columns} FROM {table} WITH NO DATA"
        )
        cursor.execute("TRUNCATE leadscore_incoming")
        with cursor.cursor.copy(f"COPY leadscore_incoming ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(_row(row, SCORE_COLUMNS))
        assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in updated)
        defaults = ", ".join(SCORE_DEFAULTS)
        default_values = ", ".join("''" for _ in SCORE_DEFAULTS)
        cursor.execute(
            f"INSERT INTO {table} ({columns}, {defaults}) SELECT {columns}, {default_values} FROM leadscore_incoming "
            f"ON CONFLICT (lead_id, program_id) DO UPDATE SET {assignments}"
        )
