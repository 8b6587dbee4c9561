"""The inline fast path answers what the engine answers, and never from a stale context."""

import numpy as np
import pandas as pd
import pytest

from scoring import selectors, services
from scoring.engine.contracts import jsonable
from scoring.models import ScoringModel
from scoring.services.reads import cutoffs_for
from scoring.services.scoring import engine_score
from tests.factories import model_from_training

PAYLOADS = [
    {"demo_requests_90d": 2, "seniority": "vp", "industry": "Software"},
    {"employee_count": "250", "budget": " 12000 ", "authority": True, "lead_source": "Referral"},
    {"timeline_days": "soon", "employee_count": "1e999", "budget": "1_000", "region": None},
    {},
]


def _reference(payload: dict, model: ScoringModel) -> dict:
    """The inline answer as the old path built it: pandas coercion, the engine's to_frame, a fresh model."""
    program = selectors.program_default()
    columns = {}
    for signal in selectors.signals_of_model(model=model):
        value = payload.get(signal.key)
        if signal.value_type == "numerical":
            value = pd.to_numeric(pd.Series([value], dtype=object), errors="coerce").astype(float).to_numpy()
        else:
            value = [value]
        columns[signal.key] = value
    item = engine_score(model=model, frame=pd.DataFrame(columns, index=pd.Index([0], name="id"))).iloc[0]
    tier_rows = selectors.tiers_for(program=program)
    tier = str(cutoffs_for(program=program, tiers=tier_rows).tier_of(np.array([float(item["score"])]))[0])
    return {
        "lead_score": round(float(item["score"]), 2),
        "tier": tier,
        "probability": jsonable(item.get("probability"), digits=4),
        "confidence": jsonable(item.get("confidence"), digits=4),
        "recommended_action": {t.name: t.recommended_action for t in tier_rows}.get(tier, ""),
        "score_breakdown": jsonable(item.get("subtotals") or {}, digits=4),
        "top_factors": list(item.get("top_factors") or []),
        "missing_signals": list(item.get("missing_signals") or []),
        "model_version": model.version,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS)
def test_inline_fast_path_answers_what_the_old_path_answered(live_model, payload):
    assert services.lead_score_inline(payload=payload).as_dict() == _reference(payload, live_model)


@pytest.mark.django_db
def test_a_deploy_replaces_the_scoring_context(live_model, trained_model_values):
    payload = PAYLOADS[0]
    assert services.lead_score_inline(payload=payload).model_version == live_model.version
    newer = model_from_training(
        trained_model_values, name="newer", version=live_model.version + 1, deployed_at=None
    )
    services.model_deploy(model=newer, override_reason="context test", rescore=False)
    assert newer.version != live_model.version
    assert services.lead_score_inline(payload=payload).model_version == newer.version
    services.model_rollback(program=selectors.program_default())
    assert services.lead_score_inline(payload=payload).model_version == live_model.version


@pytest.mark.django_db
def test_a_tier_edit_shows_in_the_next_inline_score(live_model):
    payload = PAYLOADS[0]
    before = services.lead_score_inline(payload=payload)
    tiers = selectors.tiers_for(program=selectors.program_default())
    held = next(t for t in tiers if t.name == before.tier)
    services.tier_update(tier=held, recommended_action="Edited: call within the hour")
    assert services.lead_score_inline(payload=payload).recommended_action == "Edited: call within the hour"
    # Lower every bound under the score (worst tier first, so they keep falling): the lead is now top tier.
    for tier, bound in zip(reversed(tiers[:3]), (0.01, 0.02, 0.03), strict=True):
        services.tier_update(tier=tier, lower_bound=bound)
    assert before.lead_score > 0.03
    assert services.lead_score_inline(payload=payload).tier == tiers[0].name
