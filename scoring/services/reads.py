"""Reads the scoring services need while they write: tier bounds, trend baselines, accounts of leads.

The pages and the API read through scoring.selectors; these serve the services only.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce

from leadscoring.models import Lead

from .. import selectors
from ..engine.thresholds import Cutoffs
from ..idlists import ids_in
from ..models import ScoreSnapshot, ScoringProgram, ScoringSettings, Trigger


def cutoffs_for(
    *,
    program: ScoringProgram,
    settings_row: ScoringSettings | None = None,
    tiers: list | None = None,
    hysteresis: float | None = None,
) -> Cutoffs:
    """The program's tier bounds as ops staff set them, with the hysteresis band (the settings' unless
    given: a lead scored without a previous tier never uses it, so it need not be read)."""
    tiers = tiers if tiers is not None else selectors.tiers_for(program=program)
    if hysteresis is None:
        hysteresis = (settings_row or ScoringSettings.load()).hysteresis
    bounds = [t.lower_bound for t in tiers[:3]]
    return Cutoffs(
        hot=bounds[0],
        warm=bounds[1],
        cool=bounds[2],
        hysteresis=hysteresis,
        names=tuple(t.name for t in tiers[:4]),
    )


def scores_at_window_start(
    *, lead_ids: list[int], program: ScoringProgram, since: datetime
) -> dict[int, float]:
    """The model score each lead had when the trend window began: its last decision before `since`, else
    (a lead first scored inside the window) its first one since. Leads rescored less often than the window
    still get a trend; manual overrides are left out (a rep's correction is not the model moving)."""
    if connection.vendor == "postgresql":
        return _scores_at_window_start_pg(lead_ids=lead_ids, program=program, since=since)
    decisions = ScoreSnapshot.objects.filter(lead=OuterRef("pk"), program=program).exclude(
        trigger=Trigger.MANUAL
    )
    before = decisions.filter(created_at__lt=since).order_by("-created_at", "-id").values("score")[:1]
    after = decisions.filter(created_at__gte=since).order_by("created_at", "id").values("score")[:1]
    rows = (
        Lead.objects.filter(pk__in=ids_in(lead_ids))
        .annotate(start=Coalesce(Subquery(before), Subquery(after)))
        .values_list("pk", "start")
    )
    return {pk: start for pk, start in rows if start is not None}


def _scores_at_window_start_pg(
    *, lead_ids: list[int], program: ScoringProgram, since: datetime
) -> dict[int, float]:
    # The same two lookups per lead as the ORM's correlated subqueries, over an unnested id array: no
    # join to the lead table and no IN list of thousands of placeholders.
    table = ScoreSnapshot._meta.db_table
    pick = (
        f"SELECT s.score FROM {table} s WHERE s.lead_id = l.id AND s.program_id = %s "
        "AND s.trigger <> %s AND s.created_at {op} %s ORDER BY s.created_at {order}, s.id {order} LIMIT 1"
    )
    sql = (
        f"SELECT l.id, coalesce(({pick.format(op='<', order='DESC')}), ({pick.format(op='>=', order='ASC')})) "
        "FROM unnest(%s::bigint[]) AS l(id)"
    )
    params = [
        program.pk,
        Trigger.MANUAL.value,
        since,
        program.pk,
        Trigger.MANUAL.value,
        since,
        list(lead_ids),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {pk: start for pk, start in cursor.fetchall() if start is not None}


def account_ids_of(*, lead_ids: list[int]) -> list[int]:
    """The accounts these leads belong to (leads without one left out), each once."""
    found: set[int] = set()
    # Chunks: SQLite refuses a query with more parameters than its limit.
    for start in range(0, len(lead_ids), 5000):
        chunk = lead_ids[start : start + 5000]
        found.update(
            Lead.objects.filter(id__in=ids_in(chunk), account__isnull=False).values_list(
                "account_id", flat=True
            )
        )
    return sorted(found)
