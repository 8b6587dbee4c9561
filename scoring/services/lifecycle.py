"""Deploying and rolling back versions: exactly one live version per program, every change in history."""

from __future__ import annotations

from contextlib import suppress

from django.db import transaction
from django.utils import timezone

from ..models import ScoringModel, ScoringProgram, TierDefinition
from ..selectors import model_live
from .batch import leads_batch_score_start
from .replay import ReplayRefused, scores_replay
from .training import model_create, model_train


class DeployRefused(ValueError):
    """A version that cannot go live as asked (untrained, or failed its gates without a reason)."""


NO_SIGNAL = "no_better_than_base_rate"
TOO_GOOD = "too_good_to_be_true"
LEAKAGE_DECISIONS = ("confirmed", "cleared")


def _gates_accepted(*, model: ScoringModel, override_reason: str) -> bool:
    """Whether the version may go live without a reason; raises DeployRefused when it may not go live at
    all. No signal never goes live; a column confirmed as leakage must be trained out first; too good to
    be true goes live only once a person cleared every suspect it uses, or with a recorded reason."""
    verdict = (model.metrics or {}).get("verdict")
    if verdict == NO_SIGNAL:
        raise DeployRefused(
            f"{model} is no better than the base rate: its tiers are withheld and it cannot be deployed; "
            "train again when the history holds more closed deals or signals known before first contact"
        )
    decisions = model.leakage_decisions or {}
    signals = set((model.metrics or {}).get("signals") or [])
    confirmed = sorted(c for c, d in decisions.items() if d.get("decision") == "confirmed" and c in signals)
    if confirmed:
        raise DeployRefused(
            f"{model} was trained on {', '.join(confirmed)}, confirmed as leakage: train a version without it"
        )
    if verdict != TOO_GOOD:
        return model.validation_passed is not False
    suspects = [f["column"] for f in model.leakage_findings or [] if f.get("status") == "suspected"]
    undecided = [c for c in suspects if c in signals and decisions.get(c, {}).get("decision") != "cleared"]
    if (undecided or not suspects) and not override_reason.strip():
        raise DeployRefused(
            f"{model} is too good to be true (holdout AUC {model.metrics.get('auc') or 0:.3f}): "
            + (f"clear or confirm {', '.join(undecided)} first, or " if undecided else "")
            + "deploying it needs a recorded reason (override_reason)"
        )
    return bool(suspects) and not undecided and bool((model.metrics or {}).get("passed"))


def leakage_decision_record(
    *, model: ScoringModel, column: str, decision: str, reason: str, actor=None
) -> ScoringModel:
    """A person's word on one column the leakage screen named: `confirmed` (it is leakage) or `cleared`
    (it is known before first contact). Recorded on the version, in its history, with who and why."""
    from django.core.exceptions import ValidationError

    screened = {f["column"] for f in model.leakage_findings or []}
    if column not in screened:
        raise ValidationError({"column": [f"{column!r} was not named by the leakage screen of {model}"]})
    if decision not in LEAKAGE_DECISIONS:
        raise ValidationError({"decision": ["choose confirmed (it is leakage) or cleared (it is not)"]})
    if not reason.strip():
        raise ValidationError({"reason": ["say why: the decision is part of the model's record"]})
    model.leakage_decisions = {
        **(model.leakage_decisions or {}),
        column: {
            "decision": decision,
            "reason": reason.strip(),
            "by": getattr(actor, "username", None),
            "at": timezone.now().isoformat(),
        },
    }
    model._change_reason = f"leakage: {column} {decision}"
    if actor is not None:
        model._history_user = actor
    model.save(update_fields=["leakage_decisions"])
    return model


def _apply_thresholds(*, model: ScoringModel, actor) -> None:
    """The trained cut-offs become the program's tier bounds (recorded in the tiers' history)."""
    bounds = model.thresholds or {}
    tiers = list(TierDefinition.objects.filter(program=model.program).order_by("rank"))
    for tier, key in zip(tiers, ("hot", "warm", "cool"), strict=False):
        value = bounds.get(key)
        if value is not None and abs(tier.lower_bound - float(value)) > 1e-9:
            tier.lower_bound = round(float(value), 2)
            tier._change_reason = f"thresholds of {model} deployed"
            if actor is not None:
                tier._history_user = actor
            tier.save(update_fields=["lower_bound"])


def model_deploy(
    *,
    model: ScoringModel,
    actor=None,
    override_reason: str = "",
    rescore: bool = True,
    reason: str = "deploy",
) -> ScoringModel:
    """Make a version live; the one it replaces is retired and becomes the rollback target."""
    if not model.artifact_path:
        raise DeployRefused(f"{model} has not been trained yet")
    if not _gates_accepted(model=model, override_reason=override_reason) and not override_reason.strip():
        raise DeployRefused(
            f"{model} failed its validation gates; deploying it needs a recorded reason (override_reason)"
        )
    with transaction.atomic():
        ScoringProgram.objects.select_for_update().get(pk=model.program_id)
        current = ScoringModel.objects.filter(program=model.program, status=ScoringModel.Status.LIVE).first()
        if current is not None and current.pk == model.pk:
            return model
        if current is not None:
            current.status = ScoringModel.Status.RETIRED
            current._change_reason = f"replaced by v{model.version}"
            if actor is not None:
                current._history_user = actor
            current.save(update_fields=["status"])
        model.status = ScoringModel.Status.LIVE
        model.deployed_at = timezone.now()
        model.replaces = current
        model.deploy_override_reason = override_reason.strip()
        model._change_reason = reason + (
            f" (override: {override_reason.strip()})" if override_reason.strip() else ""
        )
        if actor is not None:
            model._history_user = actor
        model.save(update_fields=["status", "deployed_at", "replaces", "deploy_override_reason"])
        _apply_thresholds(model=model, actor=actor)
        if rescore:
            leads_batch_score_start(actor=actor, trigger="deploy", program=model.program)
    return model


def model_rollback(*, program: ScoringProgram, actor=None) -> ScoringModel:
    """Put the previously live version back in one action."""
    live = model_live(program=program)
    target = live.replaces if live is not None else None
    if target is None:
        raise DeployRefused(f"{program.name} has no earlier live version to roll back to")
    # It was live before, so its gates were already accepted once.
    return model_deploy(
        model=target,
        actor=actor,
        override_reason=target.deploy_override_reason
        or ("rollback" if target.validation_passed is False else ""),
        reason=f"rollback from v{live.version}",
    )


def model_bootstrap(
    *,
    program: ScoringProgram,
    actor=None,
    model_type: str = "logistic_regression",
    replay_days: int = 0,
    replay_every_days: int = 14,
) -> ScoringModel | None:
    """First run: train and deploy a first version when the program has none live (idempotent). With
    `replay_days`, the book is first scored as it stood at past moments (`scores_replay`), so score
    histories, trends and tier migration have something to show on day one."""
    if model_live(program=program) is not None:
        return None
    model = model_create(program=program, name="First model", model_type=model_type, actor=actor)
    model = model_train(model=model)
    reason = (
        "" if model.validation_passed else "first model on a new install; gates reviewed after more history"
    )
    model = model_deploy(model=model, actor=actor, override_reason=reason, rescore=False)
    # A program that already has decisions (an earlier version's) is refused a replay; today's scoring
    # still runs.
    if replay_days:
        with suppress(ReplayRefused):
            scores_replay(program=program, days=replay_days, every_days=replay_every_days, actor=actor)
    leads_batch_score_start(actor=actor, trigger="deploy", program=program)
    return model
