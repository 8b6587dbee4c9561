import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from scoring.engine.learners import (
    LEARNERS,
    Guardrail,
    HybridLearner,
    InsufficientHistory,
    Learner,
    derive_guardrails,
)

from .engine_fixtures import prepared


@pytest.mark.parametrize("kind", LEARNERS)
def test_each_learner_is_calibrated_and_ranks(kind):
    _, X, y, _ = prepared()
    train, test = np.arange(0, 560), np.arange(560, 800)
    learner = Learner(kind, seed=1).fit(X.iloc[train], y[train])
    proba = learner.predict_proba(X.iloc[test])
    assert proba.shape == (240, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    probability = proba[:, 1]
    assert ((probability >= 0) & (probability <= 1)).all()
    assert roc_auc_score(y[test], probability) > 0.68  # the true process reaches about 0.74 here
    assert abs(probability.mean() - y[train].mean()) < 0.05  # calibrated to the base rate it learned
    assert learner.to_dict()["kind"] == kind
    assert learner.get_params() == {
        "kind": kind,
        "seed": 1,
        "calibration_folds": 3,
        "ensemble": False,
        "n_jobs": 1,
        "calibration": "auto",
    }


def test_fewer_than_50_closed_deals_are_refused_with_the_reason():
    _, X, y, _ = prepared()
    with pytest.raises(InsufficientHistory, match="only 49 closed deals"):
        Learner("logistic_regression").fit(X.head(49), y[:49])


def test_one_class_is_refused():
    _, X, y, _ = prepared()
    with pytest.raises(InsufficientHistory, match="0 won"):
        Learner("gradient_boosting").fit(X.head(100), np.zeros(100, dtype=int))


def test_hybrid_guardrails_cap_matching_leads():
    _, X, y, _ = prepared()
    learner = Learner("logistic_regression").fit(X, y)
    rule = Guardrail("role", "==", "student", cap=0.05, reason="students cannot buy")
    hybrid = HybridLearner(Learner("logistic_regression"), [rule]).fit(X, y)
    probability = hybrid.predict_proba(X)[:, 1]
    students = (X["role"] == "student").to_numpy()
    assert (probability[students] <= 0.05).all()
    np.testing.assert_allclose(probability[~students], learner.predict_proba(X)[~students, 1])
    # A scikit-learn classifier: cloned unfitted with the same configuration, 0/1 predictions, accuracy.
    copy = clone(hybrid)
    assert copy.get_params()["guardrails"] == [rule] and not hasattr(copy, "learner_")
    assert set(np.unique(hybrid.predict(X))) <= {0, 1}
    assert hybrid.score(X, y) == np.mean(hybrid.predict(X) == y)


def test_guardrails_derived_from_history_disqualify_levels_that_never_win():
    frame = pd.DataFrame({"segment": ["dead"] * 80 + ["alive"] * 80})
    y = np.r_[np.zeros(80, dtype=int), np.ones(40, dtype=int), np.zeros(40, dtype=int)]
    rules = derive_guardrails(frame, y, max_win_rate=0.06)
    assert [(r.column, r.value) for r in rules] == [("segment", "dead")]
    assert rules[0].cap < 0.06 and "0 of 80" in rules[0].reason
