"""Single-lead scoring latency: `Scorer.score(one row).to_frame()` per model kind on X Education.

    .venv/bin/python bench/score_one.py [--data ../shared/data/x-education/leads.csv] \
        [--mapping examples/x-education-mapping.json] [--calls 2000] [--kinds points,logistic_regression,...]

Trains (or reloads from --cache, unless --retrain) one scorer per model kind, then times --calls single-lead
calls the way the API scores an inline lead (a one-row frame in, `score(frame).to_frame()` out, explanations
included). Each single-lead result is checked against the same rows scored as one batch (score, tier,
subtotals, factors, missing signals). Prints progress, then as its LAST line one JSON object: per kind
p50_ms / p95_ms / mean_ms of a single-lead call, and whether every single-lead result matched the batch.
Figures only: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings
from pathlib import Path

import joblib
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scoring.engine.__main__ import _read_csv  # noqa: E402
from scoring.engine.dataset import FieldMapping  # noqa: E402
from scoring.engine.pipeline import build_model  # noqa: E402

KINDS = ("points", "logistic_regression", "random_forest", "gradient_boosting", "neural_network", "hybrid")
HYBRID_RULES = [
    {
        "column": "What is your current occupation",
        "operator": "==",
        "value": "Student",
        "cap": 0.1,
        "reason": "students rarely enrol",
    }
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def scorer_for(kind: str, history, mapping, cache: Path, retrain: bool, seed: int):
    path = cache / f"{kind}.joblib"
    if path.exists() and not retrain:
        return joblib.load(path)
    started = time.perf_counter()
    if kind == "hybrid":
        result = build_model(
            history,
            mapping=mapping,
            model="logistic_regression",
            guardrails=HYBRID_RULES,
            n_boot=50,
            seed=seed,
        )
    else:
        result = build_model(history, mapping=mapping, model=kind, n_boot=50, seed=seed)
    print(f"trained {kind} in {time.perf_counter() - started:.1f} s (AUC {result.metrics['auc']:.4f})")
    cache.mkdir(parents=True, exist_ok=True)
    joblib.dump(result.scorer, path, compress=3)
    return result.scorer


def same(single, batch, i: int) -> bool:
    """One lead's figures and words equal the batch's for that lead."""
    a, b = single.iloc[0], batch.iloc[i]
    for column in single.columns:
        x, y = a[column], b[column]
        if isinstance(x, float) and isinstance(y, float) and np.isnan(x) and np.isnan(y):
            continue
        if x != y:
            return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/x-education/leads.csv")
    parser.add_argument("--mapping", type=Path, default=ROOT / "examples/x-education-mapping.json")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--cache", type=Path, default=ROOT / "var/bench-score-one")
    parser.add_argument("--retrain", action="store_true", help="train again even if --cache holds a scorer")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    history = _read_csv(args.data)
    mapping = FieldMapping.load(args.mapping)
    leads = history.drop(columns=[mapping.outcome])
    rng = np.random.default_rng(args.seed)
    picks = rng.integers(0, len(leads), args.calls)
    rows = [leads.iloc[[i]] for i in picks]
    summary = {}
    for kind in args.kinds.split(","):
        scorer = scorer_for(kind, history, mapping, args.cache, args.retrain, args.seed)
        batch = scorer.score(leads.iloc[picks]).to_frame()
        for row in rows[:50]:  # warm-up: caches, first-call imports
            scorer.score(row).to_frame()
        times, results = [], []
        for row in rows:
            started = time.perf_counter()
            framed = scorer.score(row).to_frame()
            times.append((time.perf_counter() - started) * 1000)
            results.append(framed)
        matches = sum(same(framed, batch, i) for i, framed in enumerate(results))
        summary[kind] = {
            "p50_ms": round(percentile(times, 0.50), 3),
            "p95_ms": round(percentile(times, 0.95), 3),
            "mean_ms": round(statistics.fmean(times), 3),
            "matches_batch": f"{matches}/{len(results)}",
        }
        print(kind, json.dumps(summary[kind]), flush=True)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
