"""Prepared synthetic features shared by the engine tests (module-level cache: fit once per session)."""

from functools import cache

from scoring.engine.dataset import apply_missing_values, coerce_features, infer_column_types, outcome_labels

from .synthetic_history import synthetic_history


@cache
def prepared(n: int = 800, seed: int = 7):
    """(raw frame without the outcome, coerced features, labels (n,), feature types)."""
    history = apply_missing_values(synthetic_history(n, seed=seed), ["Select"])
    y = outcome_labels(history.pop("won")).to_numpy(dtype=int)
    types = {k: v for k, v in infer_column_types(history).items() if k != "lead_id"}
    return history, coerce_features(history, types), y, types
