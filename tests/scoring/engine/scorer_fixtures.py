"""Fitted scorers on the synthetic history, built once per test session."""

from functools import cache

from scoring.engine.learners import Guardrail, HybridLearner, Learner
from scoring.engine.points import WoeBinning, dimension_of, fit_scorecard
from scoring.engine.scorer import Scorer

from .engine_fixtures import prepared


@cache
def scorer_of(kind: str) -> Scorer:
    """A scorer of the given kind ("points", a learner name or "hybrid") fitted on the synthetic history."""
    _, X, y, types = prepared()
    binning = WoeBinning().fit(X, y)
    if kind == "points":
        model = fit_scorecard(X, y, binning=binning)
    elif kind == "hybrid":
        model = HybridLearner(
            Learner("logistic_regression").fit(X, y),
            [Guardrail("role", "==", "student", cap=0.05, reason="students cannot buy")],
        )
    else:
        model = Learner(kind).fit(X, y)
    return Scorer.build(
        kind=kind,
        model=model,
        X_train=X,
        y_train=y,
        types=types,
        missing_values=("Select", ""),
        binning=binning,
        dimensions={c: dimension_of(c) for c in types},
        labels={"pricing_visits": "Pricing page visits"},
    )
