"""The per-lead-object rescoring path the set-based pipeline replaced, kept only as the parity test's
reference: event features through pandas, the engine's `to_frame`, current scores read back as whole
objects with `tier_since` decided in Python, and the account roll-up through the ORM."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from django.db import transaction
from django.db.models import Count, Max, Q

from scoring import selectors
from scoring.engine.contracts import jsonable
from scoring.features import lead_signal_frame
from scoring.models import AccountScore, LeadScore, ScoringModel, ScoringProgram, ScoringSettings
from scoring.services.decisions import DecisionRow, decisions_record
from scoring.services.reads import account_ids_of, cutoffs_for
from scoring.services.rollup import ACTIVE_DAYS, BREADTH_BONUS_MAX, BREADTH_POINTS
from scoring.services.scoring import engine_score
from scoring.services.trends import trends_for


def reference_rescore(*, lead_ids: list[int], trigger: str, as_of: datetime, now: datetime) -> None:
    program = selectors.program_default()
    model = selectors.model_live(program=program)
    with transaction.atomic():
        _score(lead_ids=sorted(lead_ids), program=program, model=model, trigger=trigger, now=as_of)
        _rollup(account_ids=account_ids_of(lead_ids=lead_ids), program=program, now=now)


def _score(*, lead_ids, program: ScoringProgram, model: ScoringModel, trigger: str, now: datetime) -> None:
    settings_row = ScoringSettings.load()
    cutoffs = cutoffs_for(program=program, settings_row=settings_row)
    signals = selectors.signals_of_model(model=model)
    frame = lead_signal_frame(lead_ids=lead_ids, signals=signals, as_of=now, events_in_sql=False)
    scored = engine_score(model=model, frame=frame)
    current = {ls.lead_id: ls for ls in LeadScore.objects.filter(program=program, lead_id__in=lead_ids)}
    previous_tiers = np.array([current[i].tier if i in current else "" for i in lead_ids], dtype=object)
    scores = scored["score"].to_numpy(dtype=float)
    tier_names = cutoffs.tier_of(scores, previous=previous_tiers)
    inputs = jsonable(frame.to_dict(orient="records"), digits=4)
    decisions = [
        DecisionRow(
            lead_id=lead_id,
            program_id=program.pk,
            model_id=model.pk,
            score=round(float(scores[k]), 2),
            tier=str(tier_names[k]),
            previous_tier=current[lead_id].tier if lead_id in current else "",
            probability=jsonable(scored["probability"].iloc[k], digits=4),
            confidence=jsonable(scored["confidence"].iloc[k], digits=4),
            subtotals=jsonable(scored["subtotals"].iloc[k] or {}, digits=4),
            top_factors=scored["top_factors"].iloc[k],
            missing_signals=scored["missing_signals"].iloc[k],
            inputs=inputs[k],
            trigger=trigger,
            created_at=now,
        )
        for k, lead_id in enumerate(lead_ids)
    ]
    trends = trends_for(
        scores={d.lead_id: d.score for d in decisions}, program=program, now=now, settings_row=settings_row
    )
    decisions_record(decisions=decisions)
    for d in decisions:
        prior = current.get(d.lead_id)
        LeadScore.objects.update_or_create(
            lead_id=d.lead_id,
            program=program,
            defaults={
                "model_id": d.model_id,
                "score": d.score,
                "tier": d.tier,
                "probability": d.probability,
                "confidence": d.confidence,
                "subtotals": d.subtotals,
                "top_factors": d.top_factors,
                "missing_signals": d.missing_signals,
                "scored_at": now,
                "tier_since": prior.tier_since if prior and prior.tier == d.tier else now,
                "trend": trends[d.lead_id],
            },
        )


def _rollup(*, account_ids: list[int], program: ScoringProgram, now: datetime) -> None:
    cutoffs = cutoffs_for(program=program)
    scores = LeadScore.objects.filter(program=program, lead__account_id__in=set(account_ids))
    active_since = now - timedelta(days=ACTIVE_DAYS)
    stats = scores.values("lead__account_id").annotate(
        best=Max("score"),
        # distinct: the old path counted joined event rows here (103 "scored leads" for an account of 5).
        n=Count("id", distinct=True),
        active=Count("lead", filter=Q(lead__events__occurred_at__gte=active_since), distinct=True),
    )
    best_leads: dict[int, int] = {}
    for account_id, lead_id in scores.order_by("lead__account_id", "-score", "lead_id").values_list(
        "lead__account_id", "lead_id"
    ):
        best_leads.setdefault(account_id, lead_id)
    for row in stats:
        score = min(100.0, row["best"] + min(BREADTH_BONUS_MAX, BREADTH_POINTS * max(0, row["active"] - 1)))
        AccountScore.objects.update_or_create(
            account_id=row["lead__account_id"],
            program=program,
            defaults={
                "score": round(score, 2),
                "tier": str(cutoffs.tier_of(np.array([score]))[0]),
                "best_lead_id": best_leads[row["lead__account_id"]],
                "best_lead_score": row["best"],
                "active_contacts": row["active"],
                "scored_leads": row["n"],
            },
        )
