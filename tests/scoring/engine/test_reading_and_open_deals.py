"""Files a customer exports: hex ids, semicolons and tabs, Latin-1, and Won / Lost / Open outcomes."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from scoring.engine.__main__ import main
from scoring.engine.dataset import infer_column_types, numbers_of
from scoring.engine.pipeline import UnusableHistory, build_model
from scoring.engine.reading import read_table

from .synthetic_history import synthetic_history

ROOT = Path(__file__).resolve().parents[3]
# pandas 2.x `to_numeric` crashes the process (exit -11) on this: a number with an enormous exponent.
HEX_ID = "401013266745e5661589292315434968"


def _hex_history(n: int = 300):
    history = synthetic_history(n, seed=21)
    history["lead_id"] = [f"{i:012d}e{5661589292315434968 + i}" for i in range(n)]
    history.loc[0, "lead_id"] = HEX_ID
    # Another column where such a hash turns up among ordinary values.
    history["campaign"] = np.where(np.arange(n) % 7 == 0, HEX_ID, "spring")
    return history


def test_hex_ids_do_not_crash_the_build_in_a_fresh_process(tmp_path):
    path = tmp_path / "hex.csv"
    _hex_history().to_csv(path, index=False)
    out = tmp_path / "out"
    # A segfault would kill pytest itself: run the CLI in its own process and read its exit code.
    run = subprocess.run(
        [sys.executable, "-m", "scoring.engine", "build", str(path), "--outcome", "won", "--won", "yes",
         "--id", "lead_id", "--n-boot", "20", "--model", "points", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, (run.returncode, run.stderr[-2000:])
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["auc"] > 0.6
    assert "lead_id" not in metrics["signals"]


def test_hex_ids_stay_text_and_are_never_read_as_numbers(tmp_path):
    path = tmp_path / "hex.csv"
    _hex_history(50).to_csv(path, index=False)
    frame = read_table(path).frame
    assert frame.loc[0, "lead_id"] == HEX_ID
    assert frame["campaign"].dtype == object and HEX_ID in set(frame["campaign"])
    assert np.isnan(numbers_of(np.array([HEX_ID, "1e5", "12"], dtype=object))[0])
    assert list(numbers_of(np.array(["1e5", "12", " 3.5 "], dtype=object))) == [1e5, 12.0, 3.5]
    types = infer_column_types(frame[["lead_id", "campaign"]])
    assert types == {"lead_id": "id", "campaign": "categorical"}


@pytest.mark.parametrize(("sep", "name"), [(";", "semicolon"), ("\t", "tab")])
def test_semicolon_and_tab_exports_are_sniffed(tmp_path, sep, name):
    path = tmp_path / f"{name}.csv"
    synthetic_history(300, seed=3).to_csv(path, index=False, sep=sep)
    out = tmp_path / "out"
    code = main(["build", str(path), "--outcome", "won", "--won", "yes", "--n-boot", "20",
                 "--model", "points", "--out", str(out)])  # fmt: skip
    assert code == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["delimiter"] == sep
    assert f"{name}-separated" in (out / "lead-scoring-model.md").read_text()


def test_sep_overrides_the_sniffer(tmp_path):
    path = tmp_path / "pipe.csv"
    path.write_text("a|b;c\n1|x;y\n2|z;w\n", encoding="utf-8")
    assert list(read_table(path, delimiter="|").frame.columns) == ["a", "b;c"]
    assert list(read_table(path, delimiter=";").frame.columns) == ["a|b", "c"]


def test_latin1_is_detected_reported_and_never_replaced(tmp_path):
    history = synthetic_history(300, seed=4)
    history["owner"] = np.where(np.arange(300) % 2 == 0, "Françoise", "Zoë Müller")
    path = tmp_path / "latin1.csv"
    path.write_bytes(history.to_csv(index=False).encode("latin-1"))
    read = read_table(path)
    assert read.encoding in ("cp1252", "latin_1", "iso8859_15")
    assert set(read.frame["owner"]) == {"Françoise", "Zoë Müller"}
    out = tmp_path / "out"
    assert main(["build", str(path), "--outcome", "won", "--won", "yes", "--n-boot", "20", "--model",
                 "points", "--out", str(out)]) == 0  # fmt: skip
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["encoding"] == read.encoding
    assert f"read as {read.encoding}" in (out / "lead-scoring-model.md").read_text()
    # An explicit --encoding wins; a wrong one is refused with a message, never decoded with "?".
    assert read_table(path, encoding="latin-1").frame["owner"].iloc[0] == "Françoise"
    with pytest.raises(ValueError, match="not utf-8 text"):
        read_table(path, encoding="utf-8")


def _won_lost_open(n: int = 900, seed: int = 5):
    rng = np.random.default_rng(seed)
    history = synthetic_history(n, seed=seed)
    stage = np.where(history["won"] == "yes", "Won", "Lost")
    stage[rng.random(n) < 0.25] = "Open"
    return history.drop(columns=["won"]).assign(stage=stage)


def test_more_than_two_outcome_values_without_lost_is_refused_with_the_counts():
    history = _won_lost_open()
    counts = history["stage"].value_counts()
    with pytest.raises(UnusableHistory) as refused:
        build_model(history, outcome="stage", won="Won", model="points", n_boot=0)
    message = str(refused.value)
    assert "--lost" in message
    for value, count in counts.items():
        assert f"'{value}' ({count:,})" in message


def test_open_deals_are_scored_counted_and_never_trained_as_lost(tmp_path):
    history = _won_lost_open()
    n_open = int((history["stage"] == "Open").sum())
    closed = history[history["stage"] != "Open"]
    path = tmp_path / "stages.csv"
    history.to_csv(path, index=False)
    out = tmp_path / "out"
    code = main(["build", str(path), "--outcome", "stage", "--won", "Won", "--lost", "Lost", "--id",
                 "lead_id", "--n-boot", "20", "--model", "points", "--out", str(out)])  # fmt: skip
    assert code == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["open_rows"] == n_open
    assert metrics["n_closed"] == len(closed)
    assert metrics["n_train"] + metrics["n_test"] == len(closed)
    report = (out / "lead-scoring-model.md").read_text()
    assert f"{n_open:,} open deals scored, not trained on" in report
    assert "lead id `lead_id`" in report and "Lead id: `lead_id`" in report
    scored = (out / "scored.csv").read_text().splitlines()
    assert len(scored) == n_open + 1


def test_the_report_header_shows_the_id_and_date_columns_passed():
    history = synthetic_history(400, seed=6)
    history["closed_on"] = [f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(400)]
    result = build_model(history, outcome="won", won="yes", id_column="lead_id", date_column="closed_on",
                         model="points", n_boot=0)  # fmt: skip
    assert "lead id `lead_id`; close date `closed_on`" in result.report
    assert "Lead id: `lead_id`; close date: `closed_on`" in result.report
    # With a date, the time split is measured beside the random one.
    assert result.metrics["time_split"]["n_test"] == 120
    assert "Random split beside a time split" in result.report
