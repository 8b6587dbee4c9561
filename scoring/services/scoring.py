"""Scoring leads with their program's live model: set-based, one lead is a batch of one."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils import timezone

from leadscoring.models import Lead

from .. import selectors
from ..engine.contracts import jsonable
from ..features import lead_signal_frame
from ..models import LeadScore, ScoreSnapshot, ScoringModel, ScoringProgram, ScoringSettings
from .artifacts import artifact_load
from .bulk_write import lead_scores_upsert
from .decisions import DecisionRow, decisions_record
from .reads import account_ids_of, cutoffs_for
from .rollup import accounts_rollup
from .trends import trends_for

__all__ = [
    "RescoreResult",
    "ScoreResult",
    "engine_score",
    "lead_rescore",
    "lead_score_inline",
    "leads_rescore",
]

logger = logging.getLogger(__name__)

CHUNK = 2000


@dataclass
class RescoreResult:
    scored: int = 0
    failed: int = 0
    skipped: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    def merge(self, other: RescoreResult) -> RescoreResult:
        self.scored += other.scored
        self.failed += other.failed
        self.skipped += other.skipped
        self.errors.extend(other.errors)
        return self


@dataclass
class ScoreResult:
    lead_score: float
    tier: str
    probability: float | None
    confidence: float | None
    recommended_action: str
    score_breakdown: dict
    top_factors: list
    missing_signals: list
    model_version: int

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def engine_score(*, model: ScoringModel, frame: pd.DataFrame) -> pd.DataFrame:
    """Run the model's engine scorer over a signal frame; one row per lead, plain columns."""
    scorer = artifact_load(model.artifact_path, model.artifact_sha256)
    batch = scorer.score(frame)
    return batch.to_frame() if hasattr(batch, "to_frame") else pd.DataFrame(batch, index=frame.index)


def _score_chunk(
    *,
    lead_ids: list[int],
    program: ScoringProgram,
    model: ScoringModel,
    trigger: str,
    actor,
    reason: str,
    as_of: datetime | None = None,
    rollup_accounts: bool = True,
) -> RescoreResult:
    now = as_of or timezone.now()
    settings_row = ScoringSettings.load()
    cutoffs = cutoffs_for(program=program, settings_row=settings_row)
    with transaction.atomic():
        # Lock the leads first: a rescore that read the events before a concurrent one committed
        # must not overwrite the later, fuller score (no lost update).
        locked = list(
            Lead.objects.select_for_update()
            .filter(id__in=lead_ids, do_not_process=False)  # consent withdrawn (or erased): never scored
            .order_by("id")
            .values_list("id", flat=True)
        )
        if not locked:
            return RescoreResult(skipped=len(lead_ids))
        signals = selectors.signals_of_model(model=model)
        frame = lead_signal_frame(lead_ids=locked, signals=signals, as_of=now)
        scored = engine_score(model=model, frame=frame)
        current = {ls.lead_id: ls for ls in LeadScore.objects.filter(program=program, lead_id__in=locked)}
        previous_tiers = np.array([current[i].tier if i in current else "" for i in locked], dtype=object)
        scores = scored["score"].to_numpy(dtype=float)
        tier_names = cutoffs.tier_of(scores, previous=previous_tiers)
        # Whole columns at once: per-row pandas access cost more than the scoring itself.
        inputs = jsonable(frame.to_dict(orient="records"), digits=4)
        probability = scored["probability"].to_numpy(dtype=float) if "probability" in scored else None
        confidence = scored["confidence"].to_numpy(dtype=float) if "confidence" in scored else None
        subtotals = scored["subtotals"].tolist() if "subtotals" in scored else [{}] * len(locked)
        factors = scored["top_factors"].tolist() if "top_factors" in scored else [[]] * len(locked)
        missing = scored["missing_signals"].tolist() if "missing_signals" in scored else [[]] * len(locked)
        actor_id = getattr(actor, "pk", None)
        decisions = [
            DecisionRow(
                lead_id=lead_id,
                program_id=program.pk,
                model_id=model.pk,
                score=round(float(scores[position]), 2),
                tier=str(tier_names[position]),
                previous_tier=current[lead_id].tier if lead_id in current else "",
                probability=jsonable(probability[position], digits=4) if probability is not None else None,
                confidence=jsonable(confidence[position], digits=4) if confidence is not None else None,
                subtotals=jsonable(subtotals[position] or {}, digits=4),
                top_factors=factors[position],
                missing_signals=missing[position],
                inputs=inputs[position],
                trigger=trigger,
                reason=reason,
                actor_id=actor_id,
                created_at=now,
            )
            for position, lead_id in enumerate(locked)
        ]
        trends = trends_for(
            scores={d.lead_id: d.score for d in decisions},
            program=program,
            now=now,
            settings_row=settings_row,
        )
        rows = []
        for decision in decisions:
            prior = current.get(decision.lead_id)
            rows.append(
                {
                    "lead_id": decision.lead_id,
                    "program_id": decision.program_id,
                    "model_id": decision.model_id,
                    "score": decision.score,
                    "tier": decision.tier,
                    "probability": decision.probability,
                    "confidence": decision.confidence,
                    "subtotals": decision.subtotals,
                    "top_factors": decision.top_factors,
                    "missing_signals": decision.missing_signals,
                    "scored_at": now,
                    "tier_since": prior.tier_since if prior and prior.tier == decision.tier else now,
                    "trend": trends[decision.lead_id],
                }
            )
        decisions_record(decisions=decisions)
        lead_scores_upsert(rows)
        if rollup_accounts:
            accounts_rollup(account_ids=account_ids_of(lead_ids=locked), program=program, cutoffs=cutoffs)
    return RescoreResult(scored=len(locked), skipped=len(lead_ids) - len(locked))


def leads_rescore(
    *,
    lead_ids: list[int],
    trigger: str,
    program: ScoringProgram | None = None,
    actor=None,
    reason: str = "",
    as_of: datetime | None = None,
    rollup_accounts: bool = True,
) -> RescoreResult:
    """Rescore leads in chunks; a chunk that fails is retried lead by lead so one bad lead stops nothing.
    `as_of` scores them from what was known at that moment and dates the decisions then (history replay)."""
    program = program or selectors.program_default()
    model = selectors.model_live(program=program)
    if model is None:
        return RescoreResult(skipped=len(lead_ids))
    result = RescoreResult()
    ids = sorted(set(lead_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        try:
            result.merge(
                _score_chunk(
                    lead_ids=chunk,
                    program=program,
                    model=model,
                    trigger=trigger,
                    actor=actor,
                    reason=reason,
                    as_of=as_of,
                    rollup_accounts=rollup_accounts,
                )
            )
        except Exception as exc:
            if len(chunk) == 1:
                logger.exception("rescoring lead %s failed", chunk[0])
                result.failed += 1
                result.errors.append((chunk[0], "scoring failed; see the log"))
                continue
            logger.exception(
                "rescoring %d leads as one chunk failed; rescoring them lead by lead", len(chunk)
            )
            for lead_id in chunk:
                result.merge(
                    leads_rescore(
                        lead_ids=[lead_id],
                        trigger=trigger,
                        program=program,
                        actor=actor,
                        reason=reason,
                        as_of=as_of,
                        rollup_accounts=rollup_accounts,
                    )
                )
            # Recorded after the leads' own errors: the caller (a batch Job) shows the fallback.
            result.errors.append(
                (chunk[0], f"a chunk of {len(chunk)} leads failed ({exc}); scored lead by lead")
            )
    return result


def lead_rescore(
    *, lead: Lead, trigger: str, program: ScoringProgram | None = None, actor=None, reason: str = ""
):
    """Score one lead with its program's live model; returns the snapshot (None without a live model)."""
    program = program or selectors.program_default()
    result = leads_rescore(lead_ids=[lead.pk], trigger=trigger, program=program, actor=actor, reason=reason)
    if not result.scored:
        return None
    return ScoreSnapshot.objects.filter(lead=lead, program=program).order_by("-created_at", "-id").first()


def lead_score_inline(*, payload: dict, program: ScoringProgram | None = None) -> ScoreResult:
    """Score a lead given inline (signal keys -> values), storing nothing."""
    program = program or selectors.program_default()
    model = selectors.model_live(program=program)
    if model is None:
        raise LookupError(f"program {program.name!r} has no live model to score with")
    signals = selectors.signals_of_model(model=model)
    # One constructor call for the one-row frame: per-column assignments cost more than the scoring.
    columns = {}
    for signal in signals:
        value = payload.get(signal.key)
        if signal.value_type == "numerical":
            value = pd.to_numeric(pd.Series([value], dtype=object), errors="coerce").astype(float).to_numpy()
        else:
            value = [value]
        columns[signal.key] = value
    frame = pd.DataFrame(columns, index=pd.Index([0], name="id"))
    item = engine_score(model=model, frame=frame).iloc[0]
    tier_rows = selectors.tiers_for(program=program)
    cutoffs = cutoffs_for(program=program, tiers=tier_rows)
    tier = str(cutoffs.tier_of(np.array([float(item["score"])]))[0])
    tiers = {t.name: t for t in tier_rows}
    return ScoreResult(
        lead_score=round(float(item["score"]), 2),
        tier=tier,
        probability=jsonable(item.get("probability"), digits=4),
        confidence=jsonable(item.get("confidence"), digits=4),
        recommended_action=tiers[tier].recommended_action if tier in tiers else "",
        score_breakdown=jsonable(item.get("subtotals") or {}, digits=4),
        top_factors=list(item.get("top_factors") or []),
        missing_signals=list(item.get("missing_signals") or []),
        model_version=model.version,
    )
