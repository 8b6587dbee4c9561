"""Writing many current scores at once at the database's own speed (decisions: see decisions.py).

On PostgreSQL the rows are COPYed into a temporary table, existing scores change with one UPDATE ... FROM
it and new ones go in with one INSERT ... SELECT; SQLite takes an INSERT ... ON CONFLICT DO UPDATE from a
VALUES list.
The statement derives `tier_since` itself from the row it replaces (kept while the tier holds, else the
scoring moment), so the caller never reads current scores back as objects.
"""

from __future__ import annotations

import json

import orjson
from django.db import connection

from ..models import LeadScore

# The order of each row given to lead_scores_upsert.
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
)
JSON_POSITIONS = tuple(SCORE_COLUMNS.index(c) for c in ("subtotals", "top_factors", "missing_signals"))
SCORED_AT = SCORE_COLUMNS.index("scored_at")
SQLITE_ROWS = 60  # 13 parameters a row, under SQLite's older 999-parameter limit


def _upsert_sql(table: str, source: str) -> str:
    columns = ", ".join(SCORE_COLUMNS)
    updated = [c for c in SCORE_COLUMNS if c not in ("lead_id", "program_id")]
    assignments = ", ".join(f"{c} = excluded.{c}" for c in updated)
    # SET expressions read the row as it was, so tier_since compares the old tier with the new one.
    return (
        f"INSERT INTO {table} ({columns}, tier_since, override_tier, override_reason) {source} "
        f"ON CONFLICT (lead_id, program_id) DO UPDATE SET {assignments}, "
        f"tier_since = CASE WHEN {table}.tier = excluded.tier THEN {table}.tier_since "
        f"ELSE excluded.tier_since END"
    )


def lead_scores_upsert(rows: list[tuple]) -> None:
    """Insert or update current scores (tuples in SCORE_COLUMNS order; JSON columns as Python objects).

    A lead whose tier holds keeps its `tier_since`; a new or changed tier starts at `scored_at`.
    Overrides are left untouched.
    """
    if not rows:
        return
    table = LeadScore._meta.db_table
    encoded = []
    dumps = (lambda v: orjson.dumps(v).decode()) if connection.vendor == "postgresql" else json.dumps
    for row in rows:
        values = list(row)
        for i in JSON_POSITIONS:
            values[i] = dumps(values[i])
        encoded.append(values)
    columns = ", ".join(SCORE_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            adapt = connection.ops.adapt_datetimefield_value
            marks = "(" + ", ".join(["%s"] * (len(SCORE_COLUMNS) + 1)) + ", '', '')"
            for start in range(0, len(encoded), SQLITE_ROWS):
                part = encoded[start : start + SQLITE_ROWS]
                params = []
                for values in part:
                    values[SCORED_AT] = adapt(values[SCORED_AT])
                    params.extend([*values, values[SCORED_AT]])
                cursor.execute(_upsert_sql(table, "VALUES " + ", ".join([marks] * len(part))), params)
            return
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS leadscore_incoming AS SELECT {columns} FROM {table} WITH NO DATA; "
            "TRUNCATE leadscore_incoming"
        )
        with cursor.cursor.copy(f"COPY leadscore_incoming ({columns}) FROM STDIN") as copy:
            for values in encoded:
                copy.write_row(values)
        # Without statistics the planner guesses the temporary table's size and may hash-join it against
        # a sequential scan of every current score; analysed, it probes the unique index row by row.
        cursor.execute("ANALYZE leadscore_incoming (lead_id, program_id)")
        # Existing scores: one UPDATE ... FROM (a hash join, no speculative insert per row); then the
        # leads never scored before, with the upsert in case a manual override created one meanwhile.
        updated = [c for c in SCORE_COLUMNS if c not in ("lead_id", "program_id")]
        assignments = ", ".join(f"{c} = i.{c}" for c in updated)
        cursor.execute(
            f"UPDATE {table} t SET {assignments}, "
            "tier_since = CASE WHEN t.tier = i.tier THEN t.tier_since ELSE i.scored_at END "
            "FROM leadscore_incoming i WHERE t.lead_id = i.lead_id AND t.program_id = i.program_id"
        )
        if cursor.rowcount < len(encoded):
            cursor.execute(
                _upsert_sql(
                    table,
                    f"SELECT {columns}, scored_at, '', '' FROM leadscore_incoming i WHERE NOT EXISTS "
                    f"(SELECT 1 FROM {table} t WHERE t.lead_id = i.lead_id AND t.program_id = i.program_id)",
                )
            )
