"""`python -m scoring.engine build HISTORY.csv --outcome COLUMN ... --out DIR`: the whole job on any CSV.

Writes DIR/lead-scoring-model.md, DIR/metrics.json and, with --score, DIR/scored.csv. An unusable file
(no outcome column, one class only, too few rows) ends with a one-line message and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

from .reading import read_table

EXIT_UNUSABLE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m scoring.engine", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser(
        "build", help="audit, fit, validate, explain and document a model from history"
    )
    build.add_argument("history", type=Path, help="CSV of closed (and open) leads, one row per lead")
    build.add_argument("--outcome", help="the column saying won or lost (or set it in the mapping)")
    build.add_argument("--won", action="append", help="a value meaning won (repeatable)")
    build.add_argument(
        "--lost",
        action="append",
        help="a value meaning lost (repeatable); any other value is an open deal: scored, never trained on",
    )
    build.add_argument("--id", dest="id_column", help="the lead id column")
    build.add_argument("--date", dest="date_column", help="the close date column (enables --split time)")
    build.add_argument("--mapping", type=Path, help="field mapping JSON (docs/mapping.md)")
    build.add_argument(
        "--model",
        default="auto",
        choices=[
            "auto",
            "points",
            "logistic_regression",
            "random_forest",
            "gradient_boosting",
            "neural_network",
            "hybrid",
        ],
    )
    build.add_argument("--split", default="random", choices=["random", "time"])
    build.add_argument("--holdout", type=float, default=0.3)
    build.add_argument("--seed", type=int, default=42)
    build.add_argument("--keep-leaky", action="append", default=[], help="keep a column screened as leakage")
    build.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples for the AUC interval")
    build.add_argument("--score", type=Path, help="CSV of current leads to score into DIR/scored.csv")
    build.add_argument("--sep", help="the column separator (default: sniffed from the file; 'tab' for a tab)")
    build.add_argument("--encoding", help="the file's text encoding (default: UTF-8, else detected)")
    build.add_argument("--out", type=Path, required=True, help="output directory")
    return parser


def _read_csv(path: Path, *, sep: str | None = None, encoding: str | None = None, id_column=None):
    """The file as a frame (numbers where every cell is one, text elsewhere; the id column stays text)."""
    return read_table(path, delimiter=sep, encoding=encoding, text_columns=(id_column,)).frame


def build(args: argparse.Namespace) -> int:
    """Run `build_model` on the CSV and write the three outputs; returns the exit code."""
    from .dataset import FieldMapping
    from .pipeline import build_model

    if not args.history.exists():
        raise ValueError(f"no such file: {args.history}")
    mapping = FieldMapping.load(args.mapping) if args.mapping else None
    id_column = args.id_column or (mapping.id if mapping else None)
    read = read_table(args.history, delimiter=args.sep, encoding=args.encoding, text_columns=(id_column,))
    score_frame = (
        read_table(args.score, delimiter=args.sep, encoding=args.encoding, text_columns=(id_column,)).frame
        if args.score
        else None
    )
    result = build_model(
        read.frame,
        outcome=args.outcome,
        won=args.won,
        lost=args.lost,
        source={"encoding": read.encoding, "delimiter": read.delimiter},
        id_column=args.id_column,
        date_column=args.date_column,
        mapping=mapping,
        model=args.model,
        split=args.split,
        holdout=args.holdout,
        seed=args.seed,
        keep_leaky=tuple(args.keep_leaky),
        score_frame=score_frame,
        n_boot=args.n_boot,
        model_name=args.history.stem,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "lead-scoring-model.md").write_text(result.report, encoding="utf-8")
    (args.out / "metrics.json").write_text(
        json.dumps(result.metrics, indent=2, default=str), encoding="utf-8"
    )
    if result.scored is not None:
        scored = result.scored.drop(columns=["subtotals", "missing_signals"])
        scored["top_factors"] = [
            "; ".join(f"{f['label']}: {f['points']:+.0f}" for f in factors)
            for factors in scored["top_factors"]
        ]
        scored.to_csv(args.out / "scored.csv", index=False)
    m = result.metrics
    print(
        f"model {m['model']}: holdout AUC {m['auc']:.3f} (95% CI {m['auc_ci'][0]:.3f}-{m['auc_ci'][1]:.3f}), "
        f"Brier {m['brier']:.4f} vs {m['brier_constant']:.4f} constant; points AUC {m['points_auc']:.3f}; "
        f"leakage left out: {', '.join(m['leakage_flagged']) or 'none'}; "
        f"suspected: {', '.join(m['leakage_suspected']) or 'none'}; verdict {m['verdict']}; wrote {args.out}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = _parser().parse_args(argv)
    warnings.filterwarnings("ignore")
    try:
        return build(args)
    except (ValueError, KeyError, OSError) as error:
        # An unusable input is the user's to fix: one line, no traceback.
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(f"error: {message}", file=sys.stderr)
        return EXIT_UNUSABLE


if __name__ == "__main__":
    sys.exit(main())
