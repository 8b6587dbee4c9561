"""Scoring leads with their program's live model: set-based, one lead is a batch of one."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from leadscoring.models import Lead

from .. import selectors
from ..engine.contracts import jsonable
from ..engine.points import DIMENSIONS
from ..engine.scorer import ScoreBatch
from ..engine.thresholds import Cutoffs
from ..features import lead_signal_frame
from ..models import LeadScore, ScoreSnapshot, ScoringModel, ScoringProgram, ScoringSettings
from .artifacts import artifact_load
from .bulk_write import lead_scores_upsert
from .context import model_for_scoring, scoring_context_and_tiers
from .decisions import DecisionRow, decisions_record
from .reads import account_ids_of, cutoffs_for
from .rollup import accounts_rollup
from .trends import trends_for

__all__ = [
    "RescoreResult",
    "ScoreResult",
    "engine_batch",
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


def engine_batch(*, model: ScoringModel, frame: pd.DataFrame) -> ScoreBatch:
    """Run the model's engine scorer over a signal frame: the ScoreBatch, arrays and all."""
    return artifact_load(model.artifact_path, model.artifact_sha256).score(frame)


def _rounded(values: list, digits: int) -> list:
    # Python's round per value, as jsonable does: np.round can land one ulp away from it.
    return [round(v, digits) if math.isfinite(v) else None for v in values]


def _finite(values: np.ndarray) -> list:
    values = np.asarray(values, dtype=float)
    if np.isfinite(values).all():
        return values.tolist()
    return [v if math.isfinite(v) else None for v in values.tolist()]


def _input_rows(frame: pd.DataFrame) -> list[dict]:
    """The frame's rows as the JSON-ready dicts a decision stores (floats to 4 decimals), column by column."""
    keys = [str(key) for key in frame.columns]
    columns = []
    for key in frame.columns:
        column = frame[key]
        if column.dtype.kind == "f":
            columns.append(_rounded(column.to_numpy(dtype=float).tolist(), 4))
        elif column.dtype.kind in "biu":
            columns.append(column.tolist())
        else:
            # Text and missing values are already JSON-ready: only the odd number needs jsonable.
            columns.append(
                [v if v is None or type(v) is str else jsonable(v, digits=4) for v in column.tolist()]
            )
    return [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]


def _leads_lock(*, lead_ids: list[int], program: ScoringProgram) -> tuple[list[int], dict[int, str]]:
    """Lock the leads (in id order) and read their current tiers: the leads that still exist, and tiers.

    Locked first: a rescore that read the events before a concurrent one committed must not overwrite
    the later, fuller score (no lost update). Only the tier is read back: the whole current row (three
    JSON columns) cost more than scoring it.
    A lead whose consent is withdrawn (or who was erased) is `do_not_process`: never scored.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT l.id, s.tier FROM {Lead._meta.db_table} l LEFT JOIN {LeadScore._meta.db_table} s "
                "ON s.lead_id = l.id AND s.program_id = %s WHERE l.id = ANY(%s) AND NOT l.do_not_process "
                "ORDER BY l.id FOR UPDATE OF l",
                [program.pk, list(lead_ids)],
            )
            rows = cursor.fetchall()
        return [lead_id for lead_id, _ in rows], dict(rows)
    locked = list(
        Lead.objects.select_for_update()
        .filter(id__in=lead_ids, do_not_process=False)
        .order_by("id")
        .values_list("id", flat=True)
    )
    current = dict(
        LeadScore.objects.filter(program=program, lead_id__in=locked).values_list("lead_id", "tier")
    )
    return locked, current


def _score_chunk(
    *,
    lead_ids: list[int],
    program: ScoringProgram,
    model: ScoringModel,
    trigger: str,
    actor,
    reason: str,
    as_of: datetime | None = None,
    settings_row: ScoringSettings,
    cutoffs: Cutoffs,
) -> tuple[RescoreResult, list[int]]:
    """Score one chunk set-based: one feature aggregate, numpy scoring, one COPY of the decisions and one
    upsert of the current scores. Returns the result and the leads scored."""
    now = as_of or timezone.now()
    with transaction.atomic():
        locked, current = _leads_lock(lead_ids=lead_ids, program=program)
        if not locked:
            return RescoreResult(skipped=len(lead_ids)), []
        signals = selectors.signals_of_model(model=model)
        frame = lead_signal_frame(lead_ids=locked, signals=signals, as_of=now)
        batch = engine_batch(model=model, frame=frame)
        previous = [current.get(i) or "" for i in locked]
        scores = np.round(batch.score, 2)
        tier_names = cutoffs.tier_of(scores, previous=np.array(previous, dtype=object)).tolist()
        # Figures the engine already rounded to at most 4 decimals come back unchanged from round(v, 4):
        # only the non-finite need mapping to None.
        score_list = _finite(scores)
        probability = _finite(np.round(batch.probability, 4))
        confidence = _finite(np.round(np.asarray(batch.confidence, dtype=float), 4))
        names = list(DIMENSIONS)
        subtotal_values = np.round(batch.subtotal_values, 2)
        if np.isfinite(subtotal_values).all():
            subtotals = [dict(zip(names, row, strict=True)) for row in subtotal_values.tolist()]
        else:
            subtotals = [dict(zip(names, _rounded(row, 4), strict=True)) for row in subtotal_values.tolist()]
        factors = batch.top_factor_dicts()
        missing = batch.missing_signal_dicts()
        inputs = _input_rows(frame)
        trends = trends_for(
            scores=dict(zip(locked, score_list, strict=True)),
            program=program,
            now=now,
            settings_row=settings_row,
        )
        actor_id = getattr(actor, "pk", None)
        decisions = [
            DecisionRow(
                lead_id=lead_id,
                program_id=program.pk,
                model_id=model.pk,
                score=score_list[k],
                tier=tier_names[k],
                previous_tier=previous[k],
                probability=probability[k],
                confidence=confidence[k],
                subtotals=subtotals[k],
                top_factors=factors[k],
                missing_signals=missing[k],
                inputs=inputs[k],
                trigger=trigger,
                reason=reason,
                actor_id=actor_id,
                created_at=now,
            )
            for k, lead_id in enumerate(locked)
        ]
        decisions_record(decisions=decisions)
        lead_scores_upsert(
            [
                (
                    d.lead_id,
                    d.program_id,
                    d.model_id,
                    d.score,
                    d.tier,
                    d.probability,
                    d.confidence,
                    d.subtotals,
                    d.top_factors,
                    d.missing_signals,
                    trends[d.lead_id],
                    now,
                )
                for d in decisions
            ]
        )
    return RescoreResult(scored=len(locked), skipped=len(lead_ids) - len(locked)), locked


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
    `as_of` scores them from what was known at that moment and dates the decisions then (history replay).
    rollup_accounts=False leaves the account roll-up to the caller (a batch rolls up once, after its last
    chunk: `accounts_rollup`), so an account spanning chunks is aggregated once, not once per chunk."""
    program = program or selectors.program_default()
    model = model_for_scoring(program=program)
    if model is None:
        return RescoreResult(skipped=len(lead_ids))
    result = RescoreResult()
    scored: list[int] = []
    ids = sorted(set(lead_ids))
    # Read once per call, not per chunk: one batch decides with one set of bounds.
    settings_row = ScoringSettings.load()
    cutoffs = cutoffs_for(program=program, settings_row=settings_row)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        try:
            outcome, done = _score_chunk(
                lead_ids=chunk,
                program=program,
                model=model,
                trigger=trigger,
                actor=actor,
                reason=reason,
                as_of=as_of,
                settings_row=settings_row,
                cutoffs=cutoffs,
            )
            result.merge(outcome)
            scored.extend(done)
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
                one = leads_rescore(
                    lead_ids=[lead_id],
                    trigger=trigger,
                    program=program,
                    actor=actor,
                    reason=reason,
                    as_of=as_of,
                    rollup_accounts=False,
                )
                result.merge(one)
                if one.scored:
                    scored.append(lead_id)
            # Recorded after the leads' own errors: the caller (a batch Job) shows the fallback.
            result.errors.append(
                (chunk[0], f"a chunk of {len(chunk)} leads failed ({exc}); scored lead by lead")
            )
    if rollup_accounts and scored:
        accounts_rollup(account_ids=account_ids_of(lead_ids=scored), program=program)
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


def _number(value) -> float:
    """A numerical signal's value as pd.to_numeric(errors="coerce") reads it, without building a Series."""
    if value is None:
        return math.nan
    if isinstance(value, bool | int | float):
        return float(value)
    if isinstance(value, str):
        # float() also reads "1_000" and overflows "1e999" to inf, which to_numeric leaves unread.
        if "_" in value:
            return math.nan
        try:
            number = float(value)
        except ValueError:
            return math.nan
        if math.isinf(number) and "inf" not in value.lower():
            return math.nan
        return number
    return math.nan


def lead_score_inline(*, payload: dict, program: ScoringProgram | None = None) -> ScoreResult:
    """Score a lead given inline (signal keys -> values), storing nothing.

    The fast path: the process's scoring context (scorer and signals, rebuilt when a version is deployed),
    the tiers read as they are now, a one-row frame built from plain values, the answer read from the
    engine's arrays.
    """
    program = program or selectors.program_default()
    context, tier_rows = scoring_context_and_tiers(program=program)
    if context is None:
        raise LookupError(f"program {program.name!r} has no live model to score with")
    columns = {}
    for signal in context.signals:
        value = payload.get(signal.key)
        columns[signal.key] = [_number(value)] if signal.key in context.numerical else [value]
    frame = pd.DataFrame(columns, index=pd.Index([0], name="id"))
    batch = context.scorer.score(frame)
    cutoffs = cutoffs_for(program=program, tiers=tier_rows, hysteresis=0.0)
    score = float(np.round(batch.score, 2)[0])
    tier = str(cutoffs.tier_of(np.array([score]))[0])
    tiers = {t.name: t for t in tier_rows}
    subtotals = np.round(batch.subtotal_values[0], 2).tolist()
    return ScoreResult(
        lead_score=round(score, 2),
        tier=tier,
        probability=jsonable(np.round(batch.probability, 4)[0], digits=4),
        confidence=jsonable(batch.confidence[0], digits=4),
        recommended_action=tiers[tier].recommended_action if tier in tiers else "",
        score_breakdown=jsonable(dict(zip(DIMENSIONS, subtotals, strict=True)), digits=4),
        top_factors=batch.top_factor_dicts()[0],
        missing_signals=batch.missing_signal_dicts()[0],
        model_version=context.model.version,
    )
