"""History replay: how the live model would have scored the book at past moments, recorded as decisions.

Right after a program's first deployment its decision log starts today, so a lead's score history, the
trend arrows and the tier migration have nothing to show for weeks. Replay scores every lead that existed
at each of a few past moments from what was known then (the features' as-of cut-off: no later event is
read) and records those decisions at that moment, with trigger "replay" and a reason saying when and as of
what date, so the log never passes a replayed decision off as a live one.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from leadscoring.models import Lead

from .. import selectors
from ..models import ScoreSnapshot, ScoringProgram, Trigger
from .scoring import RescoreResult, leads_rescore


class ReplayRefused(ValueError):
    """Replay would interleave with decisions already taken."""


def scores_replay(
    *, program: ScoringProgram, days: int = 84, every_days: int = 14, actor=None
) -> RescoreResult:
    """Score the program's leads as of `days` ago, then every `every_days` until before today, oldest
    first. Only before the program's first decision: the decision log is read in the order it was written
    (tier migration, trends), so a replayed past must not come after a recorded present."""
    if days <= 0 or every_days <= 0:
        raise ValueError("days and every_days must be positive")
    if selectors.model_live(program=program) is None:
        raise ReplayRefused(f"{program.name} has no live model to replay")
    if ScoreSnapshot.objects.filter(program=program).exists():
        raise ReplayRefused(f"{program.name} already has decisions; replay runs before the first one")
    now = timezone.now()
    result = RescoreResult()
    for back in range(days, 0, -every_days):
        moment = now - timedelta(days=back)
        lead_ids = list(Lead.objects.filter(created_at__lt=moment).values_list("pk", flat=True))
        if lead_ids:
            result.merge(
                leads_rescore(
                    lead_ids=lead_ids,
                    trigger=Trigger.REPLAY,
                    program=program,
                    actor=actor,
                    reason=f"replayed on {now:%Y-%m-%d} as of {moment:%Y-%m-%d}",
                    as_of=moment,
                )
            )
    return result
