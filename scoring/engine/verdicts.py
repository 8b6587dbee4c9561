"""The last word on a model: which columns carry a too-good figure, and whether a person must look first.

`validation.validate` judges the holdout figures alone (deployable, misses_targets,
no_better_than_base_rate, too_good_to_be_true). Here the leakage screen's findings are added: a model that
leans on a column still suspected of being recorded after first contact is too good to be true until a
person confirms or clears that column, whatever its AUC.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from .contracts import Metrics
from .learners import make_pipeline_for, single_thread
from .validation import DEPLOYABLE, MISSES_TARGETS, NO_SIGNAL, TOO_GOOD

# The suspects must carry at least this much holdout AUC (all of them dropped at once) to hold the verdict.
SUSPECT_AUC_LOSS = 0.01
MAX_DROP_COLUMNS = 12


def _auc_of(X_train, y_train, X_test, y_test, columns: list[str], seed: int) -> float:
    if not columns:
        return 0.5
    with single_thread():
        pipeline = make_pipeline_for("logistic_regression", X_train[columns], seed=seed)
        pipeline.fit(X_train[columns], y_train)
        return float(roc_auc_score(y_test, pipeline.predict_proba(X_test[columns])[:, 1]))


def drop_one_auc_loss(
    X_train: pd.DataFrame,
    y_train: np.ndarray,
    X_test: pd.DataFrame,
    y_test: np.ndarray,
    columns: list[str],
    *,
    seed: int = 42,
) -> dict[str, float]:
    """Holdout AUC lost when each of `columns` is left out (a logistic regression refitted without it), and
    under "(all of them)" when they all are. A rank measure: calibration does not change it."""
    signals = list(X_train.columns)
    full = _auc_of(X_train, y_train, X_test, y_test, signals, seed)
    losses = {}
    for column in columns[:MAX_DROP_COLUMNS]:
        rest = [c for c in signals if c != column]
        losses[column] = full - _auc_of(X_train, y_train, X_test, y_test, rest, seed)
    if len(columns) > 1:
        rest = [c for c in signals if c not in set(columns)]
        losses["(all of them)"] = full - _auc_of(X_train, y_train, X_test, y_test, rest, seed)
    return losses


def carriers(
    X_train: pd.DataFrame,
    y_train: np.ndarray,
    X_test: pd.DataFrame,
    y_test: np.ndarray,
    validation: Metrics,
    *,
    suspected: list[str],
    single_auc: dict[str, float],
    seed: int = 42,
) -> dict[str, float]:
    """The drop-one AUC losses the verdict needs: the suspects in the model, and for a too-good model the
    strongest columns too (by single-column AUC). Empty when neither applies (no refits)."""
    in_model = [c for c in suspected if c in X_train.columns]
    candidates = list(in_model)
    if validation.verdict == TOO_GOOD:
        strongest = sorted(X_train.columns, key=lambda c: -(single_auc.get(c) or 0.5))
        candidates += [c for c in strongest if c not in candidates][
            : max(0, MAX_DROP_COLUMNS - len(candidates))
        ]
    if not candidates or validation.verdict == NO_SIGNAL:
        return {}
    return drop_one_auc_loss(X_train, y_train, X_test, y_test, candidates, seed=seed)


def _named(losses: dict[str, float], columns: list[str]) -> str:
    ranked = sorted((c for c in columns if c in losses), key=lambda c: -losses[c])
    return ", ".join(f"`{c}` ({losses[c]:+.3f})" for c in ranked[:6])


def final_verdict(
    validation: Metrics, *, suspected: list[str], losses: dict[str, float], cleared: tuple[str, ...] = ()
) -> Metrics:
    """The validation record with the verdict that accounts for the leakage screen."""
    code, text = validation.verdict, validation.verdict_text
    open_suspects = [c for c in suspected if c not in cleared and c in losses]
    if code == TOO_GOOD:
        carried = [c for c in losses if c != "(all of them)"]
        text += (
            f" The columns that carry it (holdout AUC lost when each is left out): {_named(losses, carried)}."
        )
    elif code in (DEPLOYABLE, MISSES_TARGETS) and open_suspects:
        together = losses.get("(all of them)", losses[open_suspects[0]] if len(open_suspects) == 1 else 0.0)
        if together >= SUSPECT_AUC_LOSS:
            code = TOO_GOOD
            text = (
                f"Too good to be true until a person says otherwise: {len(open_suspects)} column(s) suspected of "
                f"being recorded after first contact carry {together:.3f} of its holdout AUC "
                f"({validation.auc:.3f}; drop-one losses {_named(losses, open_suspects)}). Confirm each as "
                "leakage (post_outcome in the mapping) or clear it (--keep-leaky) before this model goes live. "
                f"The figures otherwise: {text}"
            )
    return dataclasses.replace(validation, verdict=code, verdict_text=text)


__all__ = ["carriers", "drop_one_auc_loss", "final_verdict"]
