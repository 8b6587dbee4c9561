import numpy as np
import pandas as pd

from scoring.engine.audit import audit_data, sample_confidence, screen_leakage
from scoring.engine.dataset import apply_missing_values, coerce_features, infer_column_types, outcome_labels

from .synthetic_history import synthetic_history


def _prepared(history):
    frame = apply_missing_values(history, ["Select"])
    labels = outcome_labels(frame["won"])
    types = infer_column_types(frame.drop(columns=["won"]))
    features = coerce_features(
        frame[labels.notna().to_numpy()], {k: v for k, v in types.items() if k != "lead_id"}
    )
    return frame, labels, types, features


def test_a_planted_status_column_is_flagged_from_the_data_alone():
    history = synthetic_history(800, seed=1)
    rng = np.random.default_rng(1)
    won = history["won"] == "yes"
    # A "stage" filled in after the outcome: nearly always tells the result, with a little noise.
    history["stage"] = np.where(won, "Closed - paid", "Not interested")
    flip = rng.random(len(history)) < 0.02
    history.loc[flip, "stage"] = "Ringing"
    frame, labels, types, features = _prepared(history)
    flags = screen_leakage(features, labels.dropna().to_numpy(dtype=int))
    assert [flag.column for flag in flags] == ["stage"]
    assert "after the outcome" in flags[0].reason and flags[0].single_column_auc > 0.95


def test_honest_signals_are_not_flagged():
    frame, labels, types, features = _prepared(synthetic_history(800, seed=2))
    assert screen_leakage(features, labels.dropna().to_numpy(dtype=int)) == []


def test_audit_excludes_post_outcome_and_ids_and_reports_quality():
    history = synthetic_history(300, seed=4)
    history.loc[[0, 1], "company_size"] = [-5, 1e7]
    history["rep_notes_status"] = np.where(np.arange(len(history)) % 3, "a", "b")
    history = pd.concat([history, history.iloc[[5]]], ignore_index=True)
    frame, labels, types, features = _prepared(history)
    audit = audit_data(
        frame, labels, types=types, features=features, id_column="lead_id", post_outcome=["rep_notes_status"]
    )
    assert audit.excluded["lead_id"].startswith("an identifier")
    assert "rep_notes_status" in audit.excluded and audit.leakage_flagged == ["rep_notes_status"]
    assert audit.duplicates == {"rows": 1, "ids": 1}
    assert "company_size" in audit.outliers
    assert any("negative" in error for error in audit.errors)
    assert audit.confidence == "adequate"
    assert audit.to_dict()["leakage"][0]["source"] == "mapping"


def test_keep_leaky_keeps_the_column_with_a_warning():
    history = synthetic_history(300, seed=5)
    history["status"] = np.where(history["won"] == "yes", "won it", "lost it")
    frame, labels, types, features = _prepared(history)
    audit = audit_data(frame, labels, types=types, features=features, keep_leaky=["status"])
    assert "status" not in audit.excluded
    assert any("status is kept" in warning for warning in audit.warnings)


def test_sample_size_levels():
    assert sample_confidence(49) == "refuse"
    assert sample_confidence(50) == "low"
    assert sample_confidence(199) == "low"
    assert sample_confidence(200) == "adequate"
