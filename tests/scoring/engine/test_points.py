import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from scoring.engine.points import Scorecard, WoeBinning, dimension_of

from .engine_fixtures import prepared


@pytest.fixture(scope="module")
def card():
    _, X, y, _ = prepared()
    return Scorecard(cap_share=0.4).fit(X, y)


def test_points_sum_to_the_score(card):
    _, X, y, _ = prepared()
    contributions, _ = card.contributions(X)
    np.testing.assert_allclose(card.base_ + contributions.sum(axis=1), card.score(X), atol=1e-9)


def test_scores_span_0_to_100_and_rank_well(card):
    _, X, y, _ = prepared()
    scores = card.score(X)
    assert scores.min() >= 0 and scores.max() <= 100
    assert roc_auc_score(y, scores) > 0.75


def test_points_follow_the_measured_effect(card):
    table = {(row["signal"], row["bin"]): row["points"] for row in card.to_dict()["signals"]}
    assert table[("source", "inbound")] > 0 > table[("source", "outbound")]
    assert table[("role", "student")] < 0
    assert "newsletter" in card.dropped_  # noise: no points


def test_no_dimension_exceeds_its_cap(card):
    _, X, _, _ = prepared()
    contributions, _ = card.contributions(X)
    for dimension, cap in card.caps_.items():
        members = [j for j, s in enumerate(card.signals_) if card.dimensions_[s] == dimension]
        positive = np.clip(contributions[:, members], 0, None).sum(axis=1)
        assert positive.max() <= cap + 1e-9
    # No dimension may hold more than 40 % of the 0-100 range.
    assert max(card.caps_.values()) <= 40 + 1e-6


def test_a_duplicated_signal_is_counted_once():
    _, X, y, _ = prepared()
    doubled = X.assign(source_copy=X["source"])
    card = Scorecard().fit(doubled, y)
    assert ("source" in card.signals_) != ("source_copy" in card.signals_)
    assert "counted once" in card.dropped_.get("source_copy", card.dropped_.get("source", ""))


def test_probability_is_calibrated_on_the_score(card):
    _, X, y, _ = prepared()
    probability = card.probability(card.score(X))
    assert abs(probability.mean() - y.mean()) < 0.02


def test_woe_binning_handles_unseen_and_missing_values():
    _, X, y, _ = prepared()
    binning = WoeBinning().fit(X, y)
    fresh = X.head(3).copy()
    fresh["source"] = ["trade show", None, "inbound"]
    woe = binning.transform(fresh)
    position = binning.columns_.index("source")
    assert woe[0, position] == woe[1, position]  # an unseen level carries no more evidence than a missing one


def test_dimension_of_follows_the_column_name():
    assert dimension_of("Total Time Spent on Website") == "behavioral"
    assert dimension_of("Lead Source") == "intent"
    assert dimension_of("Country") == "firmographic"
    assert dimension_of("email_open_30d") == "engagement"
    assert dimension_of("Country", {"Country": "intent"}) == "intent"


def test_the_scorecard_is_a_scikit_learn_classifier(card):
    _, X, y, _ = prepared()
    assert card.get_params()["cap_share"] == 0.4
    proba = card.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba[:, 1], card.probability(card.score(X)))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
