"""Reads the scoring services need while they write: tier bounds, trend baselines, accounts of leads.

The pages and the API read through scoring.selectors; these serve the services only.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce

from leadscoring.models import Lead

from .. import selectors
from ..engine.thresholds import Cutoffs
from ..idlists import ids_in
from ..models import ScoreSnapshot, ScoringProgram, ScoringSettings, Trigger


def cutoffs_for(
    *, program: ScoringProgram, settings_row: ScoringSettings | None = None, tiers: list | None = None
) -> Cutoffs:
    """The program's tier bounds as ops staff set them, with the hysteresis band."""
    tiers = tiers if tiers is not None else selectors.tiers_for(program=program)
    settings_row = settings_row or ScoringSettings.load()
    bounds = [t.lower_bound for t in tiers[:3]]
    return Cutoffs(
        hot=bounds[0],
        warm=bounds[1],
        cool=bounds[2],
        hysteresis=settings_row.hysteresis,
        names=tuple(t.name for t in tiers[:4]),
    )


def scores_at_window_start(
    *, lead_ids: list[int], program: ScoringProgram, since: datetime
) -> dict[int, float]:
    """The model score each lead had when the trend window began: its last decision before `since`, else
    (a lead first scored inside the window) its first one since. Leads rescored less often than the window
    still get a trend; manual overrides are left out (a rep's correction is not the model moving)."""
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
