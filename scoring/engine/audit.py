"""Data audit: completeness, duplicates, outliers, sample size, survivorship and leakage screening."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from .contracts import jsonable
from .dataset import CONSTANT, DATE, ID, NUMERIC, TEXT
from .leakage import (
    FLAGGED,
    SUSPECT_PREFIX,
    SUSPECTED,
    calendar_columns,
    date_findings,
    missingness_findings,
    name_findings,
    status_value_findings,
)
from .learners import LOW_CONFIDENCE_DEALS, MIN_CLOSED_DEALS

# A single column whose out-of-fold AUC reaches this alone is almost certainly recorded after the fact:
# on real CRM data the best honest pre-contact signal rarely passes 0.75.
LEAKAGE_AUC = 0.85
# Or: values that are (nearly) always won or always lost covering this share of the deals.
LEAKAGE_PURE_SHARE = 0.25
PURE_WIN_RATE = 0.03


@dataclass
class LeakageFlag:
    """A column screened as leaking the outcome, with the evidence and what was done."""

    column: str
    reason: str
    single_column_auc: float | None = None
    pure_share: float | None = None
    source: str = (
        "data"  # "data" (screened), "mapping" (marked post_outcome by ops staff) or "mapping and data"
    )
    kept: bool = False
    # "flagged": left out of training unless kept; "suspected": kept in until a person confirms or clears it
    # (keep_leaky clears it).
    status: str = FLAGGED
    evidence: dict = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The flag as plain data."""
        return jsonable(self.__dict__.copy())


def _single_column_auc(values: pd.Series, y: np.ndarray, seed: int = 0) -> float:
    """Out-of-fold AUC of a column used alone (category -> smoothed win rate; numbers as they are)."""
    if values.dtype != object and values.dropna().nunique() > 20:
        filled = values.fillna(values.median()).to_numpy(dtype=float)
        auc = roc_auc_score(y, filled)
        return float(max(auc, 1 - auc))
    text = values.astype(object).where(values.notna(), "(missing)").astype(str)
    oof = np.zeros(len(text))
    splitter = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    prior = y.mean()
    for train, test in splitter.split(text, y):
        table = (
            pd.DataFrame({"level": text.iloc[train].to_numpy(), "won": y[train]})
            .groupby("level")["won"]
            .agg(["sum", "count"])
        )
        rate = (table["sum"] + 10 * prior) / (table["count"] + 10)
        oof[test] = text.iloc[test].map(rate).fillna(prior).to_numpy()
    auc = roc_auc_score(y, oof)
    return float(max(auc, 1 - auc))


def screen_leakage(
    X: pd.DataFrame, y: np.ndarray, *, min_level_n: int = 20, aucs: dict[str, float] | None = None
) -> list[LeakageFlag]:
    """Columns that alone separate won from lost almost perfectly, judged from the data only.

    X: (n, p) coerced features; y: (n,) 0/1. A column is flagged when its out-of-fold single-column
    AUC reaches LEAKAGE_AUC, or when values with at least `min_level_n` deals and a win rate within
    PURE_WIN_RATE of 0 or 1 cover LEAKAGE_PURE_SHARE of all deals: the fingerprint of a status field
    the sales team fills in once they know the result.
    """
    y = np.asarray(y, dtype=int)
    flags = []
    if len(np.unique(y)) < 2:
        return flags
    for column in X.columns:
        values = X[column]
        if values.dropna().nunique() <= 1:
            continue
        auc = _single_column_auc(values, y)
        if aucs is not None:
            aucs[column] = auc
        pure_share = 0.0
        pure_values: list[str] = []
        if values.dtype == object or values.dropna().nunique() <= 20:
            text = values.astype(object).where(values.notna(), "(missing)").astype(str)
            table = (
                pd.DataFrame({"level": text.to_numpy(), "won": y})
                .groupby("level")["won"]
                .agg(["mean", "count"])
            )
            pure = table[
                (table["count"] >= min_level_n)
                & ((table["mean"] <= PURE_WIN_RATE) | (table["mean"] >= 1 - PURE_WIN_RATE))
            ]
            pure_share = float(pure["count"].sum() / len(y))
            pure_values = [
                f"{level!s} ({row['mean']:.0%} won of {int(row['count'])})"
                for level, row in pure.sort_values("count", ascending=False).head(3).iterrows()
            ]
        reasons = []
        if auc >= LEAKAGE_AUC:
            reasons.append(
                f"used alone it separates won from lost with an AUC of {auc:.3f} (honest single signals rarely "
                f"pass 0.75)"
            )
        if pure_share >= LEAKAGE_PURE_SHARE:
            reasons.append(
                f"{pure_share:.0%} of closed deals carry a value that is almost always won or almost always lost "
                f"(e.g. {', '.join(pure_values)})"
            )
        if reasons:
            flags.append(
                LeakageFlag(
                    column=column,
                    reason="; ".join(reasons)
                    + ": it is probably filled in after the outcome is known (a status or sales-team field)",
                    single_column_auc=auc,
                    pure_share=pure_share,
                )
            )
    return flags


@dataclass
class DataAudit:
    """What the audit found; `to_dict()` gives plain data."""

    n_rows: int
    n_closed: int
    n_won: int
    n_lost: int
    n_open: int
    base_rate: float
    confidence: str  # "refuse" (< 50 closed deals), "low" (< 200) or "adequate"
    column_types: dict[str, str]
    completeness: dict[str, float]
    duplicates: dict[str, int]
    outliers: dict[str, dict[str, Any]]
    errors: list[str]
    excluded: dict[str, str]  # column -> why it is not a training feature
    leakage: list[LeakageFlag]
    warnings: list[str] = field(default_factory=list)
    sample_size_per_signal: dict[str, int] = field(default_factory=dict)
    single_column_auc: dict[str, float] = field(default_factory=dict)
    calendar_columns: dict[str, str] = field(default_factory=dict)

    @property
    def leakage_flagged(self) -> list[str]:
        """Names of the columns left out (or explicitly kept) as leaking the outcome."""
        return [flag.column for flag in self.leakage if flag.status == FLAGGED]

    @property
    def leakage_suspected(self) -> dict[str, str]:
        """Suspected columns nobody has cleared yet (still in training), with the reason."""
        return {
            flag.column: flag.reason for flag in self.leakage if flag.status == SUSPECTED and not flag.kept
        }

    def to_dict(self) -> dict[str, Any]:
        """The audit as plain, JSON-ready data."""
        return jsonable(
            {
                "n_rows": self.n_rows,
                "n_closed": self.n_closed,
                "n_won": self.n_won,
                "n_lost": self.n_lost,
                "n_open": self.n_open,
                "base_rate": self.base_rate,
                "confidence": self.confidence,
                "column_types": self.column_types,
                "completeness": self.completeness,
                "duplicates": self.duplicates,
                "outliers": self.outliers,
                "errors": self.errors,
                "excluded": self.excluded,
                "leakage": [flag.to_dict() for flag in self.leakage],
                "leakage_flagged": self.leakage_flagged,
                "leakage_suspected": self.leakage_suspected,
                "warnings": self.warnings,
                "sample_size_per_signal": self.sample_size_per_signal,
                "single_column_auc": self.single_column_auc,
                "calendar_columns": self.calendar_columns,
            }
        )


def sample_confidence(n_closed: int) -> str:
    """'refuse' below 50 closed deals, 'low' below 200, else 'adequate'."""
    if n_closed < MIN_CLOSED_DEALS:
        return "refuse"
    return "low" if n_closed < LOW_CONFIDENCE_DEALS else "adequate"


def audit_data(
    frame: pd.DataFrame,
    labels: pd.Series,
    *,
    types: dict[str, str],
    features: pd.DataFrame,
    id_column: str | None = None,
    post_outcome: tuple[str, ...] | list[str] = (),
    ignore: tuple[str, ...] | list[str] = (),
    keep_leaky: tuple[str, ...] | list[str] = (),
    open_features: pd.DataFrame | None = None,
    date_column: str | None = None,
) -> DataAudit:
    """Audit a history frame before training.

    frame: the raw history (n rows, missing tokens already NaN); labels: (n,) 1 won, 0 lost, NaN open;
    types: column types from `dataset.infer_column_types`; features: the coerced candidate features of
    the closed rows. Columns marked `post_outcome` are excluded; columns screened as leaky are excluded
    unless named in `keep_leaky`. Suspected columns (leakage.py) stay in; `keep_leaky` clears them.
    open_features: the coerced features of the open rows (values no open lead carries are a leak's
    fingerprint); date_column: the close date other dates are checked against.
    """
    closed = labels.notna().to_numpy()
    y = labels[closed].to_numpy(dtype=int)
    n_won, n_closed = int(y.sum()), int(closed.sum())
    completeness = {c: round(float(frame[c].notna().mean()), 4) for c in frame.columns}
    duplicates = {"rows": int(frame.duplicated().sum())}
    if id_column and id_column in frame.columns:
        duplicates["ids"] = int(frame[id_column].dropna().duplicated().sum())
    errors: list[str] = []
    outliers: dict[str, dict[str, Any]] = {}
    for column, kind in types.items():
        if kind != NUMERIC or column not in features.columns:
            continue
        values = features[column].dropna()
        if values.empty:
            continue
        q1, q3 = values.quantile([0.25, 0.75])
        fence = q3 + 3 * (q3 - q1)
        low_fence = q1 - 3 * (q3 - q1)
        count = int(((values > fence) | (values < low_fence)).sum())
        if count:
            outliers[column] = {"n": count, "max": float(values.max()), "upper_fence": float(fence)}
        if (values < 0).any() and (values >= 0).mean() > 0.99:
            errors.append(
                f"{column}: {int((values < 0).sum())} negative values in a column that is otherwise >= 0"
            )
    excluded: dict[str, str] = {}
    for column, kind in types.items():
        if kind in (ID, DATE, TEXT, CONSTANT):
            excluded[column] = {
                ID: "an identifier, not a signal",
                DATE: "a date: used for the time split and event features, not as a signal",
                TEXT: "free text",
                CONSTANT: "one value only: says nothing about the outcome",
            }[kind]
    for column in ignore:
        excluded[column] = "ignored by the mapping"
    leakage = []
    for column in post_outcome:
        if column in frame.columns:
            leakage.append(
                LeakageFlag(
                    column,
                    "marked in the mapping as known only after the outcome",
                    source="mapping",
                    kept=column in keep_leaky,
                )
            )
    # Columns the mapping already marks are screened too: the report should show when the data confirms it.
    marked = {flag.column: flag for flag in leakage}
    aucs: dict[str, float] = {}
    screened = screen_leakage(features, y, aucs=aucs)
    closed_frame = frame[closed]
    for finding in [
        *missingness_findings(features, y),
        *date_findings(closed_frame, y, types, date_column),
    ]:
        flag = next((f for f in screened if f.column == finding.column), None)
        if flag is None:
            screened.append(
                LeakageFlag(
                    finding.column,
                    finding.reason,
                    single_column_auc=aucs.get(finding.column),
                    evidence=finding.evidence,
                )
            )
        else:
            flag.reason = f"{flag.reason}; {finding.reason}"
            flag.evidence.update(finding.evidence)
    for flag in screened:
        if flag.column in marked:
            known = marked[flag.column]
            known.source = "mapping and data"
            known.reason = f"{known.reason}; the data agrees: {flag.reason}"
            known.single_column_auc, known.pure_share = flag.single_column_auc, flag.pure_share
            continue
        flag.kept = flag.column in keep_leaky
        leakage.append(flag)
        marked[flag.column] = flag
    missing_share = {c: float(features[c].isna().mean()) for c in features.columns}
    suspects: dict[str, LeakageFlag] = {}
    for finding in [
        *status_value_findings(features, y, types, open_features),
        *name_findings(list(features.columns), aucs, missing_share),
    ]:
        if finding.column in marked or finding.column in ignore:
            continue
        if finding.column in suspects:
            known = suspects[finding.column]
            known.reason += "; " + finding.reason.removeprefix(f"{SUSPECT_PREFIX}: ")
            known.evidence.update(finding.evidence)
            continue
        suspects[finding.column] = LeakageFlag(
            finding.column,
            finding.reason,
            single_column_auc=aucs.get(finding.column),
            status=SUSPECTED,
            kept=finding.column in keep_leaky,
            evidence=finding.evidence,
        )
    leakage.extend(suspects.values())
    for flag in leakage:
        if not flag.kept and flag.status == FLAGGED:
            excluded[flag.column] = f"leakage: {flag.reason}"
    warnings = []
    confidence = sample_confidence(n_closed)
    if confidence == "refuse":
        warnings.append(
            f"only {n_closed} closed deals: below {MIN_CLOSED_DEALS} no learner is fitted; collect more history"
        )
    elif confidence == "low":
        warnings.append(
            f"{n_closed} closed deals: below {LOW_CONFIDENCE_DEALS} every score carries low confidence"
        )
    n_open = int((~closed).sum())
    # Survivorship: a history of only closed deals, or a win rate far from any plausible funnel, usually means
    # the export kept the leads that went somewhere and dropped the ones that silently died.
    base = n_won / n_closed if n_closed else float("nan")
    if n_closed and (base > 0.6):
        warnings.append(
            f"win rate {base:.0%} is unusually high: check that leads that never progressed were not dropped "
            "from the export (survivorship)"
        )
    warnings.append(
        "survivorship: the model learns only from leads that reached a recorded outcome; leads still open "
        f"({n_open}) or never imported cannot teach it"
    )
    for flag in leakage:
        if flag.kept and flag.status == FLAGGED:
            warnings.append(
                f"{flag.column} is kept although it looks like leakage: holdout figures will flatter"
            )
    calendar = (
        calendar_columns(
            features[[c for c in features.columns if c not in excluded]], closed_frame[date_column]
        )
        if date_column and date_column in frame.columns
        else {}
    )
    for column, why in calendar.items():
        warnings.append(
            f"{column} is nearly a function of the date ({why}): a calendar or economy-wide figure, not a fact "
            "about the lead; a random split flatters it, the time split shows whether it holds"
        )
    sample_per_signal = {
        c: int(features.loc[:, c].notna().sum()) for c in features.columns if c not in excluded
    }
    for column, n in sample_per_signal.items():
        if n < MIN_CLOSED_DEALS:
            warnings.append(f"{column}: answered on only {n} closed deals, too few to weigh")
    return DataAudit(
        n_rows=len(frame),
        n_closed=n_closed,
        n_won=n_won,
        n_lost=n_closed - n_won,
        n_open=n_open,
        base_rate=base,
        confidence=confidence,
        column_types=dict(types),
        completeness=completeness,
        duplicates=duplicates,
        outliers=outliers,
        errors=errors,
        excluded=excluded,
        leakage=leakage,
        warnings=warnings,
        sample_size_per_signal=sample_per_signal,
        single_column_auc=aucs,
        calendar_columns=calendar,
    )
