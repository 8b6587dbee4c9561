"""What crosses the engine / Django boundary, as dataclasses with `to_dict()` / `from_dict()`.

`to_dict()` gives exactly the JSON the database stores (ScoreSnapshot.top_factors, .missing_signals,
.subtotals; ScoringModel.metrics), so stored rows keep working; `from_dict()` reads only those canonical
keys. `jsonable` is the one sanitiser that makes engine figures JSON-ready.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


def jsonable(value: Any, *, digits: int | None = None) -> Any:
    """`value` with every part JSON-ready, recursively: numpy scalars and arrays to Python numbers and lists,
    NaN, inf, pd.NA and NaT to None, tuples and sets to lists, dates to ISO text, keys to str.

    digits: round floats to this many decimals (None keeps them whole).
    """
    if isinstance(value, dict):
        return {str(key): jsonable(item, digits=digits) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(item, digits=digits) for item in value]
    if isinstance(value, np.ndarray):
        return [jsonable(item, digits=digits) for item in value.tolist()]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        if not math.isfinite(number):
            return None
        return round(number, digits) if digits is not None else number
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class Factor:
    """One reason behind a score: `points` (score points, + up / - down) for `signal`, in words (`label`).

    The signal "guardrail" marks a rule that capped the score; its label is the rule's reason.
    """

    signal: str
    label: str
    points: float

    def to_dict(self) -> dict[str, Any]:
        return {"signal": self.signal, "label": self.label, "points": self.points}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Factor:
        return cls(signal=data["signal"], label=data["label"], points=float(data["points"]))


@dataclass(frozen=True)
class MissingSignal:
    """A signal a lead lacks, with how far knowing it could move the score: `down` (<= 0) to `up` (>= 0)."""

    signal: str
    label: str
    down: float
    up: float

    def to_dict(self) -> dict[str, Any]:
        return {"signal": self.signal, "label": self.label, "down": self.down, "up": self.up}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MissingSignal:
        return cls(signal=data["signal"], label=data["label"], down=float(data["down"]), up=float(data["up"]))


@dataclass(frozen=True)
class Decision:
    """What one scoring of one lead produced.

    score 0-100; tier (None without cut-offs); probability 0-1 of a win; confidence 0-1; subtotals
    {dimension: points}; top_factors for, then against; missing_signals. `evidence` ("sufficient" or
    "insufficient evidence") and `explanation` (one line for a rep) are shown, not stored: `to_dict()`
    holds the stored fields only.
    """

    score: float
    tier: str | None
    probability: float | None
    confidence: float | None
    subtotals: dict[str, float] = field(default_factory=dict)
    top_factors: tuple[Factor, ...] = ()
    missing_signals: tuple[MissingSignal, ...] = ()
    evidence: str = "sufficient"
    explanation: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "tier": self.tier,
            "probability": self.probability,
            "confidence": self.confidence,
            "subtotals": dict(self.subtotals),
            "top_factors": [factor.to_dict() for factor in self.top_factors],
            "missing_signals": [signal.to_dict() for signal in self.missing_signals],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Decision:
        return cls(
            score=float(data["score"]),
            tier=data["tier"],
            probability=data["probability"],
            confidence=data["confidence"],
            subtotals=dict(data["subtotals"]),
            top_factors=tuple(Factor.from_dict(item) for item in data["top_factors"]),
            missing_signals=tuple(MissingSignal.from_dict(item) for item in data["missing_signals"]),
        )


@dataclass
class BuildFacts:
    """How a model version was built, stored with its holdout figures in ScoringModel.metrics."""

    model: str
    learner: str
    leakage_flagged: list[str]
    leakage_screened: list[str]
    n_train: int
    n_test: int
    n_closed: int
    points_auc: float | None
    candidates: list[dict]
    signals: list[str]
    confidence: str
    split: str
    holdout: float
    seed: int
    fit_seconds: float
    leakage_suspected: dict = field(default_factory=dict)
    open_rows: int = 0
    encoding: str | None = None
    delimiter: str | None = None
    time_split: dict | None = None
    tiers_withheld: bool = False

    # Added later: a stored version without them reads as the defaults.
    OPTIONAL = ("leakage_suspected", "open_rows", "encoding", "delimiter", "time_split", "tiers_withheld")
    KEYS = (
        "model",
        "learner",
        "leakage_flagged",
        "leakage_screened",
        "n_train",
        "n_test",
        "n_closed",
        "points_auc",
        "candidates",
        "signals",
        "confidence",
        "split",
        "holdout",
        "seed",
        "fit_seconds",
        *OPTIONAL,
    )

    def to_dict(self) -> dict[str, Any]:
        return jsonable({key: getattr(self, key) for key in self.KEYS})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BuildFacts:
        return cls(**{key: data[key] for key in cls.KEYS if key in data or key not in cls.OPTIONAL})


@dataclass
class Metrics:
    """Holdout validation figures of a model version (`validation.validate`), plus how it was built.

    Fractions are 0-1, scores 0-100. `tiers` holds precision / recall / F1 at each tier threshold
    ({hot, warm, cool: {name, threshold, n_flagged, share_flagged, precision, recall, f1, accuracy}}),
    `confusion` the confusion matrices at the Hot and Warm thresholds ({threshold, tp, fp, fn, tn}),
    `lift_by_decile` and `calibration` lists of row dicts, `gates` {target: {value, target, passed[, ceiling]}}.
    `verdict` is one of deployable, misses_targets, no_better_than_base_rate, too_good_to_be_true;
    `verdict_text` says it in words. `calibration_max_gap` / `ece`: see validation.calibration_by_decile.
    Every field is optional so a partly built version can still be reported. `to_dict()` is
    ScoringModel.metrics / metrics.json, with flat `precision_hot`-style aliases of the per-tier figures.
    """

    n: int | None = None
    n_won: int | None = None
    base_rate: float | None = None
    auc: float | None = None
    auc_ci: tuple[float | None, float | None] = (None, None)
    pr_auc: float | None = None
    brier: float | None = None
    brier_constant: float | None = None
    brier_skill: float | None = None
    log_loss: float | None = None
    accuracy: float | None = None
    tiers: dict = field(default_factory=dict)
    confusion: dict = field(default_factory=dict)
    spearman: float | None = None
    spearman_p: float | None = None
    lift_by_decile: list = field(default_factory=list)
    lift_top_decile: float | None = None
    calibration: list = field(default_factory=list)
    calibration_by_decile: list = field(default_factory=list)
    calibration_max_gap: float | None = None
    ece: float | None = None
    ks: float | None = None
    ks_score: float | None = None
    gates: dict = field(default_factory=dict)
    passed: bool = False
    verdict: str = ""
    verdict_text: str = ""
    better_than_base_rate: bool = False
    n_boot: int = 0
    build: BuildFacts | None = None

    FIGURES = (
        "n",
        "n_won",
        "base_rate",
        "auc",
        "auc_ci",
        "pr_auc",
        "brier",
        "brier_constant",
        "brier_skill",
        "log_loss",
        "accuracy",
        "tiers",
        "confusion",
        "spearman",
        "spearman_p",
        "lift_by_decile",
        "lift_top_decile",
        "calibration",
        "calibration_by_decile",
        "calibration_max_gap",
        "ece",
        "ks",
        "ks_score",
        "gates",
        "passed",
        "verdict",
        "verdict_text",
        "better_than_base_rate",
        "n_boot",
    )

    def to_dict(self) -> dict[str, Any]:
        """Every figure as plain JSON types (NaN -> None)."""
        data: dict[str, Any] = {}
        for key in self.FIGURES:
            data[key] = list(self.auc_ci) if key == "auc_ci" else getattr(self, key)
            if key == "tiers":
                # Flat aliases: the per-tier figures under predictable top-level keys for metrics.json.
                data.update(
                    {
                        f"{metric}_{tier}": figures.get(metric)
                        for tier, figures in self.tiers.items()
                        for metric in ("precision", "recall", "f1")
                    }
                )
        if self.build is not None:
            data.update(self.build.to_dict())
        return jsonable(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Metrics:
        values = {key: data[key] for key in cls.FIGURES if key in data}
        if "auc_ci" in values:
            values["auc_ci"] = tuple(values["auc_ci"])
        build = BuildFacts.from_dict(data) if "model" in data else None
        return cls(**values, build=build)


__all__ = ["BuildFacts", "Decision", "Factor", "Metrics", "MissingSignal", "jsonable"]
