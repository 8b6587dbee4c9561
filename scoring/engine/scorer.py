"""The scorer: vectorized scoring of many leads at once (one lead is a batch of one).

A `Scorer` is what a trained version stores (joblib, with a sha256 on the version). `score(frame)` takes
raw lead rows (the columns of the history it learned from; missing columns are missing signals) and
returns a `ScoreBatch`: score 0-100, probability, tier, dimension subtotals, confidence, top factors and
missing signals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from . import explain
from .contracts import Decision, Factor, MissingSignal
from .dataset import CATEGORICAL, model_features
from .learners import HybridLearner, Learner
from .points import DIMENSIONS, Scorecard, WoeBinning, column_values

INSUFFICIENT = "insufficient evidence"
CHUNK_ROWS = 50_000


@dataclass
class ScoreBatch:
    """Scores of a batch of leads, aligned with the input frame's index.

    score (n,) 0-100; probability (n,) 0-1; tier (n,) names or None without cut-offs; subtotal_values (n, 5)
    per dimension in DIMENSIONS order, `subtotals` the same as a frame (they and `base_score` add up to the
    score); confidence (n,) 0-1; support (n,) similar closed deals; abstain (n,) True when too little similar
    history stands behind the lead. contributions (n, p) score points per signal; `top_factors(i)` and
    `missing_signals(i)` give words. features: the coerced signals.
    """

    index: pd.Index
    score: np.ndarray
    probability: np.ndarray
    tier: np.ndarray | None
    subtotal_values: np.ndarray
    base_score: float
    confidence: np.ndarray
    support: np.ndarray
    abstain: np.ndarray
    contributions: np.ndarray | None
    up: np.ndarray | None
    down: np.ndarray | None
    features: pd.DataFrame
    signals: list[str]
    labels: dict[str, str]
    kinds: dict[str, str]
    missing_ranges: dict[str, tuple[float, float]]
    guardrail_points: np.ndarray | None = None
    guardrail_reasons: np.ndarray | None = None
    model_signals: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.score)

    @property
    def subtotals(self) -> pd.DataFrame:
        """Points per dimension (n, 5), one column per DIMENSIONS entry, on the batch's index."""
        return pd.DataFrame(self.subtotal_values, index=self.index, columns=list(DIMENSIONS))

    def _row_values(self) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
        # Row access through pandas costs ~100 us a call; words for a whole batch need plain arrays.
        if getattr(self, "_values", None) is None:
            self._values = self.features.to_numpy(dtype=object)
            self._missing = self.features.isna().to_numpy()
            self._position = {c: j for j, c in enumerate(self.features.columns)}
        return self._values, self._missing, self._position

    def top_factors(self, i: int) -> list[Factor]:
        """The factors that pushed lead i up, then down, in plain words (a capping guardrail last)."""
        if self.contributions is None:
            return []
        values, _, position = self._row_values()
        factors = []
        for j in [*self.up[i], *self.down[i]]:
            if j < 0:
                continue
            signal = self.signals[j]
            value = values[i, position[signal]] if signal in position else np.nan
            factors.append(
                Factor(
                    signal=signal,
                    label=explain.factor_label(
                        self.labels.get(signal, signal), value, self.kinds.get(signal, "")
                    ),
                    points=round(float(self.contributions[i, j]), 1),
                )
            )
        if self.guardrail_points is not None and self.guardrail_points[i] < -0.05:
            factors.append(
                Factor(
                    signal="guardrail",
                    label=str(self.guardrail_reasons[i]),
                    points=round(float(self.guardrail_points[i]), 1),
                )
            )
        return factors

    def top_factor_dicts(self) -> list[list[dict[str, Any]]]:
        """`top_factors(i)` as stored dicts for every lead at once: a label is worded once per signal and
        value, not once per lead (wording was most of a batch's explanation time)."""
        n = len(self)
        if self.contributions is None:
            return [[] for _ in range(n)]
        values, _, position = self._row_values()
        chosen = np.concatenate([self.up, self.down], axis=1)
        safe = np.clip(chosen, 0, None)
        # Gathered once as plain lists: indexing numpy per factor cost more than wording it.
        picks = chosen.tolist()
        points = np.take_along_axis(self.contributions, safe, axis=1).tolist()
        columns = np.array([position.get(signal, -1) for signal in self.signals])[safe]
        if values.shape[1]:
            gathered = np.take_along_axis(values, np.clip(columns, 0, None), axis=1)
            picked_values = np.where(columns >= 0, gathered, np.nan).tolist()
        else:
            picked_values = np.full(chosen.shape, np.nan, dtype=object).tolist()
        labels: dict[tuple, str] = {}
        out = []
        for i in range(n):
            row = []
            for k, j in enumerate(picks[i]):
                if j < 0:
                    continue
                signal = self.signals[j]
                value = picked_values[i][k]
                missing = value is None or (isinstance(value, float) and value != value)
                key = (j, "missing" if missing else type(value).__name__, None if missing else value)
                label = labels.get(key)
                if label is None:
                    label = labels[key] = explain.factor_label(
                        self.labels.get(signal, signal), value, self.kinds.get(signal, "")
                    )
                row.append({"signal": signal, "label": label, "points": round(points[i][k], 1)})
            if self.guardrail_points is not None and self.guardrail_points[i] < -0.05:
                row.append(
                    {
                        "signal": "guardrail",
                        "label": str(self.guardrail_reasons[i]),
                        "points": round(float(self.guardrail_points[i]), 1),
                    }
                )
            out.append(row)
        return out

    def missing_signal_dicts(self) -> list[list[dict[str, Any]]]:
        """`missing_signals(i)` as stored dicts for every lead at once (one mask, no per-lead lookups)."""
        _, missing_mask, position = self._row_values()
        entries = []
        for signal in self.model_signals:
            if signal in position:
                down, up = self.missing_ranges.get(signal, (0.0, 0.0))
                item = {"signal": signal, "label": self.labels.get(signal, signal), "down": round(down, 1)}
                entries.append((position[signal], {**item, "up": round(up, 1)}))
        if not entries:
            return [[] for _ in range(len(self))]
        mask = missing_mask[:, [column for column, _ in entries]]
        return [[dict(entries[k][1]) for k in np.flatnonzero(row)] for row in mask]

    def missing_signals(self, i: int) -> list[MissingSignal]:
        """Signals lead i lacks, with how far each could move the score."""
        _, missing_mask, position = self._row_values()
        missing = []
        for signal in self.model_signals:
            if signal in position and missing_mask[i, position[signal]]:
                down, up = self.missing_ranges.get(signal, (0.0, 0.0))
                missing.append(
                    MissingSignal(
                        signal=signal,
                        label=self.labels.get(signal, signal),
                        down=round(down, 1),
                        up=round(up, 1),
                    )
                )
        return missing

    def explanation(self, i: int, factors: list[Factor] | None = None) -> str:
        """One line for a rep: the top reasons, or why the engine abstains."""
        if self.abstain[i]:
            return f"{INSUFFICIENT}: only {int(self.support[i])} similar closed deals in the history"
        factors = self.top_factors(i) if factors is None else factors
        return "; ".join(f"{f.label}: {f.points:+.0f}" for f in factors) or "average lead"

    def decision(self, i: int) -> Decision:
        """Lead i's decision: score, tier, probability, confidence, subtotals, factors and missing signals."""
        factors = self.top_factors(i)
        return Decision(
            score=round(float(self.score[i]), 2),
            tier=None if self.tier is None else str(self.tier[i]),
            probability=round(float(self.probability[i]), 4),
            confidence=float(self.confidence[i]),
            subtotals=dict(zip(DIMENSIONS, np.round(self.subtotal_values[i], 2).tolist(), strict=True)),
            top_factors=tuple(factors),
            missing_signals=tuple(self.missing_signals(i)),
            evidence=INSUFFICIENT if self.abstain[i] else "sufficient",
            explanation=self.explanation(i, factors),
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per lead: score, probability, tier, confidence, evidence, subtotals (dict), top_factors
        (list of {label, points}), missing_signals (list), explanation (str), plus a column per dimension."""
        n, names = len(self), list(DIMENSIONS)
        rounded = np.round(self.subtotal_values, 2)
        factors = [self.top_factors(i) for i in range(n)]
        # One constructor call: a column added afterwards costs ~100 us, more than scoring one lead.
        columns = {
            "score": np.round(self.score, 2),
            "probability": np.round(self.probability, 4),
            "tier": self.tier if self.tier is not None else None,
            "confidence": self.confidence,
            "evidence": np.where(self.abstain, INSUFFICIENT, "sufficient"),
            "subtotals": _objects([dict(zip(names, row, strict=True)) for row in rounded.tolist()]),
            "top_factors": _objects([[f.to_dict() for f in row] for row in factors]),
            "missing_signals": _objects([[m.to_dict() for m in self.missing_signals(i)] for i in range(n)]),
            "explanation": [self.explanation(i, factors[i]) for i in range(n)],
        }
        for k, dimension in enumerate(names):
            columns[f"subtotal_{dimension}"] = rounded[:, k]
        return pd.DataFrame(columns, index=self.index)


def _objects(items: list) -> np.ndarray:
    """A 1-d object array of `items` (lists or dicts stay whole cells, never a 2-d array)."""
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out


class Scorer(BaseEstimator):
    """A fitted, picklable scorer: configure it with a fitted model, `fit` it on the training features it
    learned from, then `score(frame)`.

    model: a fitted Scorecard, Learner or HybridLearner. types: feature column -> numeric / categorical /
    boolean. missing_values: tokens read as missing. binning: the fitted WoeBinning whose bins define the
    confidence cells. dimensions / labels: per signal dimension and display name. min_support: similar
    closed deals below which the engine abstains. sample_rows / seed: the training sample that measures how
    far a missing signal can move a score. cutoffs: thresholds.Cutoffs giving tiers (None: no tiers).
    """

    def __init__(
        self,
        model: Scorecard | Learner | HybridLearner | None = None,
        *,
        types: dict[str, str] | None = None,
        missing_values: tuple[str, ...] = ("",),
        binning: WoeBinning | None = None,
        dimensions: dict[str, str] | None = None,
        labels: dict[str, str] | None = None,
        min_support: int = 10,
        sample_rows: int = 600,
        seed: int = 42,
        top_n: int = 3,
        cutoffs: Any = None,
    ):
        self.model = model
        self.types = types
        self.missing_values = missing_values
        self.binning = binning
        self.dimensions = dimensions
        self.labels = labels
        self.min_support = min_support
        self.sample_rows = sample_rows
        self.seed = seed
        self.top_n = top_n
        self.cutoffs = cutoffs

    @property
    def kind(self) -> str:
        """ "points", a learner name or "hybrid"."""
        if isinstance(self.model, Scorecard):
            return "points"
        return self.model.kind

    @property
    def signals(self) -> list[str]:
        """The feature columns the model reads."""
        return list(self.types)

    def fit(self, X_train: pd.DataFrame, y_train: np.ndarray) -> Scorer:
        """Learn, from the coerced training features X_train (n, p) and outcomes y_train (n,), the typical
        lead (explanations start there), how far a missing signal can move a score, and the similar-history
        counts behind confidence. The model itself is already fitted."""
        types = self.types
        self.labels_ = {c: (self.labels or {}).get(c, c) for c in types}
        self.reference_ = pd.Series(
            {
                c: (X_train[c].mode(dropna=True).iloc[0] if X_train[c].notna().any() else np.nan)
                if types[c] == CATEGORICAL
                else X_train[c].median()
                for c in X_train.columns
            },
            dtype=object,
        )
        self.n_closed_ = len(y_train)
        self.base_score_ = self._base_score()
        # Confidence cells: the three signals that carry the most information, binned as in the scorecard.
        bins = self.binning.bins_
        order = np.argsort([-b.iv for b in bins])[:3]
        self.support_columns_ = [int(i) for i in order]
        self.support_sizes_ = [len(bins[i].labels) for i in order]
        codes = explain.support_codes(self.binning.bin_indices(X_train)[:, order], self.support_sizes_)
        self.support_codes_, self.support_counts_ = np.unique(codes, return_counts=True)
        sample = X_train.sample(min(self.sample_rows, len(X_train)), random_state=self.seed)
        contributions, _, _ = self._contributions(sample)
        self.missing_ranges_ = {}
        for j, column in enumerate(self.signals):
            present = sample[column].notna().to_numpy()
            if present.sum() == 0:
                continue
            when_missing = contributions[~present, j].mean() if (~present).any() else 0.0
            low, high = np.percentile(contributions[present, j], [5, 95])
            self.missing_ranges_[column] = (
                float(min(0.0, low - when_missing)),
                float(max(0.0, high - when_missing)),
            )
        return self

    # -- internals ---------------------------------------------------------------------------------------

    def _learner(self) -> Learner | None:
        if isinstance(self.model, HybridLearner):
            return self.model.learner_
        return self.model if isinstance(self.model, Learner) else None

    def _base_score(self) -> float:
        if isinstance(self.model, Scorecard):
            return float(self.model.base_)
        learner = self._learner()
        if learner.kind == "logistic_regression":
            _, base_logit, (a, b) = learner.linear_terms(self._reference_frame())
            return float(100.0 / (1.0 + np.exp(a * base_logit + b)))
        return float(100.0 * learner.predict_proba(self._reference_frame())[0, 1])

    def _reference_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame([self.reference_.to_dict()])
        for column, kind in self.types.items():
            frame[column] = frame[column].astype(object if kind == CATEGORICAL else float)
        return frame

    def _contributions(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(contributions (n, p), scores (n,), probability (n,)) before guardrails."""
        if isinstance(self.model, Scorecard):
            card = self.model
            partial, _ = card.contributions(X)
            contributions = np.zeros((len(X), len(self.signals)))
            position = {c: j for j, c in enumerate(self.signals)}
            for k, signal in enumerate(card.signals_):
                contributions[:, position[signal]] = partial[:, k]
            scores = card.base_ + contributions.sum(axis=1)
            return contributions, scores, card.probability(scores)
        learner = self._learner()
        if learner.kind == "logistic_regression":
            terms, base_logit, calibration = learner.linear_terms(X)
            contributions, scores, _ = explain.linear_contributions(terms, base_logit, calibration)
            return contributions, scores, scores / 100.0
        return explain.replacement_contributions(
            lambda frame: learner.predict_proba(frame)[:, 1],
            X[self.signals],
            self.reference_,
            self.base_score_,
        )

    def prepare(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Raw lead rows -> the coerced feature frame the model reads (missing tokens, types, columns)."""
        X = model_features(frame, self.types, self.missing_values)
        return X if list(X.columns) == self.signals else X[self.signals]

    # -- the public call ---------------------------------------------------------------------------------

    def score(
        self, frame: pd.DataFrame, *, explain_scores: bool = True, previous_tiers: np.ndarray | None = None
    ) -> ScoreBatch:
        """Score every row of `frame` (n leads, raw columns as in the history) at once.

        explain_scores=False skips the per-signal attribution (faster for trees and networks); the scorecard
        and logistic regression explain at no extra cost. previous_tiers (n,) applies the hysteresis band.
        """
        X = self.prepare(frame)
        explains_for_free = isinstance(self.model, Scorecard) or self._learner().kind == "logistic_regression"
        # Chunks bound the memory of the swapped copies that tree/network explanations predict on.
        contributions, scores, probability = [], [], []
        for start in range(0, len(X), CHUNK_ROWS):
            part = X.iloc[start : start + CHUNK_ROWS]
            if not explain_scores and not explains_for_free:
                p = self._learner().predict_proba(part)[:, 1]
                contributions.append(None)
                scores.append(100.0 * p)
                probability.append(p)
                continue
            c, s, p = self._contributions(part)
            contributions.append(c)
            scores.append(s)
            probability.append(p)
        score = np.concatenate(scores) if scores else np.zeros(0)
        probability = np.concatenate(probability) if probability else np.zeros(0)
        if not contributions:  # an empty batch: estimators refuse zero rows, so answer without them
            contribution = np.zeros((0, len(self.signals))) if explain_scores else None
        else:
            contribution = None if contributions[0] is None else np.vstack(contributions)
        bins = (
            np.column_stack(
                [
                    self.binning.bins_[i].bin_index(v)
                    for i, v in zip(
                        self.support_columns_,
                        column_values(X, [self.binning.bins_[i].column for i in self.support_columns_]),
                        strict=True,
                    )
                ]
            )
            if self.support_columns_
            else np.zeros((len(X), 0), dtype=int)
        )
        return self._batch(frame.index, X, score, probability, contribution, bins, previous_tiers)

    def _batch(
        self,
        index: pd.Index,
        X: pd.DataFrame,
        score: np.ndarray,
        probability: np.ndarray,
        contribution: np.ndarray | None,
        bins: np.ndarray,
        previous_tiers: np.ndarray | None,
    ) -> ScoreBatch:
        """Guardrails, subtotals, top factors, support and tiers."""
        n = len(X)
        guardrail_points = guardrail_reasons = None
        if isinstance(self.model, HybridLearner) and self.model.guardrails_:
            capped = self.model.apply_guardrails(probability, X)
            guardrail_points = 100.0 * (capped - probability)
            guardrail_reasons = np.full(n, "", dtype=object)
            for rule in self.model.guardrails_:
                guardrail_reasons[rule.matches(X)] = f"Guardrail: {rule.reason or rule.column}"
            probability, score = capped, 100.0 * capped
        score = np.clip(score, 0.0, 100.0)
        subtotals = np.zeros((n, len(DIMENSIONS)))
        up = down = None
        if contribution is not None:
            dimension = [(self.dimensions or {}).get(c) for c in self.signals]
            for k, name in enumerate(DIMENSIONS[:-1]):
                members = [j for j, d in enumerate(dimension) if d == name]
                if members:
                    subtotals[:, k] = np.clip(contribution[:, members], 0, None).sum(axis=1)
            negative = len(DIMENSIONS) - 1
            subtotals[:, negative] = np.clip(contribution, None, 0).sum(axis=1)
            # A signal ops staff filed under "negative" (or an unknown dimension) still adds up somewhere.
            others = [j for j, d in enumerate(dimension) if d not in DIMENSIONS[:-1]]
            if others:
                subtotals[:, negative] += np.clip(contribution[:, others], 0, None).sum(axis=1)
            if guardrail_points is not None:
                subtotals[:, negative] += guardrail_points
            up, down = explain.top_indices(contribution, self.top_n)
        support = explain.support_counts(
            explain.support_codes(bins, self.support_sizes_), self.support_codes_, self.support_counts_
        )
        tiers = None
        if self.cutoffs is not None:
            tiers = np.asarray(self.cutoffs.tier_of(score, previous=previous_tiers))
        return ScoreBatch(
            index=index,
            score=score,
            probability=probability,
            tier=tiers,
            subtotal_values=subtotals,
            base_score=self.base_score_,
            confidence=explain.confidence_from_support(support, n_closed=self.n_closed_),
            support=support,
            abstain=support < self.min_support,
            contributions=contribution,
            up=up,
            down=down,
            features=X,
            signals=self.signals,
            labels=self.labels_,
            kinds=self.types,
            missing_ranges=self.missing_ranges_,
            guardrail_points=guardrail_points,
            guardrail_reasons=guardrail_reasons,
            model_signals=list(self.model.signals_) if isinstance(self.model, Scorecard) else self.signals,
        )

    def to_dict(self) -> dict[str, Any]:
        """What the scorer holds, as plain data (no fitted objects)."""
        return {
            "kind": self.kind,
            "signals": [
                {
                    "signal": c,
                    "type": self.types[c],
                    "dimension": (self.dimensions or {}).get(c),
                    "label": self.labels_[c],
                }
                for c in self.signals
            ],
            "missing_values": list(self.missing_values),
            "base_score": self.base_score_,
            "min_support": self.min_support,
            "n_closed": self.n_closed_,
            "cutoffs": self.cutoffs.to_dict() if self.cutoffs is not None else None,
        }
