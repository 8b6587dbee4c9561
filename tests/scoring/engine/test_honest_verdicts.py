"""Verdicts that say what the figures say, and leakage screened from the data before any fit."""

import numpy as np
import pandas as pd

from scoring.engine.pipeline import UNSCORED, build_model

from .synthetic_history import synthetic_history


def test_a_no_signal_history_withholds_tiers_and_says_what_would_help():
    rng = np.random.default_rng(31)
    n = 800
    history = pd.DataFrame(
        {
            "source": rng.choice(["web", "event", "partner"], n),
            "visits": rng.poisson(2, n),
            "size": rng.choice(["S", "M", "L"], n),
            "won": rng.choice(["yes", "no"], n, p=[0.3, 0.7]),
        }
    )
    current = history.drop(columns=["won"]).head(25)
    result = build_model(history, outcome="won", won="yes", model="points", n_boot=300, score_frame=current)
    metrics = result.metrics
    assert metrics["verdict"] == "no_better_than_base_rate"
    assert metrics["tiers_withheld"] is True
    assert set(result.scored["evidence"]) == {UNSCORED} and result.scored["tier"].isna().all()
    assert result.scorer.cutoffs is None
    report = result.report
    assert "Confidence** | none: no signal in the history" in report
    assert "Confidence: adequate" not in report and "| **Confidence** | adequate" not in report
    assert "Tiers are withheld" in report and "What would help" in report
    assert "every one “Unscored: no signal in the history”" in report


def test_a_near_perfect_model_is_too_good_to_be_true_and_names_its_carriers():
    rng = np.random.default_rng(32)
    n = 1200
    # Two columns that each look honest alone (AUC about 0.8, under the single-column screen) but together
    # decide the outcome: only the model's figures give them away.
    first, second = rng.normal(0, 1, n), rng.normal(0, 1, n)
    history = pd.DataFrame(
        {
            "first_touch": first.round(2),
            "second_touch": second.round(2),
            "region": rng.choice(["north", "south"], n),
            "won": np.where(first + second + rng.normal(0, 0.1, n) > 0.8, "yes", "no"),
        }
    )
    result = build_model(history, outcome="won", won="yes", model="logistic_regression", n_boot=100)
    metrics = result.metrics
    assert metrics["leakage_flagged"] == []
    assert metrics["auc"] >= 0.97
    assert metrics["verdict"] == "too_good_to_be_true"
    assert "`first_touch`" in metrics["verdict_text"] and "`second_touch`" in metrics["verdict_text"]
    assert "Too good to be true" in result.report


def test_missingness_that_predicts_the_outcome_is_flagged_and_left_out():
    history = synthetic_history(1000, seed=33)
    won = (history["won"] == "yes").to_numpy()
    # Filled in for (nearly) only the won deals: a median fill would hide this completely.
    history["contract_value"] = np.where(won, np.random.default_rng(33).uniform(1e3, 9e3, 1000), np.nan)
    result = build_model(history, outcome="won", won="yes", model="points", n_boot=0)
    assert "contract_value" in result.metrics["leakage_flagged"]
    assert "contract_value" not in result.metrics["signals"]
    flag = next(f for f in result.audit.leakage if f.column == "contract_value")
    assert "0% won where it is missing" in flag.reason


def test_a_won_only_date_and_a_date_after_close_are_flagged():
    history = synthetic_history(900, seed=34)
    won = (history["won"] == "yes").to_numpy()
    days = pd.to_datetime("2024-01-01") + pd.to_timedelta(np.arange(900) % 300, unit="D")
    history["closed_on"] = days.strftime("%Y-%m-%d")
    history["onboarded_on"] = np.where(won, (days + pd.Timedelta(days=3)).strftime("%Y-%m-%d"), None)
    history["invoice_sent"] = (days + pd.Timedelta(days=10)).strftime("%Y-%m-%d")
    result = build_model(history, outcome="won", won="yes", date_column="closed_on", model="points", n_boot=0)
    reasons = {f.column: f.reason for f in result.audit.leakage}
    assert "filled only for won deals" in reasons["onboarded_on"]
    assert "dated after the deal's close (closed_on)" in reasons["invoice_sent"]


def test_status_values_are_suspected_and_hold_the_verdict_until_cleared():
    history = synthetic_history(1200, seed=35)
    won = (history["won"] == "yes").to_numpy()
    rng = np.random.default_rng(35)
    # Written by reps after contact: leans towards the outcome without being pure.
    history["follow_up"] = np.where(
        rng.random(1200) < np.where(won, 0.7, 0.15), "Will revert after reading the email", "Ringing"
    )
    result = build_model(history, outcome="won", won="yes", model="logistic_regression", n_boot=100)
    assert "follow_up" in result.metrics["leakage_suspected"]
    assert result.metrics["leakage_suspected"]["follow_up"].startswith(
        "suspected: recorded after first contact"
    )
    assert "follow_up" in result.metrics["signals"]  # kept in until a person decides
    assert result.metrics["verdict"] == "too_good_to_be_true"
    cleared = build_model(
        history, outcome="won", won="yes", model="logistic_regression", n_boot=100, keep_leaky=["follow_up"]
    )
    assert cleared.metrics["leakage_suspected"] == {}
    assert cleared.metrics["verdict"] in ("deployable", "misses_targets")


def test_a_column_that_moves_with_the_calendar_is_named_and_the_time_split_shown():
    history = synthetic_history(960, seed=36)
    month = np.arange(960) % 12
    history["closed_on"] = [f"2024-{m + 1:02d}-15" for m in month]
    # Filed like a firmographic, but the same for every lead closed in a month (an economy-wide figure).
    history["market_index"] = 100 + 3 * month + np.random.default_rng(36).normal(0, 0.1, 960)
    history["industry"] = np.random.default_rng(37).choice(["saas", "retail", "health"], 960)
    result = build_model(history, outcome="won", won="yes", date_column="closed_on", model="points", n_boot=0)
    assert set(result.audit.calendar_columns) == {"market_index"}
    assert "of its variance" in result.audit.calendar_columns["market_index"]
    assert any(w.startswith("market_index is nearly a function of the date") for w in result.audit.warnings)
    assert result.metrics["time_split"]["auc"] is not None
    assert "Random split beside a time split" in result.report
