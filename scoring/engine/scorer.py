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

from . import explain
from .contracts import Decision, Factor, MissingSignal
from .dataset import CATEGORICAL, apply_missing_values, coerce_columns, coerce_features
from .learners import HybridLearner, Learner
from .points import DIMENSIONS, Scorecard, WoeBinning

INSUFFICIENT = "insufficient evidence"
CHUNK_ROWS = 50_000
# Up to this many rows `Scorer.score` runs on plain arrays through the fitted estimators (same figures): pandas
# costs a fixed ~100 us per column and call, which is nothing for a batch and everything for one lead.
SMALL_ROWS = 64


@dataclass
class ScoreBatch:
    """Scores of a batch of leads, aligned with the input frame's index.

    score (n,) 0-100; probability (n,) 0-1; tier (n,) names or None without cut-offs; subtotal_values (n, 5)
    per dimension in DIMENSIONS order, `subtotals` the same as a frame (they and `base_score` add up to the
    score); confidence (n,) 0-1; support (n,) similar closed deals; abstain (n,) True when too little similar
    history stands behind the lead. contributions (n, p) score points per signal; `top_factors(i)` and
    `missing_signals(i)` give words. features: the coerced signals, a frame or (few rows) column -> array.
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
    features: pd.DataFrame | dict[str, np.ndarray]
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
            if isinstance(self.features, pd.DataFrame):
                self._values = self.features.to_numpy(dtype=object)
                self._missing = self.features.isna().to_numpy()
                self._position = {c: j for j, c in enumerate(self.features.columns)}
            else:
                names = list(self.features)
                self._values = np.empty((len(self), len(names)), dtype=object)
                self._missing = np.empty((len(self), len(names)), dtype=bool)
                for j, column in enumerate(names):
                    self._values[:, j] = self.features[column]
                    self._missing[:, j] = pd.isna(self.features[column])
                self._position = {c: j for j, c in enumerate(names)}
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


@dataclass
class Scorer:
    """A fitted, picklable scorer. Build it with `Scorer.build(...)`; call `score(frame)`."""

    kind: str
    model: Scorecard | Learner | HybridLearner
    types: dict[str, str]  # feature column -> numeric / categorical / boolean
    missing_values: tuple[str, ...]
    binning: WoeBinning
    dimensions: dict[str, str]
    labels: dict[str, str]
    reference: pd.Series
    base_score: float = 50.0
    missing_ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    support_columns: list[int] = field(default_factory=list)
    support_sizes: list[int] = field(default_factory=list)
    support_codes: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))
    support_counts: np.ndarray = field(default_factory=lambda: np.array([], dtype=int))
    min_support: int = 10
    n_closed: int = 0
    cutoffs: Any = None  # thresholds.Cutoffs
    top_n: int = 3

    @property
    def signals(self) -> list[str]:
        """The feature columns the model reads."""
        return list(self.types)

    @classmethod
    def build(
        cls,
        *,
        kind: str,
        model: Scorecard | Learner | HybridLearner,
        X_train: pd.DataFrame,
        y_train: np.ndarray,
        types: dict[str, str],
        missing_values: tuple[str, ...],
        binning: WoeBinning,
        dimensions: dict[str, str],
        labels: dict[str, str] | None = None,
        min_support: int = 10,
        sample_rows: int = 600,
        seed: int = 42,
    ) -> Scorer:
        """Assemble a scorer from a fitted model and the training features it learned from.

        X_train (n, p) coerced features and y_train (n,) give the typical lead (explanations start
        there), how far a missing signal can move a score, and the similar-history counts behind confidence.
        """
        reference = pd.Series(
            {
                c: (X_train[c].mode(dropna=True).iloc[0] if X_train[c].notna().any() else np.nan)
                if types[c] == CATEGORICAL
                else X_train[c].median()
                for c in X_train.columns
            },
            dtype=object,
        )
        scorer = cls(
            kind=kind,
            model=model,
            types=dict(types),
            missing_values=tuple(missing_values),
            binning=binning,
            dimensions=dict(dimensions),
            labels={c: (labels or {}).get(c, c) for c in types},
            reference=reference,
            min_support=min_support,
            n_closed=len(y_train),
        )
        scorer.base_score = scorer._base_score()
        # Confidence cells: the three signals that carry the most information, binned as in the scorecard.
        order = np.argsort([-b.iv for b in binning.bins_])[:3]
        scorer.support_columns = [int(i) for i in order]
        scorer.support_sizes = [len(binning.bins_[i].labels) for i in order]
        codes = explain.support_codes(binning.bin_indices(X_train)[:, order], scorer.support_sizes)
        known, counts = np.unique(codes, return_counts=True)
        scorer.support_codes, scorer.support_counts = known, counts
        sample = X_train.sample(min(sample_rows, len(X_train)), random_state=seed)
        contributions, _, _ = scorer._contributions(sample)
        for j, column in enumerate(scorer.signals):
            present = sample[column].notna().to_numpy()
            if present.sum() == 0:
                continue
            when_missing = contributions[~present, j].mean() if (~present).any() else 0.0
            low, high = np.percentile(contributions[present, j], [5, 95])
            scorer.missing_ranges[column] = (
                float(min(0.0, low - when_missing)),
                float(max(0.0, high - when_missing)),
            )
        return scorer

    # -- internals ---------------------------------------------------------------------------------------

    def _learner(self) -> Learner | None:
        if isinstance(self.model, HybridLearner):
            return self.model.learner
        return self.model if isinstance(self.model, Learner) else None

    def _base_score(self) -> float:
        if isinstance(self.model, Scorecard):
            return float(self.model.base)
        learner = self._learner()
        if learner.kind == "logistic_regression":
            _, base_logit, (a, b) = learner.linear_terms(self._reference_frame())
            return float(100.0 / (1.0 + np.exp(a * base_logit + b)))
        return float(100.0 * learner.predict_proba(self._reference_frame())[0])

    def _reference_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame([self.reference.to_dict()])
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
            for k, signal in enumerate(card.signals):
                contributions[:, position[signal]] = partial[:, k]
            scores = card.base + contributions.sum(axis=1)
            return contributions, scores, card.probability(scores)
        learner = self._learner()
        if learner.kind == "logistic_regression":
            terms, base_logit, calibration = learner.linear_terms(X)
            contributions, scores, _ = explain.linear_contributions(terms, base_logit, calibration)
            return contributions, scores, scores / 100.0
        probability = learner.predict_proba(X)
        contributions, scores = explain.replacement_contributions(
            lambda frame: 100.0 * learner.predict_proba(frame),
            X[self.signals],
            self.reference,
            self.base_score,
            scores=100.0 * probability,
        )
        return contributions, scores, probability

    def _plan(self) -> dict[str, Any]:
        """Per-scorer constants the scoring calls reuse (a cache: never stored with the artifact)."""
        key = (tuple(self.dimensions.items()), tuple(self.types), id(self.reference), id(self.model))
        plan = self.__dict__.get("_cached_plan")
        if plan is None or plan["key"] != key:
            plan = {
                "key": key,
                "members": [
                    [j for j, c in enumerate(self.signals) if self.dimensions.get(c) == dimension]
                    for dimension in DIMENSIONS[:-1]
                ],
                "others": [
                    j for j, c in enumerate(self.signals) if self.dimensions.get(c) not in DIMENSIONS[:-1]
                ],
                "reference": {c: self.reference[c] for c in self.signals},
                "position": {c: j for j, c in enumerate(self.signals)},
                "model_signals": self._model_signals(),
            }
            self._cached_plan = plan
        return plan

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_cached_plan", None)
        return state

    def _contributions_small(
        self, X: dict[str, np.ndarray], n: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`_contributions` for a few rows given as coerced column arrays: the same figures, no frames."""
        if isinstance(self.model, Scorecard):
            card = self.model
            partial, _ = card.contributions_arrays(X)
            contributions = np.zeros((n, len(self.signals)))
            position = self._plan()["position"]
            for k, signal in enumerate(card.signals):
                contributions[:, position[signal]] = partial[:, k]
            scores = card.base + contributions.sum(axis=1)
            return contributions, scores, card.probability(scores)
        learner = self._learner()
        if learner.kind == "logistic_regression":
            terms, base_logit, calibration = learner.linear_terms_arrays(X)
            contributions, scores, _ = explain.linear_contributions(terms, base_logit, calibration)
            return contributions, scores, scores / 100.0
        return explain.replacement_contributions_arrays(
            learner.predict_proba_arrays, X, self._plan()["reference"], self.base_score, n
        )

    def prepare(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Raw lead rows -> the coerced feature frame the model reads (missing tokens, types, columns)."""
        cleaned = apply_missing_values(
            frame[[c for c in self.signals if c in frame.columns]], self.missing_values
        )
        return coerce_features(cleaned, self.types)[self.signals]

    # -- the public call ---------------------------------------------------------------------------------

    def score(
        self, frame: pd.DataFrame, *, explain_scores: bool = True, previous_tiers: np.ndarray | None = None
    ) -> ScoreBatch:
        """Score every row of `frame` (n leads, raw columns as in the history) at once.

        explain_scores=False skips the per-signal attribution (faster for trees and networks); the scorecard
        and logistic regression explain at no extra cost. previous_tiers (n,) applies the hysteresis band.
        Up to SMALL_ROWS rows take a path on plain arrays (same figures, a few milliseconds for one lead).
        """
        if 0 < len(frame) <= SMALL_ROWS:
            return self._score_small(frame, explain_scores=explain_scores, previous_tiers=previous_tiers)
        X = self.prepare(frame)
        # Chunks bound the memory of the swapped copies that tree/network explanations predict on.
        parts = [X.iloc[i : i + CHUNK_ROWS] for i in range(0, len(X), CHUNK_ROWS)]
        contributions, scores, probability = [], [], []
        for part in parts:
            if (
                not explain_scores
                and not isinstance(self.model, Scorecard)
                and self._learner().kind != ("logistic_regression")
            ):
                p = self._learner().predict_proba(part)
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
                    self.binning.bins_[i].bin_index(X[self.binning.bins_[i].column])
                    for i in self.support_columns
                ]
            )
            if self.support_columns
            else np.zeros((len(X), 0), dtype=int)
        )
        return self._batch(frame.index, X, len(X), score, probability, contribution, bins, previous_tiers)

    def _score_small(
        self, frame: pd.DataFrame, *, explain_scores: bool, previous_tiers: np.ndarray | None
    ) -> ScoreBatch:
        """`score` for a few rows on coerced column arrays: every figure and word of the frame path."""
        n = len(frame)
        X = coerce_columns(frame, self.types, self.missing_values)
        if (
            not explain_scores
            and not isinstance(self.model, Scorecard)
            and self._learner().kind != ("logistic_regression")
        ):
            probability = self._learner().predict_proba_arrays(X)
            contribution, score = None, 100.0 * probability
        else:
            contribution, score, probability = self._contributions_small(X, n)
        bins = (
            np.column_stack(
                [
                    self.binning.bins_[i].bin_index_array(X[self.binning.bins_[i].column])
                    for i in self.support_columns
                ]
            )
            if self.support_columns
            else np.zeros((n, 0), dtype=int)
        )
        return self._batch(frame.index, X, n, score, probability, contribution, bins, previous_tiers)

    def _batch(
        self,
        index: pd.Index,
        X: pd.DataFrame | dict[str, np.ndarray],
        n: int,
        score: np.ndarray,
        probability: np.ndarray,
        contribution: np.ndarray | None,
        bins: np.ndarray,
        previous_tiers: np.ndarray | None,
    ) -> ScoreBatch:
        """Guardrails, subtotals, top factors, support and tiers: shared by the frame and array paths."""
        plan = self._plan()
        guardrail_points = guardrail_reasons = None
        if isinstance(self.model, HybridLearner) and self.model.guardrails:
            capped = self.model.apply_guardrails(probability, X)
            guardrail_points = 100.0 * (capped - probability)
            guardrail_reasons = np.full(n, "", dtype=object)
            for rule in self.model.guardrails:
                guardrail_reasons[rule.matches(X)] = f"Guardrail: {rule.reason or rule.column}"
            probability, score = capped, 100.0 * capped
        score = np.clip(score, 0.0, 100.0)
        subtotals = np.zeros((n, len(DIMENSIONS)))
        up = down = None
        if contribution is not None:
            for k, members in enumerate(plan["members"]):
                if members:
                    subtotals[:, k] = np.clip(contribution[:, members], 0, None).sum(axis=1)
            negative = len(DIMENSIONS) - 1
            subtotals[:, negative] = np.clip(contribution, None, 0).sum(axis=1)
            # A signal ops staff filed under "negative" (or an unknown dimension) still adds up somewhere.
            if plan["others"]:
                subtotals[:, negative] += np.clip(contribution[:, plan["others"]], 0, None).sum(axis=1)
            if guardrail_points is not None:
                subtotals[:, negative] += guardrail_points
            up, down = explain.top_indices(contribution, self.top_n)
        support = explain.support_counts(
            explain.support_codes(bins, self.support_sizes), self.support_codes, self.support_counts
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
            base_score=self.base_score,
            confidence=explain.confidence_from_support(support, n_closed=self.n_closed),
            support=support,
            abstain=support < self.min_support,
            contributions=contribution,
            up=up,
            down=down,
            features=X,
            signals=self.signals,
            labels=self.labels,
            kinds=self.types,
            missing_ranges=self.missing_ranges,
            guardrail_points=guardrail_points,
            guardrail_reasons=guardrail_reasons,
            model_signals=list(plan["model_signals"]),
        )

    def _model_signals(self) -> list[str]:
        if isinstance(self.model, Scorecard):
            return list(self.model.signals)
        return self.signals

    def to_dict(self) -> dict[str, Any]:
        """What the scorer holds, as plain data (no fitted objects)."""
        return {
            "kind": self.kind,
            "signals": [
                {
                    "signal": c,
                    "type": self.types[c],
                    "dimension": self.dimensions.get(c),
                    "label": self.labels[c],
                }
                for c in self.signals
            ],
            "missing_values": list(self.missing_values),
            "base_score": self.base_score,
            "min_support": self.min_support,
            "n_closed": self.n_closed,
            "cutoffs": self.cutoffs.to_dict() if self.cutoffs is not None else None,
        }
