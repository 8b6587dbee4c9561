"""The points model (scorecard): binned signals, weight of evidence, points a rep can read.

`WoeBinning` bins every signal (optbinning's optimal binning for numbers, frequent levels for
categories) and measures each bin's weight of evidence. `Scorecard` turns those into points
grouped by dimension, with per-dimension caps, scaled to 0-100.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression

from .dataset import SMALL_BATCH, numbers_of

DIMENSIONS = ("firmographic", "behavioral", "engagement", "intent", "negative")

# Keyword rules for dimension assignment: what a RevOps analyst would file each signal under.
# The first rule that matches the (lower-cased) column name wins; a mapping may override.
_DIMENSION_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "intent",
        (
            "pricing",
            "demo",
            "trial",
            "quote",
            "request",
            "source",
            "origin",
            "campaign",
            "search",
            "matters",
            "hear",
            "recommend",
            "advert",
            "referr",
            "intent",
            "newspaper",
            "magazine",
            "forum",
        ),
    ),
    (
        "behavioral",
        ("visit", "page", "time spent", "website", "session", "view", "click", "download", "web"),
    ),
    (
        "engagement",
        (
            "email",
            "call",
            "chat",
            "activity",
            "open",
            "reply",
            "meeting",
            "update",
            "newsletter",
            "content",
            "subscribe",
            "interview",
            "event",
            "contact",
            "webinar",
            "copy",
        ),
    ),
    (
        "firmographic",
        (
            "country",
            "city",
            "region",
            "industry",
            "company",
            "size",
            "employee",
            "revenue",
            "occupation",
            "specialization",
            "title",
            "role",
            "segment",
            "territory",
            "state",
            "account",
            "seniority",
        ),
    ),
)


def dimension_of(column: str, overrides: dict[str, str] | None = None) -> str:
    """The scorecard dimension a signal belongs to (firmographic, behavioral, engagement or intent)."""
    if overrides and column in overrides:
        return overrides[column]
    name = column.lower()
    for dimension, keywords in _DIMENSION_RULES:
        if any(re.search(rf"\b{re.escape(word)}", name) for word in keywords):
            return dimension
    return "firmographic"


@dataclass
class SignalBins:
    """The bins of one signal: numeric split points or category groups, plus a missing bin."""

    column: str
    kind: str  # "numeric" or "categorical"
    splits: np.ndarray | None = None  # numeric: bin i holds splits[i-1] <= x < splits[i]
    categories: dict[str, int] = field(default_factory=dict)  # categorical: level -> bin index
    labels: list[str] = field(default_factory=list)  # one per bin, the missing bin last
    woe: np.ndarray | None = None  # log-odds of a win in the bin minus the overall log-odds
    n: np.ndarray | None = None
    won: np.ndarray | None = None
    iv: float = 0.0

    @property
    def missing_bin(self) -> int:
        """Index of the bin that holds missing values (always the last)."""
        return len(self.labels) - 1

    def bin_index(self, values: pd.Series | np.ndarray) -> np.ndarray:
        """Bin index of each value (shape (n,)); missing and unseen levels go to the missing bin."""
        values = np.asarray(values)
        if self.kind == "numeric":
            numbers = numbers_of(values)
            index = np.searchsorted(self.splits, numbers, side="right")
            return np.where(np.isnan(numbers), self.missing_bin, index)
        # A level never seen in training has no evidence behind it: treat it like a missing answer,
        # except that a grouped "other" bin exists for rare levels, which is where unseen ones belong.
        other = self.categories.get("\x00other", self.missing_bin)
        index = np.full(len(values), other)
        if self.categories and len(values) <= SMALL_BATCH:
            # The same exact-key lookup as the hash index below, without building an Index per call.
            index = np.fromiter((self.categories.get(v, other) for v in values), dtype=int, count=len(values))
        elif self.categories:
            position = pd.Index(list(self.categories), dtype=object).get_indexer(values.astype(object))
            bins = np.fromiter(self.categories.values(), dtype=int, count=len(self.categories))
            index = np.where(position >= 0, bins[np.maximum(position, 0)], other)
        return np.where(pd.isna(values), self.missing_bin, index).astype(int)


def column_values(X: pd.DataFrame, columns: list[str]) -> list:
    """The values of `columns` of X, one array-like (n,) each, in order.

    A small batch is read as one object block: a Series per column costs ~20 us, more than its binning.
    """
    if len(X) <= SMALL_BATCH:
        block = X.to_numpy(dtype=object)
        position = {c: j for j, c in enumerate(X.columns)}
        return [block[:, position[c]] for c in columns]
    return [X[c] for c in columns]


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")


class WoeBinning(BaseEstimator, TransformerMixin):
    """Bin each column and replace values by their bin's weight of evidence (a sklearn transformer).

    Numeric columns are binned with optbinning's OptimalBinning (monotonic where it pays); categorical
    (object) columns keep each level with at least `min_level_share` of rows (and 10 rows) as its own
    bin and group the rest as "other". WoE is smoothed by `smoothing` pseudo-counts, positive when a
    bin wins more than average. The transform is a plain numpy lookup, fast enough for millions of rows.
    """

    def __init__(self, min_bin_share: float = 0.03, min_level_share: float = 0.005, smoothing: float = 0.5):
        self.min_bin_share = min_bin_share
        self.min_level_share = min_level_share
        self.smoothing = smoothing

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> WoeBinning:
        """Learn bins and WoE per column from features `X` (n, p) and labels `y` (n,) of 0/1."""
        from optbinning import OptimalBinning

        y = np.asarray(y, dtype=int)
        self.columns_ = list(X.columns)
        self.bins_: list[SignalBins] = []
        total_won, total_lost = y.sum(), len(y) - y.sum()
        for column in self.columns_:
            values = X[column]
            if values.dtype == object or isinstance(values.dtype, pd.CategoricalDtype):
                counts = values.value_counts()
                keep = counts[counts >= max(10, self.min_level_share * len(values))].index
                categories = {str(level): i for i, level in enumerate(keep)}
                labels = [str(level) for level in keep]
                if len(keep) < len(counts):
                    categories["\x00other"] = len(labels)
                    for level in counts.index.difference(keep):
                        categories[str(level)] = len(labels)
                    labels.append("other")
                labels.append("missing")
                signal = SignalBins(column, "categorical", categories=categories, labels=labels)
            else:
                numbers = values.to_numpy(dtype=float)
                present = ~np.isnan(numbers)
                splits = np.array([])
                if present.sum() >= 20 and np.unique(numbers[present]).size > 1:
                    optimal = OptimalBinning(
                        name=str(column), dtype="numerical", min_bin_size=self.min_bin_share, max_n_bins=8
                    )
                    optimal.fit(numbers[present], y[present])
                    splits = np.asarray(optimal.splits, dtype=float)
                edges = [-np.inf, *splits, np.inf]
                labels = []
                for low, high in zip(edges[:-1], edges[1:], strict=True):
                    if np.isinf(low) and np.isinf(high):
                        labels.append("any value")
                    elif np.isinf(low):
                        labels.append(f"below {_fmt(high)}")
                    elif np.isinf(high):
                        labels.append(f"{_fmt(low)} or more")
                    else:
                        labels.append(f"{_fmt(low)} to {_fmt(high)}")
                labels.append("missing")
                signal = SignalBins(column, "numeric", splits=splits, labels=labels)
            index = signal.bin_index(values)
            n_bins = len(signal.labels)
            n = np.bincount(index, minlength=n_bins).astype(float)
            won = np.bincount(index, weights=y, minlength=n_bins)
            lost = n - won
            a = self.smoothing
            signal.woe = np.log((won + a) / (total_won + a)) - np.log((lost + a) / (total_lost + a))
            # A bin nobody fell into carries no evidence either way.
            signal.woe = np.where(n > 0, signal.woe, 0.0)
            share_won, share_lost = (won + a) / (total_won + a), (lost + a) / (total_lost + a)
            signal.iv = float(np.sum((share_won - share_lost) * signal.woe))
            signal.n, signal.won = n, won
            self.bins_.append(signal)
        return self

    def bin_indices(self, X: pd.DataFrame) -> np.ndarray:
        """Bin index per row and column, shape (n, p), int."""
        columns = column_values(X, [signal.column for signal in self.bins_])
        return np.column_stack([s.bin_index(v) for s, v in zip(self.bins_, columns, strict=True)]).astype(int)

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """WoE per row and column, shape (n, p), float."""
        return np.column_stack(
            [
                s.woe[s.bin_index(v)]
                for s, v in zip(self.bins_, column_values(X, [s.column for s in self.bins_]), strict=True)
            ]
        ).astype(float)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """One WoE feature per input column, under the same name."""
        return np.asarray(self.columns_, dtype=object)


class Scorecard(BaseEstimator):
    """The points model (a scikit-learn estimator with `predict_proba`; its `score` is the 0-100 score): points per signal bin, dimensions, caps, scaled to 0-100.

    score = base + sum over dimensions of min(positive points in the dimension, its cap) + negative points,
    all multiplied by a scale so the attainable range is exactly 0-100. Contributions therefore sum to
    the score (capped dimensions scale their signals' points down in proportion).

    Points are traced to measured effect: each bin's weight of evidence times its signal's logistic
    regression weight (fitted jointly, so correlated signals are not counted twice), and signals whose
    WoE correlates above `max_correlation` with a stronger signal are dropped outright. Signals with
    information value below `min_iv` do not predict and get no points; a signal whose joint weight
    turns negative (it only echoes others) is dropped and the fit repeated. No dimension may hold more
    than `cap_share` of the 0-100 range. binning: a fitted WoeBinning to reuse (fitted afresh when None).
    """

    def __init__(
        self,
        *,
        binning: WoeBinning | None = None,
        dimension_overrides: dict[str, str] | None = None,
        min_iv: float = 0.02,
        max_correlation: float = 0.8,
        cap_share: float = 0.5,
    ):
        self.binning = binning
        self.dimension_overrides = dimension_overrides
        self.min_iv = min_iv
        self.max_correlation = max_correlation
        self.cap_share = cap_share

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> Scorecard:
        """Fit the points on features `X` (n, p; coerced) and labels `y` (n,) of 0/1."""
        y = np.asarray(y, dtype=int)
        binning = self.binning if getattr(self.binning, "bins_", None) is not None else WoeBinning().fit(X, y)
        woe = pd.DataFrame(binning.transform(X), columns=binning.columns_, index=X.index)
        iv = {s.column: s.iv for s in binning.bins_}
        dropped: dict[str, str] = {}
        candidates = []
        for column in sorted(iv, key=iv.get, reverse=True):
            if iv[column] < self.min_iv:
                dropped[column] = f"information value {iv[column]:.3f} < {self.min_iv}: does not predict"
                continue
            twin = next(
                (c for c in candidates if abs(np.corrcoef(woe[c], woe[column])[0, 1]) > self.max_correlation),
                None,
            )
            if twin is not None:
                dropped[column] = (
                    f"moves with {twin} (WoE correlation > {self.max_correlation}); counted once"
                )
                continue
            candidates.append(column)
        if not candidates:
            raise ValueError(
                "no signal carries information about the outcome; a points model cannot be built"
            )
        while True:
            model = LogisticRegression(C=1.0, max_iter=2000).fit(woe[candidates], y)
            negative = [c for c, w in zip(candidates, model.coef_[0], strict=True) if w <= 0]
            if not negative or len(negative) == len(candidates):
                break
            for column in negative:
                dropped[column] = "adds nothing once stronger signals are counted (joint weight <= 0)"
            candidates = [c for c in candidates if c not in negative]
        position = {column: i for i, column in enumerate(binning.columns_)}
        raw_points = {
            column: weight * binning.bins_[position[column]].woe
            for column, weight in zip(candidates, model.coef_[0], strict=True)
        }
        dimensions = {c: dimension_of(c, self.dimension_overrides) for c in candidates}
        negative_floor = sum(min(0.0, float(p.min())) for p in raw_points.values())
        positive_max: dict[str, float] = {}
        for column, pts in raw_points.items():
            positive_max[dimensions[column]] = positive_max.get(dimensions[column], 0.0) + max(
                0.0, float(pts.max())
            )
        # Caps bind only on a dimension that would otherwise hold more than its share of the final range;
        # capping shrinks that range, so iterate to the fixed point. A lone positive dimension dominates nothing.
        caps = dict(positive_max)
        if sum(1 for v in positive_max.values() if v > 0) > 1:
            for _ in range(100):
                total_range = -negative_floor + sum(caps.values())
                updated = {d: min(v, self.cap_share * total_range) for d, v in positive_max.items()}
                if all(abs(updated[d] - caps[d]) < 1e-9 for d in caps):
                    break
                caps = updated
        scale = 100.0 / (-negative_floor + sum(caps.values()))
        self.binning_ = binning
        self.signals_ = candidates
        self.points_ = {c: p * scale for c, p in raw_points.items()}
        self.dimensions_ = dimensions
        self.caps_ = {d: v * scale for d, v in caps.items()}
        self.base_ = -negative_floor * scale
        self.dropped_ = dropped
        self.classes_ = np.array([0, 1])
        self.calibration_ = LogisticRegression(C=1e6, max_iter=1000).fit(self.score(X).reshape(-1, 1), y)
        return self

    def contributions(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Per-row points of each signal after caps (n, k) and the bin indices (n, k)."""
        position = {column: i for i, column in enumerate(self.binning_.columns_)}
        bins = np.column_stack(
            [
                self.binning_.bins_[position[s]].bin_index(v)
                for s, v in zip(self.signals_, column_values(X, self.signals_), strict=True)
            ]
        ).astype(int)
        raw = np.column_stack([self.points_[s][bins[:, j]] for j, s in enumerate(self.signals_)])
        scaled = raw.copy()
        for dimension, cap in self.caps_.items():
            members = [j for j, s in enumerate(self.signals_) if self.dimensions_[s] == dimension]
            if not members:
                continue
            positive = np.clip(raw[:, members], 0, None)
            total = positive.sum(axis=1)
            factor = np.where(total > cap, cap / np.maximum(total, 1e-12), 1.0)
            scaled[:, members] = np.where(
                raw[:, members] > 0, raw[:, members] * factor[:, None], raw[:, members]
            )
        return scaled, bins

    def score(self, X: pd.DataFrame) -> np.ndarray:
        """Scores 0-100, shape (n,)."""
        contributions, _ = self.contributions(X)
        return np.clip(self.base_ + contributions.sum(axis=1), 0.0, 100.0)

    def probability(self, scores: np.ndarray) -> np.ndarray:
        """Calibrated win probability for scores (n,): a logistic fit of the outcome on the score."""
        return self.calibration_.predict_proba(np.asarray(scores, dtype=float).reshape(-1, 1))[:, 1]

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated probabilities of a loss and a win per row, shape (n, 2)."""
        win = self.probability(self.score(X))
        return np.column_stack([1.0 - win, win])

    def to_dict(self) -> dict[str, Any]:
        """The scorecard as plain data: each signal's bins with points, win rate, WoE and size."""
        position = {column: i for i, column in enumerate(self.binning_.columns_)}
        rows = []
        for signal in self.signals_:
            bins = self.binning_.bins_[position[signal]]
            for i, label in enumerate(bins.labels):
                n = float(bins.n[i])
                rows.append(
                    {
                        "signal": signal,
                        "dimension": self.dimensions_[signal],
                        "bin": label,
                        "points": round(float(self.points_[signal][i]), 1),
                        "n": int(n),
                        "win_rate": round(float(bins.won[i] / n), 4) if n else None,
                        "woe": round(float(bins.woe[i]), 4),
                    }
                )
        return {
            "base": round(self.base_, 2),
            "caps": {k: round(v, 1) for k, v in self.caps_.items()},
            "signals": rows,
            "dropped": dict(self.dropped_),
            "information_value": {
                s.column: round(s.iv, 4) for s in self.binning_.bins_ if s.column in self.points_
            },
        }
