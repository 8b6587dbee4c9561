"""The whole job: closed history in, a validated, explained, documented scorer out (`build_model`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from .analysis import WinLossAnalysis, win_loss_analysis
from .audit import DataAudit, audit_data
from .contracts import BuildFacts, Metrics
from .dataset import (
    BOOLEAN,
    CATEGORICAL,
    NUMERIC,
    FieldMapping,
    UnusableHistory,
    apply_missing_values,
    coerce_features,
    infer_column_types,
    outcome_labels,
)
from .learners import (
    LEARNERS,
    MIN_CLOSED_DEALS,
    Guardrail,
    HybridLearner,
    InsufficientHistory,
    Learner,
    make_pipeline_for,
    single_thread,
)
from .points import Scorecard, WoeBinning, dimension_of
from .report import ModelDocument, render_report, score_distribution
from .scorer import Scorer
from .thresholds import Cutoffs, TierShares, tier_cutoffs
from .validation import NO_SIGNAL, Targets, error_cases, holdout_split, validate
from .verdicts import carriers, final_verdict

MODELS = ("auto", "points", *LEARNERS, "hybrid")
MIN_ROWS = 20


@dataclass
class BuildResult:
    """Everything `build_model` produced. `metrics` is JSON-ready (it is metrics.json)."""

    scorer: Scorer
    metrics: dict[str, Any]
    audit: DataAudit
    analysis: WinLossAnalysis
    scorecard: Scorecard
    learner: Learner | HybridLearner | None
    validation: Metrics
    cutoffs: Cutoffs
    report: str
    mapping: FieldMapping
    candidates: list[dict[str, Any]] = field(default_factory=list)
    scored: pd.DataFrame | None = None
    error_cases: dict[str, Any] = field(default_factory=dict)


def parse_guardrails(spec: Any) -> list[Guardrail]:
    """Guardrails from plain data: a list of rule dicts ({column, operator, value, cap, reason}) or the
    admin's shape {"disqualify": {column: value | [values]}, "max_score_if": {column: {"value": v,
    "max_score": 40}}}. Caps in the admin shape are scores 0-100; a disqualified lead is capped at 0."""
    if not spec:
        return []
    if isinstance(spec, list):
        return [rule if isinstance(rule, Guardrail) else Guardrail(**rule) for rule in spec]
    rules = []
    for column, value in (spec.get("disqualify") or {}).items():
        operator = "in" if isinstance(value, list) else "=="
        rules.append(Guardrail(column, operator, value, cap=0.0, reason=f"disqualified: {column} = {value}"))
    for column, rule in (spec.get("max_score_if") or {}).items():
        value = rule.get("value", rule.get("equals"))
        cap = float(rule.get("max_score", 100)) / 100.0
        operator = rule.get("operator", "in" if isinstance(value, list) else "==")
        rules.append(
            Guardrail(column, operator, value, cap=cap, reason=f"{column} = {value}: at most {cap:.0%}")
        )
    return rules


def _auc(y: np.ndarray, values: np.ndarray) -> float:
    return float(roc_auc_score(y, values)) if 0 < y.sum() < len(y) else float("nan")


def _select_model(
    X: pd.DataFrame, y: np.ndarray, *, seed: int, dimensions: dict[str, str]
) -> tuple[str, list[dict[str, Any]]]:
    """Compare the candidates on a validation fold carved from the training part only."""
    fit_index, check_index = train_test_split(
        np.arange(len(y)), test_size=0.25, stratify=y, random_state=seed
    )
    X_fit, X_check, y_fit, y_check = X.iloc[fit_index], X.iloc[check_index], y[fit_index], y[check_index]
    rows = []
    for kind in LEARNERS:
        started = time.perf_counter()
        # Calibration is monotone, so ranking quality (AUC) can be compared on the bare pipelines.
        with single_thread():
            pipeline = make_pipeline_for(kind, X_fit, seed=seed).fit(X_fit, y_fit)
            check = pipeline.predict_proba(X_check)[:, 1]
        rows.append(
            {
                "model": kind,
                "validation_auc": _auc(y_check, check),
                "fit_seconds": round(time.perf_counter() - started, 2),
            }
        )
    started = time.perf_counter()
    card = Scorecard(dimension_overrides=dimensions).fit(X_fit, y_fit)
    rows.append(
        {
            "model": "points",
            "validation_auc": _auc(y_check, card.score(X_check)),
            "fit_seconds": round(time.perf_counter() - started, 2),
        }
    )
    best = max(rows, key=lambda row: -1.0 if np.isnan(row["validation_auc"]) else row["validation_auc"])
    for row in rows:
        row["chosen"] = row is best
    return best["model"], rows


@dataclass
class ClosedHistory:
    """The closed deals a model learns from, after the audit: what `build_model`'s stages share.

    frame: every row with missing-value tokens applied; closed_raw: the closed rows (0..n-1 index);
    X: their coerced signal columns (n, p); y: outcomes (n,) 1 won / 0 lost; signal_types: column -> type.
    """

    outcome: str
    won_values: tuple[str, ...]
    lost_values: tuple[str, ...]
    id_column: str | None
    date_column: str | None
    mapping: FieldMapping
    closed_raw: pd.DataFrame
    X: pd.DataFrame
    y: np.ndarray
    signal_types: dict[str, str]
    audit: DataAudit
    open_raw: pd.DataFrame | None = None


def _outcome_values(values: pd.Series) -> pd.Series:
    """The outcome column's distinct values with their counts, as the labels compare them."""
    text = values.astype("string").str.strip().str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True)
    return text[text.notna() & (text != "")].value_counts()


@dataclass
class FittedModels:
    """What was fitted on the training part: the binning, the scorecard, and the model that scores."""

    binning: WoeBinning
    scorecard: Scorecard
    model: Scorecard | Learner | HybridLearner
    learner: Learner | HybridLearner | None
    chosen: str
    candidates: list[dict[str, Any]]

    @property
    def kind(self) -> str:
        return "hybrid" if isinstance(self.model, HybridLearner) else self.chosen


def closed_history(
    history: pd.DataFrame,
    *,
    outcome: str | None,
    won: Any,
    id_column: str | None,
    date_column: str | None,
    mapping: FieldMapping,
    keep_leaky: tuple[str, ...] | list[str],
    lost: Any = None,
) -> ClosedHistory:
    """Check the history, label its closed deals, audit it and keep the usable signal columns.

    Rows whose outcome is neither a won nor a lost value are open deals: counted and scored, never trained
    on. With more than two outcome values and no lost values named, the history is refused with the
    values and their counts: guessing would train every open deal as a loss."""
    outcome = outcome or mapping.outcome
    if not outcome:
        raise UnusableHistory("no outcome column given: pass --outcome or set it in the mapping")
    if outcome not in history.columns:
        raise UnusableHistory(
            f"no column named {outcome!r} in the file (columns: {', '.join(map(str, history.columns[:12]))})"
        )
    won_values = (
        tuple(str(v) for v in (won if isinstance(won, list | tuple) else [won]))
        if won is not None
        else mapping.won
    )
    id_column = id_column or mapping.id
    date_column = date_column or mapping.date
    if len(history) < MIN_ROWS:
        raise UnusableHistory(f"only {len(history)} rows: at least {MIN_ROWS} are needed to learn anything")

    lost_values = (
        tuple(str(v) for v in (lost if isinstance(lost, list | tuple) else [lost]))
        if lost is not None
        else mapping.lost
    )
    frame = apply_missing_values(history, mapping.missing_values or ("",))
    counts = _outcome_values(frame[outcome])
    if len(counts) > 2 and not lost_values:
        listed = ", ".join(f"{value!r} ({count:,})" for value, count in counts.items())
        raise UnusableHistory(
            f"outcome column {outcome!r} has {len(counts)} values: {listed}; say "
            + ("which mean won with --won and " if not won_values else "")
            + "which mean lost with --lost (repeatable, or outcome.won / outcome.lost in the mapping): every "
            "other value counts as open, scored but never trained on"
        )
    labels_all = outcome_labels(frame[outcome], won=won_values or None, lost=lost_values)
    closed_mask = labels_all.notna().to_numpy()
    y_closed = labels_all[closed_mask].to_numpy(dtype=int)
    if len(np.unique(y_closed)) < 2:
        only = "won" if y_closed.size and y_closed[0] == 1 else "lost"
        raise UnusableHistory(
            f"every closed deal in {outcome!r} is {only}: a model needs both won and lost deals to learn from"
        )
    if y_closed.size < MIN_CLOSED_DEALS:
        raise InsufficientHistory(
            f"only {y_closed.size} closed deals; at least {MIN_CLOSED_DEALS} are needed before a model can tell "
            "signal from chance"
        )

    not_signals = {outcome, id_column, date_column, *mapping.ignore} - {None}
    candidate_columns = [c for c in frame.columns if c not in not_signals]
    types_all = infer_column_types(frame[candidate_columns])
    feature_types = {c: k for c, k in types_all.items() if k in (NUMERIC, CATEGORICAL, BOOLEAN)}
    closed = frame[closed_mask]
    features_closed = coerce_features(closed, feature_types)
    open_raw = history[~closed_mask]
    audit = audit_data(
        frame,
        labels_all,
        types=types_all,
        features=features_closed,
        id_column=id_column,
        post_outcome=mapping.post_outcome,
        ignore=mapping.ignore,
        keep_leaky=keep_leaky,
        open_features=coerce_features(frame[~closed_mask], feature_types) if (~closed_mask).any() else None,
        date_column=date_column,
    )
    signal_types = {c: k for c, k in feature_types.items() if c not in audit.excluded}
    if not signal_types:
        raise UnusableHistory(
            "no usable signal columns remain after the audit (all ids, dates, text or leakage)"
        )
    return ClosedHistory(
        outcome=outcome,
        won_values=tuple(won_values or ()),
        lost_values=tuple(lost_values or ()),
        id_column=id_column,
        date_column=date_column,
        mapping=mapping,
        closed_raw=closed.reset_index(drop=True),
        X=features_closed[list(signal_types)].reset_index(drop=True),
        y=y_closed,
        signal_types=signal_types,
        audit=audit,
        open_raw=open_raw.reset_index(drop=True) if len(open_raw) else None,
    )


def fit_models(
    X_train: pd.DataFrame,
    y_train: np.ndarray,
    *,
    model: str,
    seed: int,
    dimensions: dict[str, str],
    rules: list[Guardrail],
) -> FittedModels:
    """Fit the binning and the scorecard, pick the model kind ("auto" and "hybrid" compare candidates on a
    fold of the training part) and fit it."""
    binning = WoeBinning().fit(X_train, y_train)
    scorecard = Scorecard(binning=binning, dimension_overrides=dimensions).fit(X_train, y_train)
    candidates: list[dict[str, Any]] = []
    chosen = model
    if model in ("auto", "hybrid"):
        chosen, candidates = _select_model(X_train, y_train, seed=seed, dimensions=dimensions)
        if model == "hybrid" and chosen == "points":
            chosen = max(
                (r for r in candidates if r["model"] != "points"), key=lambda r: r["validation_auc"]
            )["model"]
    learner: Learner | HybridLearner | None = None
    if chosen == "points":
        fitted: Scorecard | Learner | HybridLearner = scorecard
    else:
        if model == "hybrid" or rules:
            learner = HybridLearner(Learner(chosen, seed=seed), rules or None).fit(X_train, y_train)
        else:
            learner = Learner(chosen, seed=seed).fit(X_train, y_train)
        fitted = learner
    return FittedModels(
        binning=binning,
        scorecard=scorecard,
        model=fitted,
        learner=learner,
        chosen=chosen,
        candidates=candidates,
    )


def build_model(
    history: pd.DataFrame,
    *,
    outcome: str | None = None,
    won: Any = None,
    lost: Any = None,
    id_column: str | None = None,
    date_column: str | None = None,
    mapping: FieldMapping | dict[str, Any] | None = None,
    model: str = "auto",
    split: str = "random",
    holdout: float = 0.3,
    seed: int = 42,
    targets: Targets | None = None,
    keep_leaky: tuple[str, ...] | list[str] = (),
    score_frame: pd.DataFrame | None = None,
    dimensions: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    guardrails: Any = None,
    hot_capacity: int | None = None,
    shares: TierShares | None = None,
    n_boot: int = 1000,
    version: str | int = "1",
    model_name: str = "Lead score",
    source: dict[str, str] | None = None,
) -> BuildResult:
    """Audit, analyse, fit, calibrate tiers, validate on a holdout, explain and document a lead scoring model.

    history: one row per lead (closed ones teach the model; open ones are counted, not learned from).
    outcome: the column saying won or lost (or the mapping's outcome column); won: the value(s) meaning won
    (default: the mapping's, else inferred from a two-valued column); lost: the value(s) meaning lost
    (required when the column has more than two values; other values are open deals, scored, not trained
    on, and scored into `scored` when no score_frame is given). id_column / date_column: identity and
    close date (a date enables split="time"). mapping: a FieldMapping or its JSON dict (docs/mapping.md):
    missing-value tokens, post_outcome and ignore columns. model: "auto" (best on a validation fold carved
    from the training part), "points", a learner name, or "hybrid" (a learner plus guardrails).
    holdout: share of closed deals kept out of fitting (stratified at random, or the latest by date).
    keep_leaky: columns to keep although screened (or marked) as leakage. score_frame: current leads to score
    for the report and `scored`. dimensions / labels: per signal overrides (dimension, display name).
    guardrails: hybrid rules (see `parse_guardrails`); given with a learner, the learner becomes a hybrid.
    hot_capacity / shares: tier sizing. n_boot: bootstrap resamples for the AUC interval.
    source: how the file was read ({"encoding", "delimiter"}), for the report and metrics.

    Raises UnusableHistory (no outcome column, one class, too few rows) and InsufficientHistory (fewer than
    50 closed deals), both ValueError with a one-line reason.
    """
    started = time.perf_counter()
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
    if isinstance(mapping, dict):
        mapping = FieldMapping.from_dict(mapping)
    mapping = mapping or FieldMapping()
    closed = closed_history(
        history,
        outcome=outcome,
        won=won,
        id_column=id_column,
        date_column=date_column,
        mapping=mapping,
        keep_leaky=keep_leaky,
        lost=lost,
    )
    X, y_closed, closed_raw = closed.X, closed.y, closed.closed_raw
    if score_frame is None and closed.open_raw is not None:
        score_frame = closed.open_raw

    train_index, test_index = holdout_split(
        X,
        y_closed,
        method=split,
        holdout=holdout,
        seed=seed,
        date=closed_raw[closed.date_column].to_numpy() if split == "time" and closed.date_column else None,
    )
    X_train, X_test = X.loc[train_index], X.loc[test_index]
    y_train, y_test = y_closed[np.asarray(train_index)], y_closed[np.asarray(test_index)]
    if len(np.unique(y_train)) < 2 or len(np.unique(y_test)) < 2:
        raise UnusableHistory(
            "the training part or the holdout holds only one class: add history or change the split"
        )

    overrides = dict(dimensions or {})
    analysis = win_loss_analysis(X_train, y_train)
    fitted = fit_models(
        X_train, y_train, model=model, seed=seed, dimensions=overrides, rules=parse_guardrails(guardrails)
    )
    scorer = Scorer(
        fitted.model,
        types=closed.signal_types,
        missing_values=mapping.missing_values,
        binning=fitted.binning,
        dimensions={c: dimension_of(c, overrides) for c in closed.signal_types},
        labels=labels,
        seed=seed,
    ).fit(X_train, y_train)
    fit_seconds = time.perf_counter() - started

    holdout_raw = closed_raw.loc[test_index]
    batch = scorer.score(holdout_raw)
    cutoffs = tier_cutoffs(batch.score, y_test, hot_capacity=hot_capacity, shares=shares or TierShares())
    scorer.cutoffs = cutoffs
    validation = validate(
        y_test, batch.probability, batch.score, cutoffs, targets=targets, seed=seed, n_boot=n_boot
    )
    audit = closed.audit
    suspected = list(audit.leakage_suspected)
    losses = carriers(
        X_train,
        y_train,
        X_test,
        y_test,
        validation,
        suspected=suspected,
        single_auc=audit.single_column_auc,
        seed=seed,
    )
    validation = final_verdict(validation, suspected=suspected, losses=losses)
    withheld = validation.verdict == NO_SIGNAL
    if withheld:
        # No tier is defensible when the ranking is no better than chance: every lead stays unscored.
        scorer.cutoffs = None
    time_split = (
        _time_split_figures(
            X, y_closed, closed_raw[closed.date_column], model=model, seed=seed, dimensions=overrides,
            holdout=holdout, rules=parse_guardrails(guardrails), types=closed.signal_types, mapping=mapping,
        )
        if split == "random" and closed.date_column and closed.date_column in closed_raw.columns
        else None
    )  # fmt: skip
    explanations = [[f.to_dict() for f in batch.top_factors(i)] for i in range(len(batch))]
    id_for_errors = closed.id_column if closed.id_column in holdout_raw.columns else None
    errors = error_cases(holdout_raw, y_test, batch.score, explanations=explanations, id_column=id_for_errors)
    scored = _score_current(scorer, score_frame, closed.id_column, withheld=withheld)

    facts = BuildFacts(
        model=fitted.kind,
        learner=fitted.chosen,
        leakage_flagged=audit.leakage_flagged,
        leakage_screened=[f.column for f in audit.leakage if "data" in f.source],
        n_train=len(y_train),
        n_test=len(y_test),
        n_closed=int(y_closed.size),
        points_auc=_auc(y_test, fitted.scorecard.score(X_test)),
        candidates=fitted.candidates,
        signals=list(closed.signal_types),
        confidence=audit.confidence,
        split=split,
        holdout=holdout,
        seed=seed,
        fit_seconds=round(fit_seconds, 2),
        leakage_suspected=audit.leakage_suspected,
        open_rows=audit.n_open,
        encoding=(source or {}).get("encoding"),
        delimiter=(source or {}).get("delimiter"),
        time_split=time_split,
        tiers_withheld=withheld,
    )
    document = ModelDocument(
        version=str(version),
        created=dt.date.today(),
        model_name=model_name,
        model_kind=fitted.kind,
        outcome=f"{closed.outcome} in {', '.join(closed.won_values) or 'the won value'}",
        n_rows=int(y_closed.size),
        n_won=int(y_closed.sum()),
        n_lost=int(y_closed.size - y_closed.sum()),
        base_rate=float(y_closed.mean()),
        confidence=(
            f"none: no signal in the history ({y_closed.size:,} closed deals)"
            if withheld
            else f"{audit.confidence}: {y_closed.size:,} closed deals"
        ),
        audit=audit.to_dict(),
        analysis=analysis.to_dict(),
        points=fitted.scorecard.to_dict(),
        learner={
            **(fitted.learner.to_dict() if fitted.learner is not None else {"kind": "points"}),
            "candidates": fitted.candidates,
        },
        validation=validation,
        cutoffs=cutoffs.to_dict(),
        field_mapping={
            **mapping.to_dict(),
            "id": closed.id_column,
            "date": closed.date_column,
            "outcome": {
                "column": closed.outcome,
                "won": list(closed.won_values),
                **({"lost": list(closed.lost_values)} if closed.lost_values else {}),
            },
        },
        source={
            "id": closed.id_column,
            "date": closed.date_column,
            "open_rows": audit.n_open,
            **(source or {}),
        },
        tiers_withheld=withheld,
        time_split=time_split,
        scored=scored,
        error_cases=errors,
        score_distribution=score_distribution(batch.score, y_test),
    )
    return BuildResult(
        scorer=scorer,
        metrics=dataclasses.replace(validation, build=facts).to_dict(),
        audit=audit,
        analysis=analysis,
        scorecard=fitted.scorecard,
        learner=fitted.learner,
        validation=validation,
        cutoffs=cutoffs,
        report=render_report(document),
        mapping=mapping,
        candidates=fitted.candidates,
        scored=scored,
        error_cases=errors,
    )


def _time_split_figures(
    X: pd.DataFrame,
    y: np.ndarray,
    dates: pd.Series,
    *,
    model: str,
    seed: int,
    dimensions: dict[str, str],
    holdout: float,
    rules: list[Guardrail],
    types: dict[str, str],
    mapping: FieldMapping,
) -> dict[str, Any] | None:
    """The same build judged on the latest `holdout` share of deals by date (the random split flatters a
    column that moves with the calendar): AUC and Brier beside the random split's. None when unusable."""
    try:
        train_index, test_index = holdout_split(
            X, y, method="time", holdout=holdout, seed=seed, date=dates.to_numpy()
        )
    except ValueError:
        return None
    y_train, y_test = y[np.asarray(train_index)], y[np.asarray(test_index)]
    if len(np.unique(y_train)) < 2 or len(np.unique(y_test)) < 2 or y_train.size < MIN_CLOSED_DEALS:
        return None
    kind = (
        "points" if model == "points" else ("logistic_regression" if model in ("auto", "hybrid") else model)
    )
    X_train, X_test = X.loc[train_index], X.loc[test_index]
    if kind == "points":
        card = Scorecard(dimension_overrides=dimensions).fit(X_train, y_train)
        probability = card.probability(card.score(X_test))
    else:
        probability = Learner(kind, seed=seed).fit(X_train, y_train).predict_proba(X_test)[:, 1]
    return {
        "model": kind,
        "n_test": int(y_test.size),
        "auc": _auc(y_test, probability),
        "brier": float(np.mean((probability - y_test) ** 2)),
        "base_rate": float(y_test.mean()),
    }


UNSCORED = "Unscored: no signal in the history"


def _score_current(
    scorer: Scorer, score_frame: pd.DataFrame | None, id_column: str | None, *, withheld: bool = False
) -> pd.DataFrame | None:
    """Current leads scored for the report, one row each with its id first (the frame's index without one).
    With tiers withheld (no signal), every lead is unscored: no score, no tier, the reason instead."""
    if score_frame is None or not len(score_frame):
        return None
    scored = scorer.score(score_frame).to_frame()
    if withheld:
        scored["score"] = np.nan
        scored["probability"] = np.nan
        scored["tier"] = None
        scored["evidence"] = UNSCORED
        scored["top_factors"] = [[] for _ in range(len(scored))]
    if id_column and id_column in score_frame.columns:
        scored.insert(0, "id", score_frame[id_column].to_numpy())
    else:
        scored.insert(0, "id", score_frame.index.to_numpy())
    return scored


__all__ = [
    "MODELS",
    "BuildResult",
    "ClosedHistory",
    "FittedModels",
    "InsufficientHistory",
    "UnusableHistory",
    "build_model",
    "closed_history",
    "fit_models",
    "parse_guardrails",
]
