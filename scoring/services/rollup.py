"""Account roll-ups: one score per account and program from its leads' current scores."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from django.utils import timezone

from ..engine.thresholds import Cutoffs
from ..models import AccountScore, ScoringProgram
from .reads import account_lead_figures, cutoffs_for

# A contact is active with an activity event in this many days.
ACTIVE_DAYS = 30
# Several engaged contacts at one company are a buying committee: each active contact beyond the
# first adds this many points, up to BREADTH_BONUS_MAX.
BREADTH_POINTS = 2.5
BREADTH_BONUS_MAX = 10.0


def accounts_rollup(
    *, account_ids: list[int], program: ScoringProgram, cutoffs: Cutoffs | None = None
) -> int:
    """Refresh the accounts' roll-ups; returns how many were written.

    The rule: an account scores its best lead's current score plus a breadth bonus of BREADTH_POINTS
    (2.5) for every active contact beyond the first (a lead with an event in the last ACTIVE_DAYS, 30,
    days), the bonus at most BREADTH_BONUS_MAX (10) and the total at most 100. So a best lead of 70 with
    four active contacts rolls up to min(100, 70 + min(10, 2.5 * 3)) = 77.5. The tier comes from the
    program's cut-offs on that score, without hysteresis (an account has no tier of its own to keep).
    Overrides are not rolled up: the roll-up reads the model's scores.
    """
    if not account_ids:
        return 0
    cutoffs = cutoffs or cutoffs_for(program=program)
    stats, best_leads = account_lead_figures(
        account_ids=account_ids, program=program, active_since=timezone.now() - timedelta(days=ACTIVE_DAYS)
    )
    rows = []
    for row in stats:
        breadth_bonus = min(BREADTH_BONUS_MAX, BREADTH_POINTS * max(0, row["active"] - 1))
        score = min(100.0, row["best"] + breadth_bonus)
        rows.append(
            AccountScore(
                account_id=row["lead__account_id"],
                program=program,
                score=round(score, 2),
                tier=str(cutoffs.tier_of(np.array([score]))[0]),
                best_lead_id=best_leads.get(row["lead__account_id"]),
                best_lead_score=row["best"],
                active_contacts=row["active"],
                scored_leads=row["n"],
            )
        )
    AccountScore.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["account", "program"],
        update_fields=[
            "score",
            "tier",
            "best_lead",
            "best_lead_score",
            "active_contacts",
            "scored_leads",
            "updated_at",
        ],
    )
    return len(rows)
