"""Explanations: what pushed each lead's score up and down, in score points that add up.

- Points models: exact, each signal's points after dimension caps.
- Logistic regression: exact in log-odds (coefficient x weight of evidence, centred on the average lead),
  then expressed in score points in proportion, so they add up to score minus the average lead's score.
- Trees and networks: baseline replacement (interventional) attribution: a signal's effect is how much the
  score falls when that signal alone is set to the typical training value; the interaction remainder is
  shared out in proportion to the size of each effect so contributions still add up.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd


def linear_contributions(
    terms: np.ndarray, base_logit: float, calibration: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray, float]:
    """Exact contributions for a calibrated logistic model.

    terms: (n, p) log-odds terms centred on the average lead; calibration (a, b): p = 1 / (1 + exp(a*f + b)).
    Returns (contributions (n, p) in score points, scores (n,) 0-100, base score of the average lead).
    Per row, contributions sum to score - base score; each keeps the sign of its log-odds term.
    """
    a, b = calibration
    logit = base_logit + terms.sum(axis=1)
    scores = 100.0 / (1.0 + np.exp(a * logit + b))
    base_score = float(100.0 / (1.0 + np.exp(a * base_logit + b)))
    total = terms.sum(axis=1)
    # The calibrated probability is monotone in the log-odds, so score - base has the sign of the total:
    # the proportional share keeps every term's sign.
    safe = np.where(np.abs(total) > 1e-12, total, 1.0)
    share = np.where(np.abs(total) > 1e-12, (scores - base_score) / safe, 0.0)
    return terms * share[:, None], scores, base_score


def replacement_contributions(
    predict_proba: Callable[[pd.DataFrame], np.ndarray],
    X: pd.DataFrame,
    reference: pd.Series,
    base_score: float,
    *,
    scale: float = 100.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Baseline-replacement attribution for any model.

    predict_proba: frame -> P(win) (m,); scores are `scale` times it. X: (n, p) leads; reference: the typical
    lead (p values); base_score: the reference's score. Returns (contributions (n, p), scores (n,),
    probability (n,)); per row the contributions sum to score - base_score.
    """
    n = len(X)
    # Only rows whose value differs from the reference can change when it is swapped in, and one
    # prediction call over the leads and all their swapped copies avoids per-call overhead (pipelines,
    # trees): a single lead pays it once.
    columns = {column: X[column].to_numpy() for column in X.columns}
    take, spans, start = [np.arange(n)], [], n
    for j, (column, values) in enumerate(columns.items()):
        ref = reference[column]
        same = pd.isna(values) if pd.isna(ref) else np.asarray(values == ref, dtype=bool)
        rows = np.flatnonzero(~same)
        if rows.size == 0:
            continue
        take.append(rows)
        spans.append((j, column, start, rows))
        start += rows.size
    order = np.concatenate(take)
    stacked = {column: values[order] for column, values in columns.items()}
    for _, column, first, rows in spans:
        stacked[column][first : first + rows.size] = reference[column]
    probability = predict_proba(pd.DataFrame(stacked, columns=X.columns))
    predicted = scale * probability
    scores = predicted[:n]
    raw = np.zeros((n, X.shape[1]))
    for j, _, first, rows in spans:
        raw[rows, j] = scores[rows] - predicted[first : first + rows.size]
    return _share_remainder(raw, scores - base_score), scores, probability[:n]


def _share_remainder(raw: np.ndarray, total: np.ndarray) -> np.ndarray:
    remainder = total - raw.sum(axis=1)
    weight = np.abs(raw)
    weight_sum = weight.sum(axis=1)
    even = np.full_like(raw, 1.0 / max(raw.shape[1], 1))
    share = np.where(
        weight_sum[:, None] > 1e-12, weight / np.where(weight_sum > 0, weight_sum, 1.0)[:, None], even
    )
    return raw + remainder[:, None] * share


def top_indices(contributions: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Column indices of the k largest positive and k most negative contributions per row, each (n, k).

    Entries smaller than half a point, or of the wrong sign, are -1: they would read as "+0".
    """
    n, p = contributions.shape
    k = min(k, p)
    if k == 0:
        empty = np.full((n, 0), -1)
        return empty, empty
    up = np.argsort(-contributions, axis=1)[:, :k]
    down = np.argsort(contributions, axis=1)[:, :k]
    up = np.where(np.take_along_axis(contributions, up, axis=1) >= 0.5, up, -1)
    down = np.where(np.take_along_axis(contributions, down, axis=1) <= -0.5, down, -1)
    return up, down


def value_text(value: object) -> str:
    """A feature value as a rep would read it."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "unknown"
    if isinstance(value, float | np.floating):
        return f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.2f}"
    return str(value)


def factor_label(label: str, value: object, kind: str) -> str:
    """Plain words for one factor: 'Lead Source is Reference', 'Do Not Email: yes'."""
    if kind == "boolean":
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return f"{label}: unknown"
        return f"{label}: {'yes' if float(value) >= 0.5 else 'no'}"
    return f"{label} is {value_text(value)}"


def support_codes(bins: np.ndarray, sizes: list[int]) -> np.ndarray:
    """One integer per row identifying its cell across the given binned signals (n, m) -> (n,)."""
    codes = np.zeros(len(bins), dtype=np.int64)
    for j, size in enumerate(sizes):
        codes = codes * size + bins[:, j]
    return codes


def support_counts(codes: np.ndarray, known_codes: np.ndarray, known_counts: np.ndarray) -> np.ndarray:
    """How many training deals share each row's cell (n,), 0 for cells never seen."""
    if known_codes.size == 0:
        return np.zeros(len(codes), dtype=int)
    position = np.clip(np.searchsorted(known_codes, codes), 0, known_codes.size - 1)
    return np.where(known_codes[position] == codes, known_counts[position], 0)


def confidence_from_support(support: np.ndarray, *, n_closed: int, low_history: int = 200) -> np.ndarray:
    """Confidence 0-1 from the number of similar closed deals behind each lead.

    support/(support + 30): 0.5 with 30 similar deals, about 0.87 with 200. Halved when the whole
    history holds fewer than `low_history` closed deals.
    """
    confidence = support / (support + 30.0)
    if n_closed < low_history:
        confidence = confidence * 0.5
    return np.round(confidence, 3)
