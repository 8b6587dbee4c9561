"""Scoring leads with their program's live model: set-based, one lead is a batch of one."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from django.db import transaction
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from leadscoring.models import Lead

from .. import selectors
from ..engine.thresholds import Cutoffs
from ..features import lead_signal_frame
from ..models import (
    AccountScore,
    LeadScore,
    ScoreSnapshot,
    ScoringModel,
    ScoringProgram,
    ScoringSettings,
    Trend,
    Trigger,
)
from .artifacts import artifact_load
from .bulk_write import lead_scores_upsert, snapshots_write

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


def _clean(value):
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else round(float(value), 4)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def engine_score(*, model: ScoringModel, frame: pd.DataFrame) -> pd.DataFrame:
    """Run the model's engine scorer over a signal frame; one row per lead, plain columns."""
    scorer = artifact_load(model.artifact_path, model.artifact_sha256)
    batch = scorer.score(frame)
    return batch.to_frame() if hasattr(batch, "to_frame") else pd.DataFrame(batch, index=frame.index)


def _trend(current: float, earlier: float | None, band: float) -> str:
    if earlier is None or abs(current - earlier) <= band:
        return Trend.STABLE
    return Trend.RISING if current > earlier else Trend.FALLING


def _scores_at_window_start(lead_ids, program, since) -> dict[int, float]:
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


def _score_chunk(
    *,
    lead_ids: list[int],
    program: ScoringProgram,
    model: ScoringModel,
    trigger: str,
    actor,
    reason: str,
    as_of: datetime | None = None,
) -> RescoreResult:
    now = as_of or timezone.now()
    settings_row = ScoringSettings.load()
    cutoffs = cutoffs_for(program=program, settings_row=settings_row)
    with transaction.atomic():
        # Lock the leads first: a rescore that read the events before a concurrent one committed
        # must not overwrite the later, fuller score (no lost update).
        locked = list(
            Lead.objects.select_for_update()
            .filter(id__in=lead_ids)
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
        earlier = _scores_at_window_start(
            locked, program, now - timedelta(days=settings_row.trend_window_days)
        )
        # Whole columns at once: per-row pandas access cost more than the scoring itself.
        inputs = [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
        probability = scored["probability"].to_numpy(dtype=float) if "probability" in scored else None
        confidence = scored["confidence"].to_numpy(dtype=float) if "confidence" in scored else None
        subtotals = scored["subtotals"].tolist() if "subtotals" in scored else [{}] * len(locked)
        factors = scored["top_factors"].tolist() if "top_factors" in scored else [[]] * len(locked)
        missing = scored["missing_signals"].tolist() if "missing_signals" in scored else [[]] * len(locked)
        actor_id = getattr(actor, "pk", None)
        snapshots, rows = [], []
        for position, lead_id in enumerate(locked):
            score = round(float(scores[position]), 2)
            tier = str(tier_names[position])
            prior = current.get(lead_id)
            fields = {
                "lead_id": lead_id,
                "program_id": program.pk,
                "model_id": model.pk,
                "score": score,
                "tier": tier,
                "probability": _clean(probability[position]) if probability is not None else None,
                "confidence": _clean(confidence[position]) if confidence is not None else None,
                "subtotals": {k: _clean(v) for k, v in (subtotals[position] or {}).items()},
                "top_factors": list(factors[position] or []),
                "missing_signals": list(missing[position] or []),
            }
            snapshots.append(
                {
                    **fields,
                    "previous_tier": prior.tier if prior else "",
                    "inputs": inputs[position],
                    "trigger": trigger,
                    "reason": reason,
                    "actor_id": actor_id,
                    "created_at": now,
                }
            )
            rows.append(
                {
                    **fields,
                    "scored_at": now,
                    "tier_since": prior.tier_since if prior and prior.tier == tier else now,
                    "trend": _trend(score, earlier.get(lead_id), settings_row.trend_band),
                }
            )
        snapshots_write(snapshots)
        lead_scores_upsert(rows)
        accounts_rollup(
            account_ids=list(
                Lead.objects.filter(id__in=locked, account__isnull=False).values_list("account_id", flat=True)
            ),
            program=program,
            cutoffs=cutoffs,
        )
    return RescoreResult(scored=len(locked), skipped=len(lead_ids) - len(locked))


def leads_rescore(
    *,
    lead_ids: list[int],
    trigger: str,
    program: ScoringProgram | None = None,
    actor=None,
    reason: str = "",
    as_of: datetime | None = None,
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
                )
            )
        except Exception:
            if len(chunk) == 1:
                logger.exception("rescoring lead %s failed", chunk[0])
                result.failed += 1
                result.errors.append((chunk[0], "scoring failed; see the log"))
                continue
            for lead_id in chunk:
                result.merge(
                    leads_rescore(
                        lead_ids=[lead_id],
                        trigger=trigger,
                        program=program,
                        actor=actor,
                        reason=reason,
                        as_of=as_of,
                    )
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
        probability=_clean(item.get("probability")),
        confidence=_clean(item.get("confidence")),
        recommended_action=tiers[tier].recommended_action if tier in tiers else "",
        score_breakdown={k: _clean(v) for k, v in (item.get("subtotals") or {}).items()},
        top_factors=list(item.get("top_factors") or []),
        missing_signals=list(item.get("missing_signals") or []),
        model_version=model.version,
    )


def accounts_rollup(
    *, account_ids: list[int], program: ScoringProgram, cutoffs: Cutoffs | None = None
) -> int:
    """Refresh accounts' roll-ups: best lead's score plus a bonus for breadth of active contacts."""
    if not account_ids:
        return 0
    cutoffs = cutoffs or cutoffs_for(program=program)
    since = timezone.now() - timedelta(days=30)
    stats = (
        LeadScore.objects.filter(program=program, lead__account_id__in=set(account_ids))
        .values("lead__account_id")
        .annotate(
            best=Max("score"),
            n=Count("id"),
            active=Count("lead", filter=Q(lead__events__occurred_at__gte=since), distinct=True),
        )
    )
    best_leads: dict[int, int] = {}
    for account_id, lead_id in (
        LeadScore.objects.filter(program=program, lead__account_id__in=set(account_ids))
        .order_by("lead__account_id", "-score")
        .values_list("lead__account_id", "lead_id")
    ):
        best_leads.setdefault(account_id, lead_id)
    rows = []
    for row in stats:
        # Several engaged contacts at one company are a buying committee: worth up to 10 points.
        breadth_bonus = min(10.0, 2.5 * max(0, row["active"] - 1))
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
