"""The engine recovers the demo generator's known conversion process: the signals and their directions."""

import pytest

from leadscoring.demo.process import demo_generate, true_process
from scoring.engine.analysis import win_loss_analysis


@pytest.fixture(scope="module")
def analysis():
    demo = demo_generate(leads=6000, seed=3)
    closed = demo.truth[demo.truth["closed"]]
    names = [s["name"] for s in true_process()["signals"] if s["dimension"] != "interaction"]
    return win_loss_analysis(closed[names], closed["won"].astype(int).to_numpy())


def lift_of(analysis, signal, value="yes"):
    rows = analysis.signals[(analysis.signals["attribute"] == signal) & (analysis.signals["value"] == value)]
    return rows.iloc[0] if len(rows) else None


@pytest.mark.parametrize(
    "signal",
    [s for s in true_process()["signals"] if s["strength"] != "weak" and s["dimension"] != "interaction"],
    ids=lambda s: s["name"],
)
def test_each_moderate_or_strong_signal_points_the_true_way(analysis, signal):
    if signal["name"] == "engagement":
        bins = analysis.signals[analysis.signals["attribute"] == "engagement"].copy()
        bins["upper"] = bins["value"].str.extract(r", ([-0-9.]+)\]")[0].astype(float)
        bins = bins.sort_values("upper")
        assert bins["lift"].iloc[-1] > 1 > bins["lift"].iloc[0]  # more (decayed) engagement, more wins
        return
    row = lift_of(analysis, signal["name"])
    assert row is not None, f"{signal['name']} has too few closed deals to measure"
    assert (row["lift"] > 1) == (signal["direction"] > 0), (signal["name"], row["lift"])
    if signal["strength"] == "strong":
        assert row["significant"], (signal["name"], row["p_adjusted"])
