"""Reads the scoring services need while they write: tier bounds, trend baselines, account roll-up figures.

The pages and the API read through scoring.selectors; these serve the services only.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from leadscoring.models import Lead

from .. import selectors
from ..engine.thresholds import Cutoffs
from ..models import LeadScore, ScoreSnapshot, ScoringProgram, ScoringSettings, Trigger


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
        Lead.objects.filter(pk__in=lead_ids)
        .annotate(start=Coalesce(Subquery(before), Subquery(after)))
        .values_list("pk", "start")
    )
    return {pk: start for pk, start in rows if start is not None}


def account_ids_of(*, lead_ids: list[int]) -> list[int]:
    """The accounts these leads belong to (leads without one left out)."""
    return list(
        Lead.objects.filter(id__in=lead_ids, account__isnull=False).values_list("account_id", flat=True)
    )


def account_lead_figures(
    *, account_ids: list[int], program: ScoringProgram, active_since: datetime
) -> tuple[list[dict], dict[int, int]]:
    """Per account: its best lead score (`best`), scored leads (`n`) and leads with an event since
    `active_since` (`active`); and each account's best-scored lead."""
    scores = LeadScore.objects.filter(program=program, lead__account_id__in=set(account_ids))
    stats = list(
        scores.values("lead__account_id").annotate(
            best=Max("score"),
            n=Count("id"),
            active=Count("lead", filter=Q(lead__events__occurred_at__gte=active_since), distinct=True),
        )
    )
    best_leads: dict[int, int] = {}
    for account_id, lead_id in scores.order_by("lead__account_id", "-score").values_list(
        "lead__account_id", "lead_id"
    ):
        best_leads.setdefault(account_id, lead_id)
    return stats, best_leads
