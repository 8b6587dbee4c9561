"""Two model versions side by side: metrics, tier shares, lift by decile and signal weights."""

from __future__ import annotations

from .models import ScoringModel

METRICS = (
    ("auc", "ROC AUC"),
    ("pr_auc", "PR AUC"),
    ("brier", "Brier"),
    ("brier_constant", "Brier (base rate)"),
    ("log_loss", "Log loss"),
    ("accuracy", "Accuracy"),
    ("spearman", "Spearman"),
    ("ks", "KS"),
    ("lift_top_decile", "Lift, top decile"),
    ("n_train", "Training rows"),
    ("n_test", "Holdout rows"),
)


def _tier_shares(model: ScoringModel) -> dict[str, dict]:
    return {row.get("name"): row for row in (model.thresholds or {}).get("expected", [])}


def models_compare(*, first: ScoringModel, second: ScoringModel) -> dict:
    """A plain dict the admin and the settings page render."""
    metrics = [
        {"label": label, "first": (first.metrics or {}).get(key), "second": (second.metrics or {}).get(key)}
        for key, label in METRICS
    ]
    tiers_first, tiers_second = _tier_shares(first), _tier_shares(second)
    tiers = [
        {"name": name, "first": tiers_first.get(name, {}), "second": tiers_second.get(name, {})}
        for name in dict.fromkeys([*tiers_first, *tiers_second])
    ]
    deciles_first = (first.metrics or {}).get("lift_by_decile") or []
    deciles_second = (second.metrics or {}).get("lift_by_decile") or []
    deciles = [
        {
            "decile": index + 1,
            "first": (deciles_first[index] if index < len(deciles_first) else {}).get("lift"),
            "second": (deciles_second[index] if index < len(deciles_second) else {}).get("lift"),
        }
        for index in range(max(len(deciles_first), len(deciles_second)))
    ]
    weights_first = {
        w.get("signal"): w.get("weight") for w in (first.metrics or {}).get("signal_weights", [])
    }
    weights_second = {
        w.get("signal"): w.get("weight") for w in (second.metrics or {}).get("signal_weights", [])
    }
    signals = [
        {"signal": name, "first": weights_first.get(name), "second": weights_second.get(name)}
        for name in sorted(set(weights_first) | set(weights_second), key=str)
    ]
    return {
        "first": first,
        "second": second,
        "metrics": metrics,
        "tiers": tiers,
        "deciles": deciles,
        "signals": signals,
    }
