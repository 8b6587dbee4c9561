import numpy as np
import pandas as pd
import pytest

from scoring.engine.analysis import signal_lift, win_loss_analysis
from scoring.engine.dataset import apply_missing_values, coerce_features, infer_column_types, outcome_labels

from .synthetic_history import synthetic_history


def test_lift_matches_hand_computed_table():
    # 40 of 100 leads with the signal won; 20 of 200 without: base 60/300 = 0.2, lift = 0.40 / 0.20 = 2.0.
    # Pooled z = (0.4 - 0.1) / sqrt(0.2 * 0.8 * (1/100 + 1/200)) = 0.3 / 0.04899 = 6.124 -> p = 9.1e-10.
    table = signal_lift(present_won=40, present_n=100, absent_won=20, absent_n=200)
    assert table.lift == pytest.approx(2.0)
    assert table.z == pytest.approx(6.1237, abs=1e-3)
    assert table.p_value == pytest.approx(9.1e-10, rel=0.05)
    # Wilson 95 % interval of 40/100: 0.3094 to 0.4980.
    assert table.ci_present == pytest.approx((0.3094, 0.4980), abs=1e-3)


def test_no_difference_has_lift_one_and_large_p():
    table = signal_lift(present_won=10, present_n=50, absent_won=20, absent_n=100)
    assert table.lift == pytest.approx(1.0)
    assert table.p_value == pytest.approx(1.0)


def _synthetic():
    history = apply_missing_values(synthetic_history(1200, seed=3), ["Select"])
    y = outcome_labels(history.pop("won")).to_numpy(dtype=int)
    types = {k: v for k, v in infer_column_types(history).items() if k != "lead_id"}
    return coerce_features(history, types), y


def test_analysis_recovers_the_known_process():
    X, y = _synthetic()
    result = win_loss_analysis(X, y)
    assert result.base_rate == pytest.approx(y.mean())
    assert result.ranking.iloc[0]["attribute"] in {"pricing_visits", "source"}
    rows = result.signals.set_index(["attribute", "value"])
    assert rows.loc[("source", "inbound"), "lift"] > 1.1 and rows.loc[("source", "inbound"), "significant"]
    assert rows.loc[("role", "student"), "lift"] < 0.8
    assert "newsletter" in result.non_predictors  # pure noise
    assert "p_adjusted" in result.signals.columns
    assert (result.signals["p_adjusted"] >= result.signals["p_value"] - 1e-12).all()


def test_interactions_and_loss_reasons():
    X, y = _synthetic()
    reasons = pd.Series(np.where(np.arange(len(y)) % 2, "price", "timing"))
    result = win_loss_analysis(X, y, loss_reason=reasons)
    assert {"first", "second", "win_rate", "expected_win_rate", "interaction"} <= set(
        result.interactions.columns
    )
    assert set(result.loss_reasons["reason"]) == {"price", "timing"}
    assert result.loss_reasons["n"].sum() == (y == 0).sum()
    as_dict = result.to_dict()
    assert as_dict["n"] == len(y) and as_dict["signals"]


def test_a_pair_describing_the_same_deals_is_not_an_interaction_and_pairs_are_bh_adjusted():
    rng = np.random.default_rng(41)
    n = 2000
    partner = np.zeros(n, dtype=bool)
    partner[:71] = True
    y = np.where(partner, 1, (rng.random(n) < 0.25).astype(int))
    X = pd.DataFrame(
        {
            # The same 71 deals, named twice: a pair of values that can never "interact".
            "channel": np.where(partner, "partner", rng.choice(["web", "event"], n)),
            "referred_by": np.where(partner, "reseller", rng.choice(["none", "friend"], n)),
            "visits": rng.poisson(2 + 2 * y, n).astype(float),
            "role": rng.choice(["manager", "engineer"], n),
        }
    )
    analysis = win_loss_analysis(X, y)
    pairs = analysis.interactions
    assert not (
        pairs["first"].str.contains("channel = partner")
        & pairs["second"].str.contains("referred_by = reseller")
    ).any()
    assert any("describe the same 71 deals" in note for note in analysis.notes)
    assert (pairs["n"] >= 30).all()
    assert (pairs["expected_win_rate"] < 1).all()
    if len(pairs):
        assert {"p_value", "p_adjusted", "significant"} <= set(pairs.columns)
        assert (pairs["p_adjusted"] >= pairs["p_value"] - 1e-12).all()
