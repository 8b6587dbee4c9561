"""Fitted scorers on the synthetic history, built once per test session."""

from functools import cache

from scoring.engine.learners import Guardrail, HybridLearner, Learner
from scoring.engine.points import Scorecard, WoeBinning, dimension_of
from scoring.engine.scorer import Scorer

from .engine_fixtures import prepared


@cache
def scorer_of(kind: str) -> Scorer:
    """A scorer of the given kind ("points", a learner name or "hybrid") fitted on the synthetic history."""
    _, X, y, types = prepared()
    binning = WoeBinning().fit(X, y)
    if kind == "points":
        model = Scorecard(binning=binning).fit(X, y)
    elif kind == "hybrid":
        model = HybridLearner(
            Learner("logistic_regression"),
            [Guardrail("role", "==", "student", cap=0.05, reason="students cannot buy")],
        ).fit(X, y)
    else:
        model = Learner(kind).fit(X, y)
    return Scorer(
        model,
        types=types,
        missing_values=("Select", ""),
        binning=binning,
        dimensions={c: dimension_of(c) for c in types},
        labels={"pricing_visits": "Pricing page visits"},
    ).fit(X, y)
