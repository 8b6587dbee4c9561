import io

import joblib
import numpy as np
import pandas as pd
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


KINDS = ["points", "logistic_regression", "random_forest", "gradient_boosting", "neural_network", "hybrid"]


def _messy(raw: pd.DataFrame) -> pd.DataFrame:
    """Inputs an integration sends: numbers as padded text, missing tokens, flags as words, gaps."""
    messy = raw.copy()
    numeric = [c for c in messy.columns if pd.api.types.is_float_dtype(messy[c])]
    text = [c for c in messy.columns if c not in numeric and c != "lead_id"]
    if numeric:
        messy[numeric[0]] = messy[numeric[0]].astype(object)
        messy.loc[messy.index[:5], numeric[0]] = " 7 "
        messy.loc[messy.index[5:8], numeric[0]] = "n/a"
    if text:
        messy[text[0]] = messy[text[0]].astype(object)
        messy.loc[messy.index[8:12], text[0]] = "  Select "
        messy.loc[messy.index[12:14], text[0]] = None
    return messy


@pytest.mark.parametrize("kind", KINDS)
def test_a_lead_scored_alone_gets_the_figures_and_words_it_gets_in_a_batch(kind):
    raw, _, y, _ = prepared()
    scorer = scorer_of(kind)
    scorer.cutoffs = tier_cutoffs(scorer.score(raw).score, y)
    try:
        for data in (raw, _messy(raw), raw.drop(columns=[raw.columns[1]])):
            batch = scorer.score(data.head(40))
            framed = batch.to_frame()
            # Rows 0-13 carry the messy values (padded numbers, "n/a", "  Select ", None); 27 is clean.
            for i in (0, 6, 9, 13, 27):
                single = scorer.score(data.iloc[[i]])
                # A network's matrix products may round the last bit differently with the rows predicted
                # together: 1e-9 points there.
                np.testing.assert_allclose(single.score[0], batch.score[i], rtol=0, atol=1e-9)
                np.testing.assert_allclose(single.probability[0], batch.probability[i], rtol=0, atol=1e-9)
                np.testing.assert_allclose(
                    single.subtotal_values[0], batch.subtotal_values[i], rtol=0, atol=1e-9
                )
                assert single.tier[0] == batch.tier[i]
                assert single.confidence[0] == batch.confidence[i] and single.abstain[0] == batch.abstain[i]
                assert single.top_factors(0) == batch.top_factors(i)
                assert single.missing_signals(0) == batch.missing_signals(i)
                assert single.explanation(0) == batch.explanation(i)
                alone = single.to_frame().iloc[0]
                for column in ("tier", "evidence", "top_factors", "missing_signals", "explanation"):
                    assert alone[column] == framed.iloc[i][column]
    finally:
        scorer.cutoffs = None


@pytest.mark.parametrize("kind", KINDS)
def test_unexplained_scores_are_the_explained_ones(kind):
    raw, _, _, _ = prepared()
    frame = _messy(raw).head(40)
    scorer = scorer_of(kind)
    explained, bare = scorer.score(frame), scorer.score(frame, explain_scores=False)
    np.testing.assert_allclose(bare.score, explained.score, rtol=0, atol=1e-9)
    np.testing.assert_allclose(bare.probability, explained.probability, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(bare.confidence, explained.confidence)
    # The scorecard and logistic regression (the hybrid's learner here) explain at no extra cost.
    assert (bare.contributions is None) == (kind in ("random_forest", "gradient_boosting", "neural_network"))


def test_the_scorer_is_a_scikit_learn_estimator():
    scorer = scorer_of("random_forest")
    params = scorer.get_params(deep=False)
    assert params["model"] is scorer.model and params["min_support"] == 10
    assert scorer.kind == "random_forest" and scorer.model.get_params()["kind"] == "random_forest"
