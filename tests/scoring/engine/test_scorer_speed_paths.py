"""The few-rows path of `Scorer.score` (plain arrays through the fitted estimators) gives exactly the figures
and words of the frame path a large batch takes, for every model kind."""

import io

import joblib
import numpy as np
import pandas as pd
import pytest

from scoring.engine import scorer as scorer_module
from scoring.engine.dataset import apply_missing_values, coerce_columns, coerce_features
from scoring.engine.thresholds import tier_cutoffs

from .engine_fixtures import prepared
from .scorer_fixtures import scorer_of

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


@pytest.fixture(scope="module")
def leads():
    raw, _, y, _ = prepared()
    return raw, y


def _frame_path(scorer, frame, **kwargs):
    """Force the frame (batch) path whatever the size."""
    small = scorer_module.SMALL_ROWS
    scorer_module.SMALL_ROWS = 0
    try:
        return scorer.score(frame, **kwargs)
    finally:
        scorer_module.SMALL_ROWS = small


def _equal(actual, desired, exact=True):
    # A network's matrix products may round the last bit differently with the number of rows predicted
    # together (the frame path predicts the swapped copies apart from the leads): 1e-9 points there.
    if exact:
        np.testing.assert_array_equal(actual, desired)
    else:
        np.testing.assert_allclose(actual, desired, rtol=0, atol=1e-9)


def _assert_same(fast, slow, exact=True):
    _equal(fast.score, slow.score, exact)
    _equal(fast.probability, slow.probability, exact)
    _equal(fast.subtotal_values, slow.subtotal_values, exact)
    np.testing.assert_array_equal(fast.confidence, slow.confidence)
    np.testing.assert_array_equal(fast.abstain, slow.abstain)
    if slow.contributions is None:
        assert fast.contributions is None
    else:
        _equal(fast.contributions, slow.contributions, exact)
    if slow.tier is None:
        assert fast.tier is None
    else:
        assert fast.tier.tolist() == slow.tier.tolist()
    pd.testing.assert_frame_equal(fast.to_frame(), slow.to_frame(), check_exact=True)


@pytest.mark.parametrize("kind", KINDS)
def test_single_leads_score_exactly_as_the_batch_path(kind, leads):
    raw, y = leads
    scorer, exact = scorer_of(kind), kind != "neural_network"
    scorer.cutoffs = tier_cutoffs(_frame_path(scorer, raw).score, y)
    try:
        for data in (raw, _messy(raw), raw.drop(columns=[raw.columns[1]])):
            batch = _frame_path(scorer, data.head(80))
            for i in range(0, 80, 3):
                single = scorer.score(data.iloc[[i]])
                assert isinstance(single.features, dict)  # the array path ran
                one = _frame_path(scorer, data.iloc[[i]])
                _assert_same(single, one, exact)
                _equal(single.score[0], batch.score[i], exact)
                assert single.tier[0] == batch.tier[i]
                _equal(single.subtotal_values[0], batch.subtotal_values[i], exact)
                assert single.top_factors(0) == batch.top_factors(i)
                assert single.missing_signals(0) == batch.missing_signals(i)
                assert single.explanation(0) == batch.explanation(i)
    finally:
        scorer.cutoffs = None


@pytest.mark.parametrize("kind", KINDS)
def test_small_batches_and_unexplained_scores_match_the_frame_path(kind, leads):
    raw, _ = leads
    scorer = scorer_of(kind)
    frame = _messy(raw).head(40)
    _assert_same(scorer.score(frame), _frame_path(scorer, frame))
    _assert_same(scorer.score(frame, explain_scores=False), _frame_path(scorer, frame, explain_scores=False))
    previous = np.array(["Hot", "Cold"] * 20, dtype=object)
    scorer.cutoffs = tier_cutoffs(_frame_path(scorer, raw).score, leads[1])
    try:
        fast = scorer.score(frame, previous_tiers=previous)
        slow = _frame_path(scorer, frame, previous_tiers=previous)
        assert fast.tier.tolist() == slow.tier.tolist()
    finally:
        scorer.cutoffs = None


def test_coerce_columns_matches_the_frame_coercion(leads):
    raw, _ = leads
    _, _, _, types = prepared()
    messy = _messy(raw).head(30)
    columns = coerce_columns(messy, types, ("Select", ""))
    frame = coerce_features(apply_missing_values(messy, ("Select", "")), types)
    assert list(columns) == list(frame.columns)
    for column in frame.columns:
        expected = frame[column].to_numpy()
        assert columns[column].dtype == expected.dtype
        assert pd.isna(columns[column]).tolist() == pd.isna(expected).tolist()
        present = ~pd.isna(expected)
        assert columns[column][present].tolist() == expected[present].tolist()


def test_the_cached_plan_is_not_stored_with_the_artifact(leads):
    raw, _ = leads
    scorer = scorer_of("random_forest")
    scorer.score(raw.head(1))
    buffer = io.BytesIO()
    joblib.dump(scorer, buffer)
    restored = joblib.load(io.BytesIO(buffer.getvalue()))
    assert "_cached_plan" not in restored.__dict__
    assert "_array_path" not in restored.model.__dict__
    np.testing.assert_array_equal(restored.score(raw.head(3)).score, scorer.score(raw.head(3)).score)
