import io

import joblib
import numpy as np
import pytest

from scoring.engine.thresholds import tier_cutoffs

from .engine_fixtures import prepared
from .scorer_fixtures import scorer_of


@pytest.mark.parametrize(
    "kind", ["points", "logistic_regression", "random_forest", "neural_network", "hybrid"]
)
def test_one_lead_is_a_batch_of_one(kind):
    raw, _, _, _ = prepared()
    scorer = scorer_of(kind)
    batch = scorer.score(raw.head(40))
    single = scorer.score(raw.iloc[[17]])
    assert single.score[0] == pytest.approx(batch.score[17])
    assert single.probability[0] == pytest.approx(batch.probability[17])
    np.testing.assert_allclose(single.contributions[0], batch.contributions[17], atol=1e-9)


def test_scorer_survives_joblib_and_scores_the_same():
    raw, _, y, _ = prepared()
    scorer = scorer_of("random_forest")
    scorer.cutoffs = tier_cutoffs(scorer.score(raw).score, y)
    buffer = io.BytesIO()
    joblib.dump(scorer, buffer, compress=3)
    restored = joblib.load(io.BytesIO(buffer.getvalue()))
    before, after = scorer.score(raw.head(30)), restored.score(raw.head(30))
    np.testing.assert_allclose(before.score, after.score)
    assert before.tier.tolist() == after.tier.tolist()
    scorer.cutoffs = None


def test_to_frame_carries_everything_a_snapshot_stores():
    raw, _, _, _ = prepared()
    frame = scorer_of("points").score(raw.head(5)).to_frame()
    assert {
        "score",
        "probability",
        "tier",
        "confidence",
        "subtotals",
        "top_factors",
        "missing_signals",
        "explanation",
    } <= set(frame.columns)
    assert set(frame["subtotals"].iloc[0]) == {
        "firmographic",
        "behavioral",
        "engagement",
        "intent",
        "negative",
    }
    assert frame["score"].between(0, 100).all() and frame["confidence"].between(0, 1).all()
    assert list(frame.index) == list(raw.head(5).index)


def test_columns_missing_from_the_input_are_missing_signals_not_errors():
    raw, _, _, _ = prepared()
    batch = scorer_of("logistic_regression").score(raw.head(3).drop(columns=["role", "company_size"]))
    assert len(batch) == 3
    assert {m.signal for m in batch.missing_signals(0)} >= {"role", "company_size"}


def test_hybrid_guardrail_shows_as_a_factor():
    raw, _, _, _ = prepared()
    students = raw[raw["role"] == "student"].head(5)
    batch = scorer_of("hybrid").score(students)
    assert (batch.score <= 5 + 1e-9).all()
    capped = [i for i in range(len(batch)) if batch.guardrail_points[i] < -0.05]
    assert capped and batch.top_factors(capped[0])[-1].label.startswith("Guardrail: students cannot buy")


def test_previous_tiers_apply_hysteresis():
    raw, _, y, _ = prepared()
    scorer = scorer_of("points")
    scores = scorer.score(raw).score
    scorer.cutoffs = tier_cutoffs(scores, y, hysteresis=3.0)
    try:
        lead = raw.iloc[[int(np.argmin(np.abs(scores - scorer.cutoffs.warm - 1.0)))]]
        fresh = scorer.score(lead).tier[0]
        held = scorer.score(lead, previous_tiers=np.array(["Cool"])).tier[0]
        assert fresh == "Warm" and held == "Cool"
    finally:
        scorer.cutoffs = None


@pytest.mark.parametrize("kind", ["points", "random_forest"])
def test_an_empty_batch_scores_to_an_empty_result(kind):
    raw, _, _, _ = prepared()
    batch = scorer_of(kind).score(raw.head(0))
    assert len(batch) == 0 and batch.to_frame().empty
