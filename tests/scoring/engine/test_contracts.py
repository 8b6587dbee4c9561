"""The values that cross the engine / Django boundary: the stored JSON shapes, read back and written again."""

import datetime as dt
import json

import numpy as np
import pandas as pd

from scoring.engine.contracts import BuildFacts, Decision, Factor, Metrics, MissingSignal, jsonable
from scoring.engine.thresholds import tier_cutoffs
from scoring.engine.validation import validate

from .engine_fixtures import prepared
from .scorer_fixtures import scorer_of

# A ScoreSnapshot row as the database stores it today (the API's example lead).
STORED = {
    "score": 81.5,
    "tier": "Hot",
    "probability": 0.4123,
    "confidence": 0.87,
    "subtotals": {
        "firmographic": 30.0,
        "behavioral": 10.0,
        "engagement": 6.5,
        "intent": 35.0,
        "negative": 0.0,
    },
    "top_factors": [{"signal": "demo_requests_90d", "label": "Demo requests (90 days) is 1", "points": 14.2}],
    "missing_signals": [{"signal": "budget", "label": "Budget", "down": -3.8, "up": 5.1}],
}


def test_jsonable_makes_every_engine_value_json_ready():
    value = {
        1: np.float64(0.5),
        "n": np.int64(3),
        "ok": np.bool_(True),
        "gone": [np.nan, float("inf"), pd.NA, pd.NaT, None],
        "pair": (np.float32(0.25), np.arange(2)),
        "day": dt.date(2025, 3, 1),
    }
    out = jsonable(value)
    assert out == {
        "1": 0.5,
        "n": 3,
        "ok": True,
        "gone": [None, None, None, None, None],
        "pair": [0.25, [0, 1]],
        "day": "2025-03-01",
    }
    assert type(out["n"]) is int and type(out["ok"]) is bool
    json.dumps(out, allow_nan=False)
    # Rounded as the decision log stores its inputs: 1/3 to four decimals.
    assert jsonable({"x": 1 / 3}, digits=4) == {"x": 0.3333}


def test_a_stored_decision_reads_back_and_writes_the_same_json():
    decision = Decision.from_dict(STORED)
    assert decision.top_factors == (Factor("demo_requests_90d", "Demo requests (90 days) is 1", 14.2),)
    assert decision.missing_signals == (MissingSignal("budget", "Budget", -3.8, 5.1),)
    assert decision.to_dict() == STORED


def test_a_batch_decision_holds_the_fields_its_frame_row_stores():
    raw, _, _, _ = prepared()
    batch = scorer_of("points").score(raw.head(5))
    frame = batch.to_frame()
    for i in range(5):
        decision = batch.decision(i)
        row = frame.iloc[i]
        stored = decision.to_dict()
        assert stored["top_factors"] == row["top_factors"]
        assert stored["missing_signals"] == row["missing_signals"]
        assert stored["subtotals"] == row["subtotals"]
        assert stored["score"] == row["score"] and stored["probability"] == row["probability"]
        assert decision.explanation == row["explanation"] and decision.evidence == row["evidence"]
        assert Decision.from_dict(stored).to_dict() == stored


def test_metrics_round_trip_through_their_stored_json():
    rng = np.random.default_rng(1)
    won = np.r_[np.ones(100), np.zeros(200)].astype(int)
    scores = np.clip(np.r_[rng.normal(60, 15, 100), rng.normal(40, 15, 200)], 0, 100)
    metrics = validate(won, scores / 100, scores, tier_cutoffs(scores, won), n_boot=50)
    stored = json.loads(json.dumps(metrics.to_dict()))
    assert Metrics.from_dict(stored).to_dict() == stored
    # The flat aliases are derived from the tiers, never read back.
    assert stored["precision_hot"] == stored["tiers"]["hot"]["precision"]
    facts = BuildFacts(
        model="points",
        learner="points",
        leakage_flagged=["Tags"],
        leakage_screened=[],
        n_train=200,
        n_test=100,
        n_closed=300,
        points_auc=0.8,
        candidates=[],
        signals=["a"],
        confidence="adequate",
        split="random",
        holdout=0.3,
        seed=42,
        fit_seconds=1.5,
    )
    built = Metrics.from_dict({**stored, **facts.to_dict()})
    assert built.build == facts and built.to_dict() == {**stored, **facts.to_dict()}
