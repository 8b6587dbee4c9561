"""Point-in-time reconstruction: why was this lead scored this way at that moment, and does it still add up?

For a lead and a past moment: the decision in force then; its model version and the artifact's sha256; the
tier bounds and scoring settings in force when the decision was taken (from their simple-history rows);
the version's own copy of its signal definitions; and a recomputation of the score from the decision's
stored inputs with the stored artifact, read afresh from disk and checked against its sha256. The
recomputation `matches` when the score agrees to the stored precision (2 decimals) and the tier, with the
bounds and hysteresis of that day and the lead's previous tier, comes out the same; anything else is a
mismatch, with what differs. Decisions that read no signals (an override, a stale downgrade) cannot be
recomputed and say so (`matches` is None).
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from leadscoring.models import Lead
from scoring import selectors
from scoring.engine.thresholds import Cutoffs
from scoring.models import ScoreSnapshot, ScoringModel, ScoringProgram, ScoringSettings, TierDefinition
from scoring.services.artifacts import ArtifactTampered, artifact_load

SCORE_PLACES = 2  # decisions store the score rounded to 2 decimals (services.scoring)
SETTINGS_FIELDS = (
    "stale_after_days",
    "trend_window_days",
    "trend_band",
    "hysteresis",
    "low_confidence_below",
)


def _tiers_then(program: ScoringProgram, moment: datetime) -> list:
    then = list(TierDefinition.history.as_of(moment).filter(program_id=program.pk))
    # A tier with no history row at all was never changed through a tracked path (seeded by a data
    # migration): its row today is the row it had then.
    tracked = TierDefinition.history.filter(program_id=program.pk).values("id")
    then += list(TierDefinition.objects.filter(program=program).exclude(id__in=tracked))
    return sorted(then, key=lambda t: t.rank)


def _settings_then(moment: datetime) -> dict:
    row = ScoringSettings.history.filter(history_date__lte=moment).order_by("-history_date").first()
    source = row if row is not None else ScoringSettings.load()
    return {name: getattr(source, name) for name in SETTINGS_FIELDS}


def _recompute(decision: ScoreSnapshot, model: ScoringModel, tiers: list, hysteresis: float) -> dict:
    """Score the stored inputs with the stored artifact; never the process's cached copy of it."""
    if not decision.inputs:
        return {"matches": None, "why": "this decision read no signals (it restates an earlier score)"}
    try:
        scorer = artifact_load.__wrapped__(model.artifact_path, model.artifact_sha256)
    except ArtifactTampered:
        return {
            "matches": False,
            "why": "the artifact on disk does not match the sha256 the version recorded",
        }
    except OSError as exc:
        return {"matches": False, "why": f"the artifact cannot be read: {exc.strerror or exc}"}
    signals = selectors.signals_of_model(model=model)
    columns = {}
    for signal in signals:
        value = decision.inputs.get(signal.key)
        if signal.value_type == "numerical":
            columns[signal.key] = [np.nan if value is None else float(value)]
        else:
            columns[signal.key] = [value]
    frame = pd.DataFrame(columns, index=pd.Index([decision.lead_id], name="id"))
    batch = scorer.score(frame)
    scored = batch.to_frame() if hasattr(batch, "to_frame") else pd.DataFrame(batch, index=frame.index)
    score = round(float(scored["score"].iloc[0]), SCORE_PLACES)
    cutoffs = Cutoffs(
        hot=tiers[0].lower_bound,
        warm=tiers[1].lower_bound,
        cool=tiers[2].lower_bound,
        hysteresis=hysteresis,
        names=tuple(t.name for t in tiers[:4]),
    )
    previous = np.array([decision.previous_tier or ""], dtype=object)
    tier = str(cutoffs.tier_of(np.array([score]), previous=previous)[0])
    differences = []
    if abs(score - decision.score) > 0.5 * 10**-SCORE_PLACES:
        differences.append({"field": "score", "recorded": decision.score, "recomputed": score})
    if tier != decision.tier:
        differences.append({"field": "tier", "recorded": decision.tier, "recomputed": tier})
    return {
        "matches": not differences,
        "score": score,
        "tier": tier,
        "differences": differences,
        "why": ""
        if not differences
        else "MISMATCH: "
        + "; ".join(
            f"{d['field']} recorded {d['recorded']}, recomputed {d['recomputed']}" for d in differences
        ),
    }


def decision_reconstruct(*, lead: Lead, program: ScoringProgram, at: datetime) -> dict:
    """The decision in force for `lead` at `at`, its configuration then, and its recomputation."""
    decision = selectors.snapshot_in_force(lead=lead, program=program, at=at)
    body = {"lead_id": lead.pk, "program": program.slug, "at": at, "decision": None, "matches": None}
    if decision is None:
        body["why"] = "the lead had no decision in this program at that moment"
        return body
    taken = decision.created_at
    tiers = _tiers_then(program, taken)
    settings_then = _settings_then(taken)
    model = decision.model
    body.update(
        decision=decision,
        decided_at=taken,
        model=None
        if model is None
        else {
            "id": model.pk,
            "version": model.version,
            "kind": model.kind,
            "model_type": model.model_type,
            "artifact_sha256": model.artifact_sha256,
            "status_now": model.status,
        },
        tiers=[{"name": t.name, "rank": t.rank, "lower_bound": t.lower_bound} for t in tiers],
        settings=settings_then,
        signals=list(model.signals or []) if model is not None else [],
    )
    if model is None:
        body["recomputation"] = {"matches": None, "why": "no model version is recorded on this decision"}
    elif len(tiers) < 4:
        body["recomputation"] = {"matches": None, "why": "the tier bounds of that day are not in the history"}
    else:
        body["recomputation"] = _recompute(decision, model, tiers, settings_then["hysteresis"])
    body["matches"] = body["recomputation"]["matches"]
    return body
