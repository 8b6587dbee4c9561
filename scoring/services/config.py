"""Edits ops staff and reps make outside training: settings, tiers, signals, overrides, feedback."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from leadscoring.models import Lead

from .. import selectors
from ..models import (
    LeadFeedback,
    LeadScore,
    ScoringProgram,
    ScoringSettings,
    Signal,
    TierDefinition,
    Trigger,
)
from .decisions import decision_record, decision_restating


def _save_with_history(instance, *, actor, fields: dict, reason: str = ""):
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    if actor is not None:
        instance._history_user = actor
    if reason:
        instance._change_reason = reason
    instance.save()
    return instance


def scoring_settings_update(*, actor=None, **fields) -> ScoringSettings:
    return _save_with_history(ScoringSettings.load(), actor=actor, fields=fields)


def tier_update(*, tier: TierDefinition, actor=None, **fields) -> TierDefinition:
    with transaction.atomic():
        tier = _save_with_history(tier, actor=actor, fields=fields)
        tiers = selectors.tiers_for(program=tier.program)
        bounds = [t.lower_bound for t in tiers]
        if bounds != sorted(bounds, reverse=True):
            raise ValidationError({"lower_bound": ["tier bounds must fall from the best tier to the worst"]})
    return tier


def signal_update(*, signal: Signal, actor=None, **fields) -> Signal:
    return _save_with_history(signal, actor=actor, fields=fields)


def signal_create(*, program: ScoringProgram, actor=None, **fields) -> Signal:
    return _save_with_history(Signal(program=program), actor=actor, fields=fields)


def lead_override(
    *,
    lead: Lead,
    reason: str,
    actor,
    tier: str = "",
    score: float | None = None,
    expires_at: datetime | None = None,
    program: ScoringProgram | None = None,
) -> LeadScore:
    """Ops staff pin a lead's tier or score; rescoring never silently overwrites it until it expires."""
    program = program or selectors.program_default()
    if not reason.strip():
        raise ValidationError({"reason": ["an override needs a reason"]})
    names = [t.name for t in selectors.tiers_for(program=program)]
    if tier and tier not in names:
        raise ValidationError({"tier": [f"unknown tier {tier!r}; one of {', '.join(names)}"]})
    if score is not None and not 0 <= score <= 100:
        raise ValidationError({"score": ["a score is between 0 and 100"]})
    if not tier and score is None:
        raise ValidationError({"tier": ["give a tier, a score or both"]})
    now = timezone.now()
    with transaction.atomic():
        current = LeadScore.objects.select_for_update().filter(lead=lead, program=program).first()
        if current is None:
            current = LeadScore(
                lead=lead,
                program=program,
                score=score or 0.0,
                tier=tier or names[-1],
                scored_at=now,
                tier_since=now,
            )
        previous_tier = current.effective_tier if current.pk else ""
        current.override_score, current.override_tier = score, tier
        current.override_reason, current.override_expires_at, current.override_by = (
            reason.strip(),
            expires_at,
            actor,
        )
        current.save()
        decision_record(
            decision=decision_restating(
                current=current,
                score=current.effective_score,
                tier=current.effective_tier,
                previous_tier=previous_tier,
                trigger=Trigger.MANUAL,
                reason=reason,
                actor_id=getattr(actor, "pk", None),
                created_at=now,
            )
        )
    return current


def lead_override_clear(*, lead: Lead, actor, program: ScoringProgram | None = None) -> LeadScore | None:
    program = program or selectors.program_default()
    current = LeadScore.objects.filter(lead=lead, program=program).first()
    if current is None:
        return None
    current.override_score, current.override_tier, current.override_reason = None, "", ""
    current.override_expires_at, current.override_by = None, None
    current.save()
    return current


def lead_feedback_record(*, lead: Lead, user, verdict: str, reason: str = "") -> LeadFeedback:
    """A rep's 'good lead' or 'bad fit / junk' verdict; bad fits count as lost in the next training.

    One verdict per rep and lead: a second one edits the first (its history keeps both). A bad fit needs
    a reason, leaves the Hot queue and waits for ops review."""
    reason = (reason or "").strip()
    if verdict == LeadFeedback.Verdict.BAD_FIT and not reason:
        raise ValidationError({"reason": ["Say why this lead is a bad fit (e.g. student, competitor)."]})
    feedback = (LeadFeedback.objects.filter(lead=lead, user=user).first() if user is not None else None) or (
        LeadFeedback(lead=lead, user=user)
    )
    if feedback.pk is not None and (feedback.verdict, feedback.reason) != (verdict, reason):
        feedback.reviewed_at = None  # a changed verdict is a new one for ops to look at
    feedback.verdict, feedback.reason = verdict, reason
    feedback.full_clean(validate_constraints=False)
    if user is not None:
        feedback._history_user = user
    feedback.save()
    return feedback


def lead_feedback_reviewed(*, feedback: list[LeadFeedback], actor=None) -> int:
    """Ops have looked at these verdicts: they leave the review queue (history names who)."""
    now = timezone.now()
    pending = [f for f in feedback if f.reviewed_at is None]
    for f in pending:
        f.reviewed_at = now
        if actor is not None:
            f._history_user = actor
        f.save(update_fields=["reviewed_at"])
    return len(pending)


def program_create(*, name: str, slug: str, actor=None, **fields) -> ScoringProgram:
    """A new named score, seeded with the default tiers and signals for ops staff to edit."""
    with transaction.atomic():
        program = _save_with_history(ScoringProgram(name=name, slug=slug), actor=actor, fields=fields)
        program_seed(program=program)
    return program


def program_seed(*, program: ScoringProgram) -> None:
    """Give a program without tiers or signals the defaults (idempotent)."""
    from ..defaults import DEFAULT_TIERS, signal_rows

    # With their "created" history rows: reconstruction reads the bounds in force on a past day from them.
    if not TierDefinition.objects.filter(program=program).exists():
        bulk_create_with_history(
            [
                TierDefinition(
                    program=program,
                    name=name,
                    rank=rank,
                    lower_bound=lower,
                    colour=colour,
                    sla_hours=sla,
                    recommended_action=action,
                    cadence_days=cadence,
                )
                for name, rank, lower, colour, sla, action, cadence in DEFAULT_TIERS
            ],
            TierDefinition,
        )
    if not Signal.objects.filter(program=program).exists():
        bulk_create_with_history([Signal(**row) for row in signal_rows(program.pk)], Signal)


def defaults_ensure() -> ScoringProgram:
    """Roles, the default program with its tiers and signals, and the settings row (idempotent).

    The data migrations create these; this puts them back after anything that empties the tables
    (a flush, transactional tests) so the product never runs without a default program.
    """
    from django.contrib.auth.models import Group

    from config.roles import ALL_ROLES

    from ..permissions import role_permissions_sync

    for name in ALL_ROLES:
        Group.objects.get_or_create(name=name)
    role_permissions_sync()
    program = ScoringProgram.objects.filter(is_default=True).first()
    if program is None:
        from ..defaults import DEFAULT_PROGRAM

        program, _ = ScoringProgram.objects.get_or_create(
            slug=DEFAULT_PROGRAM["slug"],
            defaults={
                "name": DEFAULT_PROGRAM["name"],
                "is_default": True,
                "outcome_won_statuses": ["converted"],
            },
        )
    program_seed(program=program)
    ScoringSettings.objects.get_or_create(pk=1)
    return program


TIER_CONFIG_FIELDS = ("lower_bound", "colour", "sla_hours", "recommended_action", "cadence_days")


def config_update(
    *, program: ScoringProgram, tiers: list[dict] = (), settings: dict | None = None, actor=None
) -> None:
    """Change tiers (each `{"name", <TIER_CONFIG_FIELDS>...}`, only what is given) and the scoring settings,
    all or nothing: tier bounds must still fall from the best tier to the worst after the change."""
    current = {t.name: t for t in selectors.tiers_for(program=program)}
    unknown = [change["name"] for change in tiers if change["name"] not in current]
    if unknown:
        raise ValidationError({"tiers": [f"Unknown tier(s): {', '.join(unknown)}."]})
    with transaction.atomic():
        for change in _bound_safe_order(list(tiers), current):
            fields = {name: change[name] for name in TIER_CONFIG_FIELDS if name in change}
            tier_update(tier=current[change["name"]], actor=actor, **fields)
        if settings:
            scoring_settings_update(actor=actor, **settings)


def _bound_safe_order(changes: list[dict], current: dict[str, TierDefinition]) -> list[dict]:
    """Apply raised bounds best tier first and lowered ones worst first, so each step stays ordered."""
    raised = [
        c
        for c in changes
        if c.get("lower_bound", current[c["name"]].lower_bound) >= current[c["name"]].lower_bound
    ]
    lowered = [c for c in changes if c not in raised]
    return sorted(raised, key=lambda c: current[c["name"]].rank) + sorted(
        lowered, key=lambda c: -current[c["name"]].rank
    )
