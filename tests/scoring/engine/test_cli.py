import json

import pytest

from scoring.engine.__main__ import main

from .synthetic_history import synthetic_history


@pytest.fixture(scope="module")
def history_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "history.csv"
    synthetic_history(500, seed=11).to_csv(path, index=False)
    return path


def test_build_end_to_end_writes_report_metrics_and_scores(history_csv, tmp_path, capsys):
    current = tmp_path / "current.csv"
    synthetic_history(40, seed=12).drop(columns=["won"]).to_csv(current, index=False)
    out = tmp_path / "out"
    code = main(
        [
            "build",
            str(history_csv),
            "--outcome",
            "won",
            "--won",
            "yes",
            "--id",
            "lead_id",
            "--model",
            "auto",
            "--score",
            str(current),
            "--n-boot",
            "20",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert {
        "auc",
        "auc_ci",
        "pr_auc",
        "brier",
        "brier_constant",
        "lift_top_decile",
        "model",
        "leakage_flagged",
        "n_train",
        "n_test",
    } <= set(metrics)
    assert metrics["n_test"] == 150 and metrics["auc"] > 0.7
    report = (out / "lead-scoring-model.md").read_text()
    assert report.startswith("#") and "Validation results" in report
    scored = (out / "scored.csv").read_text().splitlines()
    assert len(scored) == 41 and scored[0].startswith("id,score,probability,tier")
    assert "holdout AUC" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("rows", "args", "message"),
    [
        (500, ["--outcome", "stage"], "no column named 'stage'"),
        (10, ["--outcome", "won"], "only 10 rows"),
        (40, ["--outcome", "won", "--won", "yes"], "only 40 closed deals"),
    ],
)
def test_unusable_files_fail_with_one_line_and_exit_code_2(tmp_path, capsys, rows, args, message):
    path = tmp_path / "history.csv"
    synthetic_history(rows, seed=3).to_csv(path, index=False)
    code = main(["build", str(path), *args, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_one_class_only_is_refused(tmp_path, capsys):
    path = tmp_path / "history.csv"
    synthetic_history(200, seed=3).assign(won="no").to_csv(path, index=False)
    assert main(["build", str(path), "--outcome", "won", "--won", "yes", "--out", str(tmp_path / "o")]) == 2
    assert "needs both won and lost" in capsys.readouterr().err


def test_module_runs_as_a_process(history_csv, tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "scoring.engine", "build", str(history_csv), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2 and "no outcome column given" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_engine_imports_nothing_from_django():
    import re
    from pathlib import Path

    engine = Path(__file__).resolve().parents[3] / "scoring" / "engine"
    sources = list(engine.glob("*.py"))
    assert len(sources) >= 10
    for source in sources:
        assert not re.search(r"^\s*(import|from)\s+django\b", source.read_text(), re.M), source.name


def test_build_model_on_a_crm_shaped_history_with_a_time_split():
    # The shape the Django side sends: an integer outcome, a close-date column, event counts, labels and
    # dimensions per signal, admin-style guardrails.
    import numpy as np
    import pandas as pd

    from scoring.engine.pipeline import build_model

    history = synthetic_history(400, seed=21)
    history = history.assign(
        won=(history["won"] == "yes").astype(int),
        as_of=pd.Timestamp("2026-01-01", tz="UTC") + pd.to_timedelta(np.arange(400), unit="D"),
    ).set_index("lead_id")
    result = build_model(
        history,
        outcome="won",
        won=1,
        date_column="as_of",
        model="logistic_regression",
        split="time",
        holdout=0.25,
        n_boot=20,
        dimensions={"role": "negative", "pricing_visits": "intent"},
        labels={"pricing_visits": "Pricing page visits"},
        guardrails={"disqualify": {"role": "student"}},
        score_frame=history.drop(columns=["won", "as_of"]).head(5),
    )
    assert result.metrics["model"] == "hybrid" and result.metrics["n_test"] == 100
    batch = result.scorer.score(history.head(50))
    np.testing.assert_allclose(
        batch.base_score + batch.subtotals.sum(axis=1).to_numpy(), batch.score, atol=1e-6
    )
    assert (batch.score[(history.head(50)["role"] == "student").to_numpy()] == 0).all()
    assert len(result.scored) == 5 and result.cutoffs.to_dict()["hot"] >= result.cutoffs.to_dict()["warm"]
