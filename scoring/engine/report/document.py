"""What the model document reports, as plain data: `ModelDocument`, its section titles, and the holdout
score distribution it draws."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..contracts import Metrics
from ..tiers import default_tiers

SECTIONS = (
    "Executive summary",
    "Data foundation and limitations",
    "Win/loss patterns",
    "The scoring model",
    "Tier thresholds",
    "SLA and recommended action per tier",
    "Tier transitions and re-scoring",
    "CRM field mapping and automation rules",
    "Validation results",
    "Monitoring and recalibration protocol",
    "Batch scoring of current leads",
    "Version history",
)


@dataclass
class ModelDocument:
    """Everything the model document reports, as plain data (every part optional).

    Header: version, created (date), model_name (e.g. "X Education conversion"), model_kind
    ("points", "logistic_regression", ..., "hybrid"), outcome (what counts as won, within how many days),
    n_rows / n_won / n_lost (closed deals the model learned from), date_range ((first, last) or None),
    base_rate (0-1; computed from n_won / n_rows when None), confidence (e.g. "high: 9,240 closed deals"),
    next_recalibration (date; created + recalibration_days when None).

    audit: DataAudit.to_dict() (audit.py); keys read: n_closed, n_won, n_open, base_rate, confidence
      ("refuse" / "low" / "adequate"), completeness {column: share 0-1}, duplicates {rows, ids}, outliers
      {column: {n, max, upper_fence}}, errors [str], excluded {column: why}, leakage (rows {column, reason,
      single_column_auc, source "data" | "mapping" | "mapping and data", kept}), warnings [str].
    analysis: WinLossAnalysis.to_dict() (analysis.py); keys read: base_rate, base_rate_ci, signals (rows
      {attribute, value, n, won, win_rate, lift, p_value, p_adjusted, significant, ci_low, ci_high}), ranking (rows {attribute, information_value, best_value, best_lift,
      worst_value, worst_lift, significant_values}), non_predictors [str], interactions (rows, shown as
      they come, e.g. {first, second, n, win_rate, expected_win_rate, interaction}), loss_reasons (rows
      {reason, n, share}), notes [str].
    points: Scorecard.to_dict(): base, caps {dimension: points}, signals (rows {signal, dimension, bin,
      points, n, win_rate, woe}), dropped {signal: why}, information_value {signal: iv}.
    learner: Learner.to_dict() ({kind, n_train, calibration, params}) or the hybrid's ({kind, learner,
      guardrails}); optional candidates (rows {model, auc, ...}) when several models were compared.
    validation: the holdout figures (contracts.Metrics; None before validation). cutoffs: Cutoffs.to_dict().
    tiers: per tier {name, sla, action, rescoring}, top down (defaults: `default_tiers()`).
    field_mapping: FieldMapping.to_dict() (outcome, id, date, fields, missing_values, post_outcome, ignore).
    scored: current leads scored (ScoreBatch.to_frame() with an id column): id, score, tier, top_factors
      (lists of contracts.Factor dicts); optional probability, confidence, evidence.
    unscoreable: leads that could not be scored, rows {id, reason}.
    version_history: rows {version, date, model, auc, note}.
    error_cases: error_cases() output ({false_positives, false_negatives}, drivers as Factor dicts).
    score_distribution: score_distribution() output for the holdout ({edges, won, lost}).
    source: how the history was read and keyed ({id, date, encoding, delimiter, open_rows}).
    tiers_withheld: the model shows no signal, so no lead gets a tier (every one is unscored).
    time_split: the same history judged on its latest deals ({model, n_test, auc, brier, base_rate}).
    """

    version: str = "1"
    created: dt.date | None = None
    model_name: str = "Lead score"
    model_kind: str = ""
    outcome: str = ""
    n_rows: int | None = None
    n_won: int | None = None
    n_lost: int | None = None
    date_range: tuple | None = None
    base_rate: float | None = None
    confidence: str = ""
    next_recalibration: dt.date | None = None
    audit: dict = field(default_factory=dict)
    analysis: dict = field(default_factory=dict)
    points: dict = field(default_factory=dict)
    learner: dict = field(default_factory=dict)
    validation: Metrics | None = None
    cutoffs: dict = field(default_factory=dict)
    tiers: list = field(default_factory=default_tiers)
    field_mapping: dict = field(default_factory=dict)
    scored: pd.DataFrame | None = None
    unscoreable: list = field(default_factory=list)
    version_history: list = field(default_factory=list)
    error_cases: dict = field(default_factory=dict)
    score_distribution: dict = field(default_factory=dict)
    recalibration_days: int = 90
    rows_per_tier: int = 25
    source: dict = field(default_factory=dict)
    tiers_withheld: bool = False
    time_split: dict | None = None


def score_distribution(scores, won, *, bins: int = 10) -> dict:
    """Won and lost counts per score band, for the threshold section's histogram.

    scores: shape (n,), 0-100; won: shape (n,), 1 won / 0 lost. Returns {edges: [bins + 1 floats],
    won: [bins ints], lost: [bins ints]} on equal-width bands of the 0-100 range.
    """
    values = np.asarray(scores, dtype=float).reshape(-1)
    outcome = np.asarray(won).astype(bool).reshape(-1)
    keep = ~np.isnan(values)
    edges = np.linspace(0, 100, bins + 1)
    won_counts, _ = np.histogram(np.clip(values[keep & outcome], 0, 100), bins=edges)
    lost_counts, _ = np.histogram(np.clip(values[keep & ~outcome], 0, 100), bins=edges)
    return {"edges": edges.tolist(), "won": won_counts.tolist(), "lost": lost_counts.tolist()}
