"""Benchmark the scoring engine: build a model on a history CSV, then score 1,000,000 synthetic leads.

    .venv/bin/python bench/engine.py --data ../shared/data/x-education/leads.csv --outcome Converted \
        [--mapping examples/x-education-mapping.json] [--model auto] [--rows 1000000]

score_rows_per_s times `Scorer.score(..., explain_scores=False)` over the synthetic rows (score, probability,
tier, confidence); explain_rows_per_s times the default call with per-signal attribution on --explain-rows rows
(free for the scorecard and logistic regression, one extra prediction per changed signal for trees/networks).

Prints progress, then as its LAST line one JSON object: auc, auc_ci, brier, brier_constant, points_auc,
lift_top_decile, model, leakage_flagged, leakage_suspected, calibration_max_gap, ece (fractions: 0.03 is 3
points), verdict, fit_seconds, score_rows_per_s, peak_mb (and a few more).
Figures only: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scoring.engine.dataset import FieldMapping  # noqa: E402
from scoring.engine.pipeline import build_model  # noqa: E402
from scoring.engine.reading import read_table  # noqa: E402


def synthetic_leads(history: pd.DataFrame, rows: int, seed: int) -> pd.DataFrame:
    """`rows` leads drawn column by column from the history's own values (resampled independently)."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            column: history[column].to_numpy()[rng.integers(0, len(history), rows)]
            for column in history.columns
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--outcome", required=True)
    parser.add_argument("--mapping", type=Path)
    parser.add_argument("--model", default="auto")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--explain-rows", type=int, default=50_000, help="rows scored with explanations")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    mapping = FieldMapping.load(args.mapping) if args.mapping else None
    history = read_table(args.data, text_columns=(mapping.id if mapping else None,)).frame
    started = time.perf_counter()
    result = build_model(
        history, outcome=args.outcome, mapping=mapping, model=args.model, seed=args.seed, n_boot=args.n_boot
    )
    build_seconds = time.perf_counter() - started
    metrics = result.metrics
    print(
        f"built {metrics['model']} in {build_seconds:.1f}s: AUC {metrics['auc']:.4f}, Brier {metrics['brier']:.4f}"
    )

    leads = synthetic_leads(history.drop(columns=[args.outcome]), args.rows, args.seed)
    started, cpu_started = time.perf_counter(), time.process_time()
    batch = result.scorer.score(leads, explain_scores=False)
    score_seconds, score_cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    print(
        f"scored {len(batch):,} synthetic leads (score, probability, tier, confidence) in {score_seconds:.1f}s"
    )
    explained_rows = min(args.explain_rows, len(leads))
    started = time.perf_counter()
    result.scorer.score(leads.head(explained_rows))
    explain_seconds = time.perf_counter() - started
    print(f"scored {explained_rows:,} leads with per-signal explanations in {explain_seconds:.1f}s")
    started = time.perf_counter()
    framed = result.scorer.score(leads.head(10_000)).to_frame()
    frame_seconds = time.perf_counter() - started
    print(f"to_frame (words for every factor) on {len(framed):,} leads in {frame_seconds:.2f}s")

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    summary = {
        "auc": metrics["auc"],
        "auc_ci": metrics["auc_ci"],
        "brier": metrics["brier"],
        "brier_constant": metrics["brier_constant"],
        "pr_auc": metrics["pr_auc"],
        "points_auc": metrics["points_auc"],
        "lift_top_decile": metrics["lift_top_decile"],
        "model": metrics["model"],
        "leakage_flagged": metrics["leakage_flagged"],
        "leakage_suspected": sorted(metrics["leakage_suspected"]),
        # Fractions: 0.03 is 3 points (largest gap over ten equal-count deciles; lead-weighted mean gap).
        "calibration_max_gap": metrics["calibration_max_gap"],
        "ece": metrics["ece"],
        "verdict": metrics["verdict"],
        "candidates": {row["model"]: round(row["validation_auc"], 4) for row in metrics["candidates"]},
        "n_train": metrics["n_train"],
        "n_test": metrics["n_test"],
        "fit_seconds": round(metrics["fit_seconds"], 2),
        "build_seconds": round(build_seconds, 2),
        "score_rows": len(batch),
        "score_rows_per_s": round(len(batch) / score_seconds),
        # The machine is shared: CPU time shows what the scorer costs when it has a core to itself.
        "score_rows_per_cpu_s": round(len(batch) / score_cpu_seconds),
        "explain_rows_per_s": round(explained_rows / explain_seconds),
        "to_frame_rows_per_s": round(len(framed) / frame_seconds),
        "peak_mb": round(peak_mb, 1),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
