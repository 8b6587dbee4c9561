import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from scoring.engine.thresholds import Cutoffs
from scoring.engine.validation import (
    Targets,
    bootstrap_auc_ci,
    calibration_table,
    error_cases,
    holdout_split,
    lift_by_decile,
    validate,
)

CUTOFFS = Cutoffs(hot=70, warm=50, cool=30)


def test_auc_and_brier_on_a_hand_checkable_example():
    y = np.array([0, 0, 1, 1])
    probability = np.array([0.1, 0.4, 0.35, 0.8])
    result = validate(y, probability, probability * 100, CUTOFFS, n_boot=0)
    # Of the 4 won/lost pairs only (0.35 won, 0.4 lost) is misordered: AUC = 3/4.
    assert result.auc == pytest.approx(0.75)
    # Brier = mean((p - y)^2) = (0.01 + 0.16 + 0.4225 + 0.04) / 4 = 0.158125.
    assert result.brier == pytest.approx(0.158125)
    # Always predicting the base rate 0.5 scores 0.5 * 0.5 = 0.25; skill = 1 - 0.158125 / 0.25.
    assert result.brier_constant == pytest.approx(0.25)
    assert result.brier_skill == pytest.approx(1 - 0.158125 / 0.25)
    # log loss = -mean(log 0.9, log 0.6, log 0.35, log 0.8).
    assert result.log_loss == pytest.approx(-np.mean(np.log([0.9, 0.6, 0.35, 0.8])))
    # Predicted won at p >= 0.5: only 0.8, so three of four are right.
    assert result.accuracy == pytest.approx(0.75)


def test_precision_recall_and_confusion_at_each_tier_threshold():
    y = np.array([1, 1, 0, 1, 0, 0, 1, 0, 0, 0])
    scores = np.array([90, 80, 75, 60, 55, 40, 35, 20, 10, 5], dtype=float)
    result = validate(y, scores / 100, scores, CUTOFFS, n_boot=0)
    # Hot (>= 70): 90, 80, 75 flagged; 2 won of 3 -> precision 2/3; 2 of 4 wins -> recall 1/2.
    hot = result.tiers["hot"]
    assert (hot["tp"], hot["fp"], hot["fn"], hot["tn"]) == (2, 1, 2, 5)
    assert hot["precision"] == pytest.approx(2 / 3)
    assert hot["recall"] == pytest.approx(0.5)
    assert hot["f1"] == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
    # Warm (>= 50): 5 flagged, 3 won -> precision 3/5, recall 3/4.
    assert result.confusion["warm"] == {"tp": 3, "fp": 2, "fn": 1, "tn": 4, "threshold": 50.0}
    # Cool (>= 30): 7 flagged, all 4 wins -> recall 1.
    assert result.tiers["cool"]["recall"] == 1.0


def test_lift_by_decile_on_a_hand_checkable_ranking():
    # 20 leads, 5 won (base rate 0.25); the two top-scored leads both won: top-decile lift 1.0 / 0.25 = 4.
    scores = np.arange(20, 0, -1, dtype=float)
    y = np.zeros(20, dtype=int)
    y[[0, 1, 5, 10, 19]] = 1
    table = lift_by_decile(y, scores)
    assert len(table) == 10 and all(row["n"] == 2 for row in table)
    assert table[0]["lift"] == pytest.approx(4.0)
    # Decile 3 (ranks 5-6) holds one win: 0.5 / 0.25 = 2.
    assert table[2]["lift"] == pytest.approx(2.0)
    assert table[-1]["cumulative_gain"] == pytest.approx(1.0)
    assert validate(y, scores / 21, scores, CUTOFFS, n_boot=0).lift_top_decile == pytest.approx(4.0)


def test_calibration_table_bins_predicted_against_observed():
    # Four leads at p = 0.15 (one won), two at p = 0.85 (both won).
    y = np.array([1, 0, 0, 0, 1, 1])
    probability = np.array([0.15, 0.15, 0.15, 0.15, 0.85, 0.85])
    table = calibration_table(y, probability)
    assert [(row["low"], row["n"], row["won"]) for row in table] == [(0.1, 4, 1), (0.8, 2, 2)]
    assert table[0]["observed"] == pytest.approx(0.25)
    assert table[0]["gap"] == pytest.approx(0.25 - 0.15)


def test_bootstrap_interval_matches_a_plain_resampling_loop():
    rng = np.random.default_rng(3)
    y = rng.random(200) < 0.3
    probability = np.round(rng.random(200) + 0.3 * y, 1)  # rounded: many ties
    low, high = bootstrap_auc_ci(y, probability, n_boot=200, seed=7)
    # Same draws, one resample at a time through sklearn.
    draws = np.random.default_rng(7)
    aucs = []
    for _ in range(200):
        picked = draws.integers(0, 200, 200)
        if 0 < y[picked].sum() < 200:
            aucs.append(roc_auc_score(y[picked], probability[picked]))
    assert (low, high) == pytest.approx(tuple(np.percentile(aucs, [2.5, 97.5])))


def test_random_scores_are_called_no_better_than_the_base_rate():
    rng = np.random.default_rng(4)
    y = rng.random(1000) < 0.3
    probability = rng.random(1000)
    result = validate(y, probability, probability * 100, CUTOFFS, n_boot=300)
    assert result.auc_ci[0] < 0.5 < result.auc_ci[1]
    assert result.brier > result.brier_constant
    assert not result.better_than_base_rate
    assert not result.passed
    assert result.verdict == "no_better_than_base_rate"
    assert "no better than the base rate" in result.verdict_text
    assert "includes 0.5" in result.verdict_text and "Tiers are withheld" in result.verdict_text


def test_an_interval_entirely_below_a_coin_toss_is_worded_as_worse_than_one():
    rng = np.random.default_rng(7)
    y = rng.random(2000) < 0.3
    # Inverted: lost leads score a little higher than won ones.
    probability = np.clip(0.5 - 0.08 * y + rng.normal(0, 0.2, 2000), 0, 1)
    result = validate(y, probability, probability * 100, CUTOFFS, n_boot=300)
    assert result.auc_ci[1] < 0.5
    assert result.verdict == "no_better_than_base_rate"
    assert "lies entirely below 0.5: worse than a coin toss" in result.verdict_text
    assert "includes 0.5" not in result.verdict_text


def test_an_interval_entirely_above_a_coin_toss_says_so():
    rng = np.random.default_rng(8)
    y = rng.random(2000) < 0.3
    probability = np.clip(0.3 + 0.25 * y + rng.normal(0, 0.2, 2000), 0, 1)
    result = validate(y, probability, probability * 100, CUTOFFS, n_boot=300)
    assert result.auc_ci[0] > 0.5
    assert result.verdict in ("deployable", "misses_targets")
    assert "entirely above 0.5" in result.verdict_text


def test_a_near_perfect_model_is_too_good_to_be_true():
    rng = np.random.default_rng(5)
    y = np.r_[np.ones(300), np.zeros(700)]
    probability = np.r_[rng.uniform(0.6, 1, 300), rng.uniform(0, 0.4, 700)]
    result = validate(y, probability, probability * 100, Cutoffs(hot=75, warm=50, cool=20), n_boot=200)
    assert result.auc == 1.0
    assert result.verdict == "too_good_to_be_true"
    assert result.verdict_text.startswith("Too good to be true")


def test_a_strong_model_passes_its_gates():
    # Won leads score 40-100, lost leads 0-60: strong (AUC about 0.94), not perfect.
    rng = np.random.default_rng(5)
    y = np.r_[np.ones(300), np.zeros(700)]
    probability = np.r_[rng.uniform(0.4, 1, 300), rng.uniform(0, 0.6, 700)]
    cutoffs = Cutoffs(hot=60, warm=50, cool=20)
    result = validate(y, probability, probability * 100, cutoffs, n_boot=200)
    assert 0.9 < result.auc < 0.97
    assert result.gates["hot_precision"]["passed"]
    assert result.passed, result.gates
    assert result.verdict == "deployable"
    assert result.verdict_text.startswith("The model beats the base rate and passes every target")


def test_a_missed_target_is_named_in_the_verdict():
    rng = np.random.default_rng(5)
    y = np.r_[np.ones(300), np.zeros(700)]
    probability = np.r_[rng.uniform(0.6, 1, 300), rng.uniform(0, 0.4, 700)]
    result = validate(y, probability, probability * 100, CUTOFFS, targets=Targets(auc=1.01), n_boot=0)
    assert not result.gates["auc"]["passed"]
    assert "misses targets: auc" in result.verdict_text


def test_validation_dict_is_json_safe_and_holds_the_agreed_keys():
    rng = np.random.default_rng(6)
    y = rng.random(300) < 0.4
    probability = np.clip(0.4 + 0.3 * (y - 0.4) + rng.normal(0, 0.2, 300), 0, 1)
    data = json.loads(json.dumps(validate(y, probability, probability * 100, CUTOFFS, n_boot=100).to_dict()))
    for key in (
        "auc", "auc_ci", "pr_auc", "brier", "brier_constant", "brier_skill", "log_loss", "accuracy",
        "tiers", "confusion", "spearman", "lift_by_decile", "lift_top_decile", "calibration", "ks",
        "gates", "passed", "verdict", "verdict_text", "calibration_max_gap", "ece", "precision_hot", "recall_warm", "f1_cool",
    ):  # fmt: skip
        assert key in data, key
    assert set(data["confusion"]) == {"hot", "warm"}
    assert set(data["gates"]) == {"auc", "accuracy", "hot_precision", "hot_recall", "f1", "spearman"}


def test_random_holdout_reproduces_sklearns_stratified_split():
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"x": rng.random(500)}, index=pd.RangeIndex(1000, 1500))
    y = pd.Series((rng.random(500) < 0.385).astype(int), index=frame.index)
    train, test = holdout_split(frame, y, method="random", holdout=0.3, seed=42)
    reference_train, reference_test = train_test_split(frame, y, test_size=0.3, stratify=y, random_state=42)[
        :2
    ]
    assert list(train) == list(reference_train.index)
    assert list(test) == list(reference_test.index)
    # ceil(0.3 * 500) = 150 in the holdout, and the win rate is preserved in both parts.
    assert len(test) == 150
    assert y[test].mean() == pytest.approx(y.mean(), abs=0.01)


def test_time_holdout_puts_the_latest_leads_in_the_test_set():
    dates = pd.date_range("2024-01-01", periods=100, freq="D")
    order = np.random.default_rng(8).permutation(100)
    frame = pd.DataFrame({"closed_on": dates[order]}, index=[f"L{i}" for i in range(100)])
    y = np.arange(100) % 2
    train, test = holdout_split(frame, y, method="time", holdout=0.25, date="closed_on")
    # The latest 25 of 100 days are 2024-03-16 .. 2024-04-09.
    assert len(test) == 25 and len(train) == 75
    assert frame.loc[test, "closed_on"].min() == pd.Timestamp("2024-03-16")
    assert frame.loc[train, "closed_on"].max() < frame.loc[test, "closed_on"].min()


def test_error_cases_list_confident_losses_and_missed_wins_with_their_drivers():
    frame = pd.DataFrame({"lead_id": ["a", "b", "c", "d", "e", "f"]}, index=[10, 11, 12, 13, 14, 15])
    y = np.array([0, 0, 1, 1, 0, 1])
    scores = np.array([95.0, 40.0, 80.0, 12.0, 70.0, 30.0])
    explanations = {10: ["Visited pricing 3 times: +12"], 13: ["No e-mail opens: -8"]}
    cases = error_cases(frame, y, scores, k=2, explanations=explanations, id_column="lead_id")
    # Lost leads by score, highest first: a (95), e (70). Won leads, lowest first: d (12), f (30).
    assert [case["id"] for case in cases["false_positives"]] == ["a", "e"]
    assert [case["id"] for case in cases["false_negatives"]] == ["d", "f"]
    assert cases["false_positives"][0]["drivers"] == ["Visited pricing 3 times: +12"]
    assert cases["false_negatives"][0] == {
        "id": "d",
        "score": 12.0,
        "won": True,
        "drivers": ["No e-mail opens: -8"],
    }
