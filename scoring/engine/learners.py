"""Learners: logistic regression, random forest, gradient boosting, neural network, and a hybrid.

Each learner is a scikit-learn Pipeline with its own preprocessing, wrapped in an out-of-fold calibration
so its output is a win probability. Inputs are the coerced feature frames of `dataset.coerce_features`
(numbers as float, categories as object strings with NaN for missing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import beta
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, QuantileTransformer
from threadpoolctl import ThreadpoolController

from .points import WoeBinning

LEARNERS = ("logistic_regression", "random_forest", "gradient_boosting", "neural_network")
MIN_CLOSED_DEALS = 50
# Isotonic calibration (out of fold, over ISOTONIC_FOLDS folds) from this many training deals up.
ISOTONIC_MIN_DEALS = 2000
ISOTONIC_FOLDS = 5
LOW_CONFIDENCE_DEALS = 200


def single_thread():
    """A context in which OpenMP/BLAS use one thread.

    HistGradientBoosting spins an OpenMP team per tree; on a busy shared machine (or inside a Celery worker
    next to others) the spinning threads fight each other and a 1 s fit took 100 s. Parallelism belongs to
    the workers, one model per process.
    """
    return _controller().limit(limits=1)


_CONTROLLER: ThreadpoolController | None = None


def _controller() -> ThreadpoolController:
    # Finding the loaded BLAS/OpenMP libraries walks every shared object of the process (~10 ms): do it once.
    # Scoring imports sklearn, numpy and scipy before the first call, so their pools are all known by then.
    global _CONTROLLER
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER


class InsufficientHistory(ValueError):
    """Too few closed deals to fit a learner honestly."""


def check_sample_size(y: np.ndarray, *, minimum: int = MIN_CLOSED_DEALS) -> None:
    """Refuse to fit on fewer than `minimum` closed deals or without both wins and losses."""
    y = np.asarray(y)
    n_won, n_lost = int((y == 1).sum()), int((y == 0).sum())
    if n_won + n_lost < minimum:
        raise InsufficientHistory(
            f"only {n_won + n_lost} closed deals ({n_won} won, {n_lost} lost); at least {minimum} are needed "
            "before a learner can tell signal from chance"
        )
    if min(n_won, n_lost) < 5:
        raise InsufficientHistory(
            f"{n_won} won and {n_lost} lost deals: a learner needs at least 5 of each to learn what separates them"
        )


class CategoryCodes(BaseEstimator, TransformerMixin):
    """Categories to integer codes (frequent levels keep their own code, rare and unseen ones share one),
    numbers passed through, missing stays NaN. A pandas hash lookup: far faster than OrdinalEncoder on
    object columns, which matters when explanations predict on many swapped copies of a batch."""

    def __init__(self, min_frequency: int = 10, max_levels: int = 250):
        self.min_frequency = min_frequency
        self.max_levels = max_levels

    def fit(self, X: pd.DataFrame, y=None) -> CategoryCodes:
        """Learn the frequent levels of each object column of `X` (n, p)."""
        self.columns_ = list(X.columns)
        self.levels_ = {}
        for column in self.columns_:
            if X[column].dtype == object:
                counts = X[column].value_counts()
                self.levels_[column] = list(counts[counts >= self.min_frequency].index[: self.max_levels])
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Codes and numbers as a float array (n, p)."""
        out = np.empty((len(X), len(self.columns_)), dtype=float)
        for j, column in enumerate(self.columns_):
            values = X[column]
            if column in self.levels_:
                levels = self.levels_[column]
                codes = (
                    pd.Index(levels, dtype=object).get_indexer(values.to_numpy(dtype=object)).astype(float)
                )
                codes[codes < 0] = len(levels)
                codes[values.isna().to_numpy()] = np.nan
                out[:, j] = codes
            else:
                out[:, j] = values.to_numpy(dtype=float)
        return out


def _split_columns(X: pd.DataFrame) -> tuple[list[str], list[str]]:
    categorical = [c for c in X.columns if X[c].dtype == object]
    numeric = [c for c in X.columns if c not in categorical]
    return categorical, numeric


def make_pipeline_for(kind: str, X: pd.DataFrame, *, seed: int = 42, n_jobs: int = 1) -> Pipeline:
    """An unfitted preprocessing + model pipeline of the given kind for frames shaped like `X`."""
    categorical, numeric = _split_columns(X)
    # Rare levels share one code: a level seen 3 times says more about noise than about buyers.
    min_frequency = max(10, int(0.005 * len(X)))
    if kind == "logistic_regression":
        return Pipeline([("woe", WoeBinning()), ("model", LogisticRegression(C=1.0, max_iter=2000))])
    ordinal = CategoryCodes(min_frequency=min_frequency)
    categorical_mask = [c in categorical for c in X.columns]
    if kind == "gradient_boosting":
        model = HistGradientBoostingClassifier(
            learning_rate=0.03,
            max_iter=500,
            max_leaf_nodes=15,
            min_samples_leaf=30,
            l2_regularization=1.0,
            categorical_features=categorical_mask if any(categorical_mask) else None,
            random_state=seed,
        )
        return Pipeline([("encode", ordinal), ("model", model)])
    if kind == "random_forest":
        model = RandomForestClassifier(
            n_estimators=200, min_samples_leaf=5, max_features="sqrt", random_state=seed, n_jobs=n_jobs
        )
        return Pipeline([("encode", ordinal), ("model", model)])
    if kind == "neural_network":
        one_hot = ColumnTransformer(
            [
                (
                    "categories",
                    make_pipeline(
                        SimpleImputer(strategy="constant", fill_value="missing"),
                        OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=min_frequency),
                    ),
                    categorical,
                ),
                (
                    "numbers",
                    make_pipeline(
                        SimpleImputer(strategy="median", add_indicator=True),
                        # Quantiles tame the outliers (a 3-hour site visit) that would swamp the scaled inputs.
                        QuantileTransformer(n_quantiles=200, output_distribution="normal", random_state=seed),
                    ),
                    numeric,
                ),
            ],
            sparse_threshold=0.0,
        )
        # Early stopping holds out 10 % of the rows: on a small history that leaves too little to judge
        # by, so there a stronger weight penalty does the regularising instead.
        large = len(X) >= 2000
        model = MLPClassifier(
            hidden_layer_sizes=(32, 16),
            alpha=1e-2 if large else 1.0,
            early_stopping=large,
            max_iter=300,
            n_iter_no_change=20,
            random_state=seed,
        )
        return Pipeline([("encode", one_hot), ("model", model)])
    raise ValueError(f"unknown learner {kind!r}; choose one of {', '.join(LEARNERS)}")


class Learner(ClassifierMixin, BaseEstimator):
    """A calibrated learner (a scikit-learn classifier): `fit` on coerced features, `predict_proba` (n, 2).

    kind: one of LEARNERS. One pipeline is refitted on all rows plus a calibration learned out of fold
    (ensemble=False): a sigmoid over `calibration_folds` folds, or, for the non-linear learners with at least
    ISOTONIC_MIN_DEALS deals (calibration="auto"), isotonic over ISOTONIC_FOLDS folds: the linear model's explanation stays exact, and a forest is
    predicted once instead of once per fold (on X Education the fold average bought no AUC and cost 3-5x
    the scoring time).
    """

    def __init__(
        self,
        kind: str = "logistic_regression",
        *,
        seed: int = 42,
        calibration_folds: int = 3,
        ensemble: bool = False,
        n_jobs: int = 1,
        calibration: str = "auto",
    ):
        self.calibration = calibration
        self.kind = kind
        self.seed = seed
        self.calibration_folds = calibration_folds
        self.ensemble = ensemble
        self.n_jobs = n_jobs

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> Learner:
        """Fit the pipeline and its sigmoid calibration on `X` (n, p) and `y` (n,) of 0/1."""
        check_sample_size(y)
        y = np.asarray(y, dtype=int)
        self.columns_ = list(X.columns)
        self.n_train_ = len(y)
        self.classes_ = np.array([0, 1])
        self.calibration_ = self._calibration_method(len(y))
        wanted = ISOTONIC_FOLDS if self.calibration_ == "isotonic" else self.calibration_folds
        folds = max(2, min(wanted, int(min(y.sum(), len(y) - y.sum()))))
        pipeline = make_pipeline_for(self.kind, X, seed=self.seed, n_jobs=self.n_jobs)
        self.estimator_ = CalibratedClassifierCV(
            pipeline,
            method=self.calibration_,
            cv=folds,
            ensemble=self.ensemble and self.kind != "logistic_regression",
        )
        with single_thread():
            self.estimator_.fit(X[self.columns_], y)
        if self.kind == "logistic_regression":
            # The training means of the linear terms: the "average lead" explanations start from.
            fitted = self.estimator_.calibrated_classifiers_[0].estimator
            woe = fitted.named_steps["woe"].transform(X[self.columns_])
            self.term_means_ = (woe * fitted.named_steps["model"].coef_[0]).mean(axis=0)
        return self

    def _calibration_method(self, n: int) -> str:
        # A sigmoid cannot bend to a forest's or a network's shape (on X Education it under-predicted the
        # middle deciles by 11-13 points); isotonic can, given enough deals not to overfit its steps. The
        # linear model keeps its sigmoid: its explanations are exact only through it.
        if self.calibration != "auto":
            return self.calibration
        return "isotonic" if self.kind != "logistic_regression" and n >= ISOTONIC_MIN_DEALS else "sigmoid"

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated probabilities of a loss and a win per row, shape (n, 2)."""
        with single_thread(), config_context(assume_finite=True):
            return self.estimator_.predict_proba(self._columns(X))

    def _columns(self, X: pd.DataFrame) -> pd.DataFrame:
        # A column take copies the frame (~0.3 ms): skip it when the frame is already in fit order.
        return X if list(X.columns) == self.columns_ else X[self.columns_]

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """1 where a win is more likely than not, else 0, shape (n,)."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def linear_terms(self, X: pd.DataFrame) -> tuple[np.ndarray, float, tuple[float, float]]:
        """For logistic regression only: per-signal log-odds terms (n, p) centred on the training mean,
        the log-odds of the average lead, and the sigmoid calibration (a, b): p = 1 / (1 + exp(a*f + b)).
        """
        if self.kind != "logistic_regression":
            raise TypeError("linear terms exist only for logistic regression")
        fitted = self.estimator_.calibrated_classifiers_[0]
        pipeline, calibrator = fitted.estimator, fitted.calibrators[0]
        woe = pipeline.named_steps["woe"].transform(self._columns(X))
        model = pipeline.named_steps["model"]
        terms = woe * model.coef_[0]
        return (
            terms - self.term_means_,
            float(model.intercept_[0] + self.term_means_.sum()),
            (float(calibrator.a_), float(calibrator.b_)),
        )

    def to_dict(self) -> dict[str, Any]:
        """What was fitted, as plain data."""
        base = self.estimator_.calibrated_classifiers_[0].estimator.named_steps["model"]
        params = {
            k: v for k, v in base.get_params().items() if isinstance(v, int | float | str | bool | None)
        }
        method = getattr(self, "calibration_", "sigmoid")
        return {"kind": self.kind, "n_train": self.n_train_, "calibration": method, "params": params}


@dataclass
class Guardrail:
    """A rule on top of a learner: a hard disqualifier (probability capped at `cap`) or a cap.

    `column` compared with `operator` ("==", "!=", "<", "<=", ">", ">=", "in", "missing") to `value`.
    """

    column: str
    operator: str
    value: Any
    cap: float  # the highest probability a lead matching the rule may get (0 disqualifies)
    reason: str = ""

    def matches(self, frame: pd.DataFrame) -> np.ndarray:
        """Boolean mask (n,) of leads the rule applies to; a missing column matches nobody."""
        if self.column not in frame:
            return np.zeros(len(frame), dtype=bool)
        values = frame[self.column]
        if self.operator == "missing":
            return values.isna().to_numpy()
        if self.operator == "in":
            return values.isin(list(self.value)).to_numpy()
        ops = {
            "==": values.eq,
            "!=": values.ne,
            "<": values.lt,
            "<=": values.le,
            ">": values.gt,
            ">=": values.ge,
        }
        return ops[self.operator](self.value).fillna(False).to_numpy(dtype=bool)

    def to_dict(self) -> dict[str, Any]:
        """The rule as plain data."""
        value = list(self.value) if isinstance(self.value, set | tuple | list) else self.value
        return {
            "column": self.column,
            "operator": self.operator,
            "value": value,
            "cap": self.cap,
            "reason": self.reason,
        }


def derive_guardrails(
    X: pd.DataFrame, y: np.ndarray, *, min_n: int = 30, max_win_rate: float = 0.03
) -> list[Guardrail]:
    """Disqualifiers learned from history: category levels whose win rate is surely below `max_win_rate`.

    A level qualifies when it covers at least `min_n` closed deals and the upper 95 % Clopper-Pearson bound
    of its win rate stays below `max_win_rate`; such leads are capped at that observed upper bound.
    """
    y = np.asarray(y, dtype=int)
    rules = []
    for column in X.columns:
        if X[column].dtype != object:
            continue
        table = pd.DataFrame({"level": X[column], "won": y}).groupby("level")["won"].agg(["sum", "count"])
        for level, row in table.iterrows():
            n, won = int(row["count"]), int(row["sum"])
            if n < min_n:
                continue
            upper = float(beta.ppf(0.975, won + 1, n - won)) if won < n else 1.0
            if upper < max_win_rate:
                rules.append(
                    Guardrail(
                        column,
                        "==",
                        level,
                        cap=upper,
                        reason=f"{won} of {n} past leads with {column} = {level} won",
                    )
                )
    return rules


class HybridLearner(ClassifierMixin, BaseEstimator):
    """A learner with rule guardrails on top (a scikit-learn classifier): matching leads have their
    probability capped. guardrails=None derives disqualifiers from the history in `fit`."""

    kind = "hybrid"

    def __init__(self, learner: Learner | None = None, guardrails: list[Guardrail] | None = None):
        self.learner = learner
        self.guardrails = guardrails

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> HybridLearner:
        """Fit a copy of `learner` on `X` (n, p) and `y` (n,); learn the guardrails when none were given."""
        self.learner_ = clone(self.learner if self.learner is not None else Learner()).fit(X, y)
        self.guardrails_ = list(self.guardrails) if self.guardrails is not None else derive_guardrails(X, y)
        self.classes_ = self.learner_.classes_
        return self

    @property
    def columns_(self) -> list[str]:
        """The feature columns the underlying learner reads."""
        return self.learner_.columns_

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated probabilities (n, 2), the win's capped by every guardrail the lead matches."""
        win = self.apply_guardrails(self.learner_.predict_proba(X)[:, 1], X)
        return np.column_stack([1.0 - win, win])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """1 where a win is more likely than not after the guardrails, else 0, shape (n,)."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def apply_guardrails(self, probability: np.ndarray, frame: pd.DataFrame) -> np.ndarray:
        """Cap `probability` (n,) for the rows of `frame` each rule matches."""
        capped = probability.copy()
        for rule in self.guardrails_:
            mask = rule.matches(frame)
            capped[mask] = np.minimum(capped[mask], rule.cap)
        return capped

    def to_dict(self) -> dict[str, Any]:
        """The learner and its guardrails as plain data."""
        return {
            "kind": "hybrid",
            "learner": self.learner_.to_dict(),
            "guardrails": [g.to_dict() for g in self.guardrails_],
        }
