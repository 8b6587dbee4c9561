"""Keeping scores fresh without new activity: tier cadences and the stale-lead rule."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from .. import selectors
from ..models import LeadScore, ScoringProgram, ScoringSettings, Trigger
from .decisions import decision_restating, decisions_record
from .scoring import RescoreResult, leads_rescore


def leads_due_for_cadence(*, program: ScoringProgram, now=None) -> list[int]:
    """Leads whose last score is older than their tier's cadence (Hot daily, Warm 3 days, ...)."""
    now = now or timezone.now()
    due = Q()
    for tier in selectors.tiers_for(program=program):
        due |= Q(tier=tier.name, scored_at__lte=now - timedelta(days=tier.cadence_days))
    return list(LeadScore.objects.filter(program=program).filter(due).values_list("lead_id", flat=True))


def leads_rescore_on_cadence(*, program: ScoringProgram | None = None) -> RescoreResult:
    program = program or selectors.program_default()
    return leads_rescore(
        lead_ids=leads_due_for_cadence(program=program), trigger=Trigger.CADENCE, program=program
    )


def leads_stale_downgrade(*, program: ScoringProgram | None = None, now=None) -> int:
    """Move leads with no activity for N days down one tier, recording why; returns how many moved."""
    program = program or selectors.program_default()
    now = now or timezone.now()
    settings_row = ScoringSettings.load()
    cutoff = now - timedelta(days=settings_row.stale_after_days)
    tiers = selectors.tiers_for(program=program)
    names = [t.name for t in tiers]
    lowest = names[-1]
    stale = (
        LeadScore.objects.filter(program=program, lead__created_at__lte=cutoff, tier_since__lte=cutoff)
        .exclude(tier=lowest)
        .annotate(last_event=Max("lead__events__occurred_at"))
        .filter(Q(last_event__isnull=True) | Q(last_event__lte=cutoff))
    )
    moved = 0
    stale_ids = list(stale.values_list("id", flat=True))
    with transaction.atomic():
        # Lock by id: PostgreSQL refuses FOR UPDATE on the aggregate that found them.
        rows = list(LeadScore.objects.select_for_update().filter(id__in=stale_ids).order_by("id"))
        decisions = []
        for row in rows:
            position = names.index(row.tier) if row.tier in names else len(names) - 1
            lower = names[min(position + 1, len(names) - 1)]
            ceiling = tiers[min(position + 1, len(names) - 1)]
            reason = f"no activity for {settings_row.stale_after_days} days: {row.tier} to {lower}"
            previous = row.tier
            # Cap the score just under the old tier's floor so score and tier agree.
            row.score = float(np.nextafter(min(row.score, tiers[position].lower_bound), -np.inf))
            row.score = max(row.score, ceiling.lower_bound)
            row.tier, row.tier_since, row.scored_at = lower, now, now
            row.save(update_fields=["score", "tier", "tier_since", "scored_at"])
            decisions.append(
                decision_restating(
                    current=row,
                    tier=lower,
                    previous_tier=previous,
                    trigger=Trigger.STALE,
                    reason=reason,
                    created_at=now,
                )
            )
            moved += 1
        decisions_record(decisions=decisions)
    return moved
