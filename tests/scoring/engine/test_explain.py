import numpy as np
import pandas as pd
import pytest

from scoring.engine.explain import (
    _share_remainder,
    linear_contributions,
    replacement_contributions,
    top_indices,
)

from .engine_fixtures import prepared
from .scorer_fixtures import scorer_of


@pytest.mark.parametrize("kind", ["points", "logistic_regression", "random_forest", "hybrid"])
def test_contributions_sum_to_the_score(kind):
    raw, _, _, _ = prepared()
    batch = scorer_of(kind).score(raw.head(200))
    total = batch.base_score + batch.contributions.sum(axis=1)
    if batch.guardrail_points is not None:
        total = total + batch.guardrail_points
    np.testing.assert_allclose(total, batch.score, atol=1e-6)
    # The dimension subtotals are the same points regrouped.
    np.testing.assert_allclose(
        batch.base_score + batch.subtotals.sum(axis=1).to_numpy(), batch.score, atol=1e-6
    )


def test_linear_contributions_are_exact_in_log_odds():
    terms = np.array([[1.0, -0.5], [0.0, 0.0], [-2.0, 0.5]])
    contributions, scores, base = linear_contributions(terms, base_logit=0.0, calibration=(-1.0, 0.0))
    # p = 1 / (1 + exp(-f)): row 0 has f = 0.5 -> 62.246; the average lead (f = 0) scores 50.
    assert base == pytest.approx(50.0)
    assert scores[0] == pytest.approx(62.2459, abs=1e-3)
    assert contributions[0, 0] > 0 > contributions[0, 1]  # each keeps the sign of its log-odds term
    assert contributions[0, 0] / contributions[0, 1] == pytest.approx(-2.0)
    np.testing.assert_allclose(contributions.sum(axis=1), scores - base)


def test_replacement_attribution_finds_the_only_signal_that_matters():
    frame = pd.DataFrame({"a": [0.0, 1.0, 2.0], "b": [5.0, 6.0, 7.0]})
    reference = pd.Series({"a": 0.0, "b": 5.0})

    def predict(rows):  # a probability whose score (x100) is 10 a + 50
        return (10.0 * rows["a"].to_numpy() + 50.0) / 100.0

    contributions, scores, probability = replacement_contributions(predict, frame, reference, base_score=50.0)
    np.testing.assert_allclose(contributions[:, 0], [0.0, 10.0, 20.0])
    np.testing.assert_allclose(contributions[:, 1], 0.0)
    np.testing.assert_allclose(scores, [50.0, 60.0, 70.0])
    np.testing.assert_allclose(probability, [0.5, 0.6, 0.7])


def test_interaction_remainder_is_shared_and_totals_hold():
    raw = np.array([[4.0, -1.0]])
    shared = _share_remainder(raw, np.array([5.0]))
    assert shared.sum() == pytest.approx(5.0)
    assert shared[0, 0] > 4.0


def test_top_indices_skip_factors_below_half_a_point():
    up, down = top_indices(np.array([[3.0, 0.2, -4.0, -0.1]]), 2)
    assert up.tolist() == [[0, -1]] and down.tolist() == [[2, -1]]


def test_factors_in_plain_words_with_points():
    raw, _, _, _ = prepared()
    lead = raw.head(50)
    batch = scorer_of("points").score(lead)
    factors = [f for i in range(len(batch)) for f in batch.top_factors(i)]
    assert any(f.label.startswith("source is ") for f in factors)
    assert any(f.label.startswith("Pricing page visits is ") for f in factors)
    assert all(abs(f.points) >= 0.5 for f in factors)
    text = batch.explanation(int(np.argmax(np.where(batch.abstain, -1, batch.score))))
    assert ": +" in text


def test_missing_signals_say_how_far_they_could_move_the_score():
    raw, _, _, _ = prepared()
    lead = raw.head(1).assign(role="Select", company_size=np.nan)
    missing = scorer_of("random_forest").score(lead).missing_signals(0)
    assert {m.signal for m in missing} == {"role", "company_size"}
    role = next(m for m in missing if m.signal == "role")
    assert role.down <= 0 <= role.up and role.up - role.down > 0


def test_abstains_without_similar_closed_history():
    raw, _, _, _ = prepared()
    lead = raw.head(1).assign(source="trade show", role="astronaut", pricing_visits=40)
    batch = scorer_of("logistic_regression").score(lead)
    assert batch.abstain[0] and batch.support[0] < 10
    assert batch.explanation(0).startswith("insufficient evidence")
    assert batch.to_frame()["evidence"].iloc[0] == "insufficient evidence"


def test_confidence_grows_with_similar_history_and_is_low_on_a_small_history():
    from scoring.engine.explain import confidence_from_support

    support = np.array([0, 30, 200])
    # support / (support + 30): 0, 0.5, 0.87; halved when the whole history has fewer than 200 closed deals.
    np.testing.assert_allclose(confidence_from_support(support, n_closed=5000), [0.0, 0.5, 0.87], atol=1e-3)
    np.testing.assert_allclose(confidence_from_support(support, n_closed=150), [0.0, 0.25, 0.435], atol=1e-3)
