"""Reads of the scoring configuration and of lead scores."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet

from .models import LeadScore, ScoreSnapshot, ScoringModel, ScoringProgram, Signal, TierDefinition


def program_default() -> ScoringProgram:
    program = ScoringProgram.objects.filter(is_default=True).first()
    if program is None:
        # The data migration creates it; a flushed database (tests) may not have it.
        from .defaults import DEFAULT_PROGRAM

        program, _ = ScoringProgram.objects.get_or_create(
            slug=DEFAULT_PROGRAM["slug"],
            defaults={
                "name": DEFAULT_PROGRAM["name"],
                "is_default": True,
                "outcome_won_statuses": ["converted"],
            },
        )
    return program


def model_live(*, program: ScoringProgram) -> ScoringModel | None:
    return ScoringModel.objects.filter(program=program, status=ScoringModel.Status.LIVE).first()


def model_previous_live(*, program: ScoringProgram) -> ScoringModel | None:
    """The version that was live before the current one (the rollback target)."""
    live = model_live(program=program)
    if live is not None and live.replaces_id:
        return live.replaces
    return (
        ScoringModel.objects.filter(program=program, deployed_at__isnull=False)
        .exclude(status=ScoringModel.Status.LIVE)
        .order_by("-deployed_at")
        .first()
    )


def tiers_for(*, program: ScoringProgram) -> list[TierDefinition]:
    return list(TierDefinition.objects.filter(program=program).order_by("rank"))


def signals_active(*, program: ScoringProgram) -> list[Signal]:
    return list(Signal.objects.filter(program=program, active=True).order_by("key"))


def lead_scores(*, program: ScoringProgram, rep=None) -> QuerySet[LeadScore]:
    """Current scores, best first; a rep sees their own leads and the unassigned pool."""
    qs = LeadScore.objects.filter(program=program).select_related("lead", "lead__account", "lead__owner")
    if rep is not None:
        qs = qs.filter(Q(lead__owner=rep) | Q(lead__owner__isnull=True))
    return qs.order_by("-score", "lead_id")


def lead_score_history(*, lead, program: ScoringProgram, days: int | None = None) -> QuerySet[ScoreSnapshot]:
    qs = ScoreSnapshot.objects.filter(lead=lead, program=program).select_related("model")
    if days is not None:
        from datetime import timedelta

        from django.utils import timezone

        qs = qs.filter(created_at__gte=timezone.now() - timedelta(days=days))
    return qs.order_by("created_at")


def snapshot_in_force(*, lead, program: ScoringProgram, at: datetime) -> ScoreSnapshot | None:
    """The decision that stood for a lead at a moment: why it was in its tier then."""
    return (
        ScoreSnapshot.objects.filter(lead=lead, program=program, created_at__lte=at)
        .select_related("model")
        .order_by("-created_at")
        .first()
    )


SIGNAL_SNAPSHOT_FIELDS = (
    "key",
    "name",
    "dimension",
    "value_type",
    "source",
    "source_field",
    "event_kind",
    "window_days",
    "transformation",
    "points",
    "weight",
    "cap",
    "decay",
    "repeat_cap",
)


def signal_snapshot(signal: Signal) -> dict:
    """A signal as a version stores it: later edits to the Signal row never change a trained model."""
    return {name: getattr(signal, name) for name in SIGNAL_SNAPSHOT_FIELDS}


def signals_of_model(*, model: ScoringModel) -> list[Signal]:
    """The signals a version was trained with, as unsaved Signal objects for the frame builder."""
    return [
        Signal(program_id=model.program_id, **{k: v for k, v in row.items() if k in SIGNAL_SNAPSHOT_FIELDS})
        for row in model.signals
    ]
