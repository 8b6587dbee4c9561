"""Holdout validation of a scoring model: does it beat the base rate, and by how much?

Every figure here is measured on leads the model never saw while fitting (the holdout from
`holdout_split`). Probability-based figures (AUC, PR AUC, Brier, log loss, calibration) use the
calibrated win probability; rank- and tier-based figures (precision / recall / F1 per tier,
confusion matrices, lift by decile, Spearman, KS) use the 0-100 score, because that is what reps
and the tier cut-offs act on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score
from sklearn.model_selection import train_test_split

from .contracts import Metrics, jsonable
from .thresholds import Cutoffs, wilson_interval


@dataclass
class Targets:
    """Minimum acceptable holdout figures; a gate passes when the value reaches its target.

    auc: ROC AUC of the probability. accuracy: share correct when "predicted won" means
    probability >= 0.5. hot_precision / hot_recall: at the Hot threshold. f1: at the Warm threshold
    (Hot + Warm is the sales-ready set). spearman: rank correlation of score and outcome.
    """

    auc: float = 0.70
    accuracy: float = 0.70
    hot_precision: float = 0.60
    hot_recall: float = 0.50
    f1: float = 0.55
    spearman: float = 0.40


# The verdict, one of four (metrics.json `verdict`): only `deployable` goes live without a person's say.
DEPLOYABLE = "deployable"
MISSES_TARGETS = "misses_targets"
NO_SIGNAL = "no_better_than_base_rate"
TOO_GOOD = "too_good_to_be_true"
VERDICTS = (DEPLOYABLE, MISSES_TARGETS, NO_SIGNAL, TOO_GOOD)
# Honest pre-contact lead signals do not reach these on a holdout; a column filled in after the outcome does.
TOO_GOOD_AUC = 0.97
TOO_GOOD_BRIER_SKILL = 0.9

# The validation record is the engine's Metrics contract; the old name stays importable.
Validation = Metrics


def holdout_split(
    frame: pd.DataFrame,
    y,
    *,
    method: str = "random",
    holdout: float = 0.3,
    seed: int = 42,
    date=None,
) -> tuple[pd.Index, pd.Index]:
    """Split closed leads into a training part and a holdout never used for fitting.

    frame: shape (n, k), one row per closed lead. y: shape (n,), the outcome (1 won, 0 lost).
    method "random": stratified on y with sklearn's train_test_split(test_size=holdout,
      random_state=seed), so it reproduces the reference split of `train_test_split(X, y, ...)`.
    method "time": the latest `holdout` share of rows by `date` (a column name of frame, or an array
      of shape (n,)) form the holdout, as when a model trained on the past scores the future. Rows
      without a date count as the oldest: they can train, but never stand in for the future.
    holdout: share of rows in the holdout (0-1); the holdout has ceil(holdout * n) rows, as in sklearn.
    Returns (train_index, test_index): labels of frame.index.
    """
    if not 0.0 < holdout < 1.0:
        raise ValueError(f"holdout must be a share between 0 and 1, got {holdout}")
    outcome = np.asarray(y).reshape(-1)
    if outcome.size != len(frame):
        raise ValueError(f"y has {outcome.size} values for {len(frame)} rows")
    if method == "random":
        positions = np.arange(len(frame))
        train_pos, test_pos = train_test_split(
            positions, test_size=holdout, stratify=outcome, random_state=seed
        )
    elif method == "time":
        if date is None:
            raise ValueError("a time split needs a date (column name or array)")
        dates = frame[date] if isinstance(date, str) else date
        when = pd.to_datetime(pd.Series(np.asarray(dates)), errors="coerce")
        if when.isna().all():
            raise ValueError("a time split needs dates, and none could be read")
        n_test = math.ceil(holdout * len(frame))
        # A stable sort keeps the file order among leads closed on the same date.
        order = np.argsort(when.fillna(pd.Timestamp.min).to_numpy(), kind="stable")
        train_pos, test_pos = order[: len(frame) - n_test], order[len(frame) - n_test :]
    else:
        raise ValueError(f"unknown split method {method!r}: use 'random' or 'time'")
    return frame.index[np.asarray(train_pos)], frame.index[np.asarray(test_pos)]


def validate(
    y_true,
    probability,
    scores,
    cutoffs: Cutoffs,
    *,
    targets: Targets | None = None,
    seed: int = 42,
    n_boot: int = 1000,
    n_calibration_bins: int = 10,
) -> Validation:
    """Holdout figures, target gates and a plain verdict.

    y_true: shape (n,), 1 won / 0 lost. probability: shape (n,), calibrated win probability 0-1
    (None when the model gives none: AUC is then taken on the score and Brier / log loss /
    calibration are not available). scores: shape (n,), 0-100. cutoffs: the tier bounds.
    n_boot: bootstrap resamples for the 95 % AUC interval (0 to skip).
    """
    targets = targets or Targets()
    outcome = np.asarray(y_true).astype(int).reshape(-1)
    score = np.asarray(scores, dtype=float).reshape(-1)
    prob = None if probability is None else np.clip(np.asarray(probability, dtype=float).reshape(-1), 0, 1)
    if score.size != outcome.size or (prob is not None and prob.size != outcome.size):
        raise ValueError("y_true, probability and scores must have the same length")
    if np.isnan(score).any() or (prob is not None and np.isnan(prob).any()):
        raise ValueError("validation needs a score (and probability) for every holdout lead")

    n, n_won = outcome.size, int(outcome.sum())
    base_rate = n_won / n if n else float("nan")
    two_classes = 0 < n_won < n
    ranking = prob if prob is not None else score

    auc = float(roc_auc_score(outcome, ranking)) if two_classes else None
    auc_ci = bootstrap_auc_ci(outcome, ranking, n_boot=n_boot, seed=seed) if two_classes else (None, None)
    pr_auc = float(average_precision_score(outcome, ranking)) if two_classes else None
    # The constant forecast that always says "base rate" scores p(1-p): the bar any model must clear.
    brier_constant = base_rate * (1 - base_rate)
    brier = float(brier_score_loss(outcome, prob)) if prob is not None else None
    brier_skill = 1 - brier / brier_constant if brier is not None and brier_constant > 0 else None
    loss = (
        float(log_loss(outcome, np.clip(prob, 1e-15, 1 - 1e-15), labels=[0, 1])) if prob is not None else None
    )
    if prob is not None:
        accuracy = float(np.mean((prob >= 0.5) == outcome))
    else:
        accuracy = float(np.mean((score >= cutoffs.warm) == outcome))

    tiers, confusion = {}, {}
    for key, bound in zip(("hot", "warm", "cool"), cutoffs.bounds, strict=True):
        tiers[key] = threshold_figures(outcome, score >= bound)
        tiers[key]["threshold"] = bound
        tiers[key]["name"] = cutoffs.names[("hot", "warm", "cool").index(key)]
    for key in ("hot", "warm"):
        figures = tiers[key]
        confusion[key] = {name: figures[name] for name in ("tp", "fp", "fn", "tn")} | {
            "threshold": figures["threshold"]
        }

    if two_classes and np.ptp(score) > 0:
        rho, rho_p = stats.spearmanr(score, outcome)
        spearman, spearman_p = float(rho), float(rho_p)
    else:
        spearman, spearman_p = None, None
    deciles = lift_by_decile(outcome, score)
    lift_top = deciles[0]["lift"] if deciles else None
    calibration = calibration_table(outcome, prob, n_bins=n_calibration_bins) if prob is not None else []
    by_decile = calibration_by_decile(outcome, prob) if prob is not None else []
    calibration_max_gap = max((abs(row["gap"]) for row in by_decile), default=None)
    ece = sum(row["n"] * abs(row["gap"]) for row in by_decile) / n if by_decile else None
    ks, ks_score = ks_statistic(outcome, score) if two_classes else (None, None)

    values = {
        "auc": auc,
        "accuracy": accuracy,
        "hot_precision": tiers["hot"]["precision"],
        "hot_recall": tiers["hot"]["recall"],
        "f1": tiers["warm"]["f1"],
        "spearman": spearman,
    }
    gates = {
        name: {
            "value": value,
            "target": getattr(targets, name),
            "passed": value is not None and not math.isnan(value) and value >= getattr(targets, name),
        }
        for name, value in values.items()
    }
    # Hot recall cannot exceed (share of leads in Hot) / (base rate): with a 10 % Hot tier and a 40 %
    # base rate at most a quarter of the wins fit in Hot, whatever the model. Say so next to the gate.
    hot_share = tiers["hot"]["share_flagged"]
    if hot_share is not None and base_rate > 0:
        gates["hot_recall"]["ceiling"] = min(1.0, hot_share / base_rate)
    passed = all(gate["passed"] for gate in gates.values())
    code, verdict = _verdict(auc, auc_ci, brier, brier_constant, base_rate, gates, passed, prob is not None)
    if code in (DEPLOYABLE, MISSES_TARGETS) and (
        auc >= TOO_GOOD_AUC or (brier_skill is not None and brier_skill >= TOO_GOOD_BRIER_SKILL)
    ):
        code = TOO_GOOD
        verdict = (
            f"Too good to be true: a holdout AUC of {auc:.3f}"
            + (f" and a Brier skill of {brier_skill:.2f}" if brier_skill is not None else "")
            + " is what a column recorded after the outcome produces, not what an honest lead signal does. "
            "It is treated as leakage until a person confirms the columns that carry it. "
            f"The figures otherwise: {verdict}"
        )
    return Metrics(
        n=n,
        n_won=n_won,
        base_rate=base_rate,
        auc=auc,
        auc_ci=auc_ci,
        pr_auc=pr_auc,
        brier=brier,
        brier_constant=brier_constant,
        brier_skill=brier_skill,
        log_loss=loss,
        accuracy=accuracy,
        tiers=tiers,
        confusion=confusion,
        spearman=spearman,
        spearman_p=spearman_p,
        lift_by_decile=deciles,
        lift_top_decile=lift_top,
        calibration=calibration,
        calibration_by_decile=by_decile,
        calibration_max_gap=calibration_max_gap,
        ece=ece,
        ks=ks,
        ks_score=ks_score,
        gates=gates,
        passed=passed,
        verdict=code,
        verdict_text=verdict,
        better_than_base_rate=code != NO_SIGNAL,
        n_boot=n_boot if two_classes else 0,
    )


def threshold_figures(y_true: np.ndarray, predicted_won: np.ndarray) -> dict:
    """Confusion counts and precision / recall / F1 / accuracy for one decision rule.

    y_true, predicted_won: shape (n,), booleans or 0/1. Precision is None when nobody is flagged.
    """
    actual = np.asarray(y_true).astype(bool)
    flagged = np.asarray(predicted_won).astype(bool)
    tp = int(np.sum(flagged & actual))
    fp = int(np.sum(flagged & ~actual))
    fn = int(np.sum(~flagged & actual))
    tn = int(np.sum(~flagged & ~actual))
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "n_flagged": tp + fp,
        "share_flagged": (tp + fp) / actual.size if actual.size else None,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "accuracy": (tp + tn) / actual.size if actual.size else None,
    }


def bootstrap_auc_ci(
    y_true: np.ndarray, ranking: np.ndarray, *, n_boot: int = 1000, seed: int = 42, level: float = 0.95
) -> tuple[float | None, float | None]:
    """Percentile bootstrap interval for ROC AUC (resampling leads with replacement).

    y_true: shape (n,), 0/1; ranking: shape (n,), probability or score. Returns (low, high), or
    (None, None) when n_boot is 0.
    """
    if n_boot <= 0:
        return None, None
    outcome = np.asarray(y_true).astype(bool)
    values = np.asarray(ranking, dtype=float)
    n = outcome.size
    # AUC is the Mann-Whitney statistic: with leads sorted by score and grouped by tied value, each
    # resample is a vector of counts, and its AUC a weighted sum: no per-resample sort needed.
    order = np.argsort(values, kind="stable")
    sorted_values, sorted_won = values[order], outcome[order]
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    rng = np.random.default_rng(seed)
    aucs = []
    chunk = max(1, min(n_boot, 4_000_000 // max(n, 1)))
    done = 0
    while done < n_boot:
        size = min(chunk, n_boot - done)
        draws = rng.integers(0, n, size=(size, n)) + (np.arange(size) * n)[:, None]
        counts = np.bincount(draws.reshape(-1), minlength=size * n).reshape(size, n)[:, order]
        won_counts = np.add.reduceat(counts * sorted_won, starts, axis=1).astype(float)
        lost_counts = np.add.reduceat(counts * ~sorted_won, starts, axis=1).astype(float)
        lost_below = np.cumsum(lost_counts, axis=1) - lost_counts
        pairs = won_counts.sum(axis=1) * lost_counts.sum(axis=1)
        wins = (won_counts * (lost_below + 0.5 * lost_counts)).sum(axis=1)
        valid = pairs > 0
        aucs.append(wins[valid] / pairs[valid])
        done += size
    samples = np.concatenate(aucs)
    if samples.size == 0:
        return None, None
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail])
    return float(low), float(high)


def lift_by_decile(y_true: np.ndarray, scores: np.ndarray, n_groups: int = 10) -> list[dict]:
    """Win rate and lift per score decile, top decile first.

    y_true, scores: shape (n,). Leads are ranked by score (ties by input order) and cut into
    `n_groups` groups of near-equal size. Each row: decile (1 = top), n, won, win_rate, lift (win rate
    / base rate), cumulative share of wins captured (gain), and the decile's score range.
    """
    outcome = np.asarray(y_true).astype(int)
    values = np.asarray(scores, dtype=float)
    n = outcome.size
    if n == 0:
        return []
    base_rate = outcome.mean()
    order = np.argsort(-values, kind="stable")
    groups = np.array_split(order, min(n_groups, n))
    total_won = outcome.sum()
    rows, captured = [], 0
    for number, members in enumerate(groups, start=1):
        won = int(outcome[members].sum())
        captured += won
        win_rate = won / members.size
        rows.append(
            {
                "decile": number,
                "n": int(members.size),
                "won": won,
                "win_rate": win_rate,
                "lift": win_rate / base_rate if base_rate > 0 else None,
                "cumulative_gain": captured / total_won if total_won else None,
                "score_min": float(values[members].min()),
                "score_max": float(values[members].max()),
            }
        )
    return jsonable(rows)


def calibration_table(y_true: np.ndarray, probability: np.ndarray, n_bins: int = 10) -> list[dict]:
    """Predicted vs observed win rate in equal-width probability bins (empty bins left out).

    y_true, probability: shape (n,). Each row: bin range (low, high), n, mean predicted, observed win
    rate with its Wilson 95 % interval, and the gap (observed - predicted).
    """
    outcome = np.asarray(y_true).astype(int)
    prob = np.asarray(probability, dtype=float)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # The top edge is inclusive so a probability of exactly 1.0 lands in the last bin.
    which = np.clip(np.digitize(prob, edges[1:-1], right=False), 0, n_bins - 1)
    rows = []
    for position in range(n_bins):
        members = which == position
        count = int(members.sum())
        if not count:
            continue
        won = int(outcome[members].sum())
        predicted, observed = float(prob[members].mean()), won / count
        ci_low, ci_high = wilson_interval(won, count)
        rows.append(
            {
                "low": float(edges[position]),
                "high": float(edges[position + 1]),
                "n": count,
                "won": won,
                "predicted": predicted,
                "observed": observed,
                "ci_low": ci_low,
                "ci_high": ci_high,
                "gap": observed - predicted,
            }
        )
    return jsonable(rows)


def calibration_by_decile(y_true: np.ndarray, probability: np.ndarray, n_groups: int = 10) -> list[dict]:
    """Predicted vs observed win rate in ten equal-count groups of leads ranked by probability.

    y_true, probability: shape (n,). Each row: decile (1 = lowest probability), n, predicted (mean
    probability), observed (win rate) and gap (observed - predicted). `calibration_max_gap` is the largest
    |gap|, `ece` (expected calibration error) the n-weighted mean |gap|: both fractions, 0.03 is 3 points.
    """
    outcome = np.asarray(y_true).astype(int)
    prob = np.asarray(probability, dtype=float)
    if not outcome.size:
        return []
    order = np.argsort(prob, kind="stable")
    rows = []
    for number, members in enumerate(np.array_split(order, min(n_groups, outcome.size)), start=1):
        predicted, observed = float(prob[members].mean()), float(outcome[members].mean())
        rows.append(
            {
                "decile": number,
                "n": int(members.size),
                "predicted": predicted,
                "observed": observed,
                "gap": observed - predicted,
            }
        )
    return jsonable(rows)


def ks_statistic(y_true: np.ndarray, scores: np.ndarray) -> tuple[float, float]:
    """Kolmogorov-Smirnov distance between won and lost score distributions (0-1), and the score
    at which it is reached (the best single separating threshold: predicted won at or above it)."""
    outcome = np.asarray(y_true).astype(bool)
    values = np.asarray(scores, dtype=float)
    candidates = np.unique(values)
    won_sorted, lost_sorted = np.sort(values[outcome]), np.sort(values[~outcome])
    tpr = (won_sorted.size - np.searchsorted(won_sorted, candidates, side="left")) / won_sorted.size
    fpr = (lost_sorted.size - np.searchsorted(lost_sorted, candidates, side="left")) / lost_sorted.size
    best = int(np.argmax(tpr - fpr))
    return float(tpr[best] - fpr[best]), float(candidates[best])


def error_cases(
    frame: pd.DataFrame,
    y_true,
    scores,
    *,
    k: int = 10,
    explanations=None,
    id_column: str | None = None,
) -> dict:
    """The holdout leads the model got most wrong, for the false positive / negative analysis.

    frame: shape (n, m), the holdout rows (same order as y_true and scores). y_true: shape (n,).
    scores: shape (n,), 0-100. k: leads per list.
    explanations: what drove each lead's score, aligned with frame: a Series / list (by position),
      or a dict keyed by frame.index label; each item is kept as given (e.g. a list of factor dicts
      {"label": ..., "points": ...} or strings).
    id_column: column holding the lead id; frame.index labels are used when None.
    Returns {"false_positives": [...], "false_negatives": [...]}: false positives are the
    highest-scored lost leads, false negatives the lowest-scored won leads; each item holds
    id, score, won, and drivers (when explanations are given).
    """
    outcome = np.asarray(y_true).astype(bool).reshape(-1)
    values = np.asarray(scores, dtype=float).reshape(-1)
    if outcome.size != len(frame) or values.size != len(frame):
        raise ValueError("frame, y_true and scores must have the same number of rows")
    ids = frame[id_column].to_numpy() if id_column else frame.index.to_numpy()
    drivers = _aligned_explanations(frame, explanations)

    def pick(mask: np.ndarray, highest: bool) -> list[dict]:
        positions = np.flatnonzero(mask & ~np.isnan(values))
        ranked = positions[np.argsort(-values[positions] if highest else values[positions], kind="stable")]
        items = []
        for position in ranked[:k]:
            item = {"id": ids[position], "score": values[position], "won": bool(outcome[position])}
            if drivers is not None:
                item["drivers"] = drivers[position]
            items.append(item)
        return items

    return jsonable(
        {
            "false_positives": pick(~outcome, highest=True),
            "false_negatives": pick(outcome, highest=False),
        }
    )


def _aligned_explanations(frame: pd.DataFrame, explanations) -> list | None:
    if explanations is None:
        return None
    if isinstance(explanations, dict):
        return [explanations.get(label) for label in frame.index]
    if isinstance(explanations, pd.DataFrame):
        return [row.dropna().to_dict() for _, row in explanations.iterrows()]
    items = list(explanations.tolist() if isinstance(explanations, pd.Series | np.ndarray) else explanations)
    if len(items) != len(frame):
        raise ValueError(f"explanations has {len(items)} items for {len(frame)} rows")
    return items


def _auc_interval_words(auc: float, low: float | None, high: float | None) -> tuple[str, bool]:
    """How the AUC's 95 % interval stands to 0.5, in words, and whether it shows a signal at all."""
    if low is None or high is None:
        if auc <= 0.5:
            return f"its AUC is {auc:.3f}, no better than a coin toss", False
        return f"AUC {auc:.3f} (no interval computed)", True
    interval = f"the 95 % interval of its AUC ({low:.3f}-{high:.3f})"
    if high < 0.5:
        return (
            f"{interval} lies entirely below 0.5: worse than a coin toss, so the signal is inverted or noise",
            False,
        )
    if low <= 0.5:
        return f"{interval} includes 0.5, a coin toss", False
    return f"AUC {auc:.3f} (95 % CI {low:.3f}-{high:.3f}, entirely above 0.5)", True


def _verdict(
    auc, auc_ci, brier, brier_constant, base_rate, gates, passed, has_probability
) -> tuple[str, str]:
    """(verdict code, verdict in words)."""
    if auc is None:
        return NO_SIGNAL, (
            "The model cannot be validated: the holdout holds only one outcome "
            f"(win rate {base_rate:.1%}), so it is no better than the base rate as far as we can tell."
        )
    reasons = []
    words, signal = _auc_interval_words(auc, auc_ci[0], auc_ci[1])
    if not signal:
        reasons.append(words)
    brier_loses = has_probability and brier is not None and brier >= brier_constant
    brier_words = (
        f"its Brier score {brier:.4f} is no better than {brier_constant:.4f}, "
        f"the score of always predicting the base rate of {base_rate:.1%}"
    )
    if reasons:
        if brier_loses:
            reasons.append(brier_words)
        return NO_SIGNAL, (
            "The model is no better than the base rate: "
            + "; and ".join(reasons)
            + ". Tiers are withheld: every lead is unscored until the history holds a signal."
        )
    if brier_loses:
        # It ranks leads better than chance, but its probabilities are worse than the base rate's.
        return MISSES_TARGETS, (
            f"The model ranks leads better than a coin toss ({words}), but {brier_words}: its win "
            "probabilities are not to be trusted, only its order."
        )
    summary = words
    if brier is not None:
        summary += f", Brier {brier:.4f} against {brier_constant:.4f} for the base rate"
    if passed:
        return DEPLOYABLE, f"The model beats the base rate and passes every target: {summary}."
    missed = ", ".join(_missed(name, gate) for name, gate in gates.items() if not gate["passed"])
    return MISSES_TARGETS, f"The model beats the base rate ({summary}) but misses targets: {missed}."


def _missed(name: str, gate: dict) -> str:
    text = f"{name} {_fmt(gate['value'])} < {gate['target']:.2f}"
    ceiling = gate.get("ceiling")
    if ceiling is not None and ceiling < gate["target"]:
        text += f" (the Hot tier's size caps it at {ceiling:.2f})"
    return text


def _fmt(value) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.3f}"


__all__ = [
    "DEPLOYABLE",
    "MISSES_TARGETS",
    "NO_SIGNAL",
    "TOO_GOOD",
    "VERDICTS",
    "Targets",
    "calibration_by_decile",
    "Validation",
    "bootstrap_auc_ci",
    "calibration_table",
    "error_cases",
    "holdout_split",
    "ks_statistic",
    "lift_by_decile",
    "threshold_figures",
    "validate",
]
