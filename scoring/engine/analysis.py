"""Win/loss pattern analysis: base rate, per-signal lift with significance, interactions, non-predictors."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from .contracts import jsonable


@dataclass
class SignalLift:
    """Win rate with and without a signal, the lift, a two-proportion z-test and Wilson intervals."""

    present_won: int
    present_n: int
    absent_won: int
    absent_n: int
    win_rate_present: float
    win_rate_absent: float
    base_rate: float
    lift: float  # win rate when present / overall win rate
    z: float
    p_value: float
    ci_present: tuple[float, float]  # 95 % Wilson interval of the win rate when present
    ci_absent: tuple[float, float]


def signal_lift(*, present_won: int, present_n: int, absent_won: int, absent_n: int) -> SignalLift:
    """Lift and significance of one signal from its 2x2 table of closed deals.

    lift = (present_won / present_n) / ((present_won + absent_won) / (present_n + absent_n)); the
    p-value is the two-sided two-proportion z-test (pooled variance), intervals are Wilson at 95 %.
    """
    n = present_n + absent_n
    base = (present_won + absent_won) / n if n else float("nan")
    rate_present = present_won / present_n if present_n else float("nan")
    rate_absent = absent_won / absent_n if absent_n else float("nan")
    if present_n and absent_n and 0 < present_won + absent_won < n:
        z, p_value = proportions_ztest([present_won, absent_won], [present_n, absent_n])
    else:
        z, p_value = 0.0, 1.0
    return SignalLift(
        present_won=int(present_won),
        present_n=int(present_n),
        absent_won=int(absent_won),
        absent_n=int(absent_n),
        win_rate_present=float(rate_present),
        win_rate_absent=float(rate_absent),
        base_rate=float(base),
        lift=float(rate_present / base) if base else float("nan"),
        z=float(z),
        p_value=float(p_value),
        ci_present=tuple(float(v) for v in proportion_confint(present_won, present_n, method="wilson"))
        if present_n
        else (float("nan"), float("nan")),
        ci_absent=tuple(float(v) for v in proportion_confint(absent_won, absent_n, method="wilson"))
        if absent_n
        else (float("nan"), float("nan")),
    )


@dataclass
class WinLossAnalysis:
    """The outcome of `win_loss_analysis`; `to_dict()` gives plain, JSON-ready data."""

    n: int
    n_won: int
    base_rate: float
    base_rate_ci: tuple[float, float]
    signals: pd.DataFrame  # one row per (attribute, value or bin)
    ranking: pd.DataFrame  # one row per attribute, by information value
    non_predictors: list[str]
    interactions: pd.DataFrame
    loss_reasons: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the report and the Django side."""

        def records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
            if frame is None:
                return []
            return jsonable(frame.to_dict(orient="records"))

        return {
            "n": self.n,
            "n_won": self.n_won,
            "base_rate": self.base_rate,
            "base_rate_ci": list(self.base_rate_ci),
            "signals": records(self.signals),
            "ranking": records(self.ranking),
            "non_predictors": list(self.non_predictors),
            "interactions": records(self.interactions),
            "loss_reasons": records(self.loss_reasons),
            "notes": list(self.notes),
        }


def _signal_levels(X: pd.DataFrame, n_bins: int) -> dict[str, pd.Series]:
    """Each attribute as a categorical series of the values a rep would name (numbers in quantile bins)."""
    levels = {}
    for column in X.columns:
        values = X[column]
        if values.dtype == object:
            levels[column] = values.astype(object)
        elif values.dropna().nunique() <= 2:
            levels[column] = values.map({1.0: "yes", 0.0: "no"}).astype(object)
        else:
            try:
                binned = pd.qcut(values, q=n_bins, duplicates="drop")
            except ValueError:
                continue
            levels[column] = binned.astype(str).where(values.notna(), np.nan).astype(object)
    return levels


def win_loss_analysis(
    X: pd.DataFrame,
    y: np.ndarray,
    *,
    n_bins: int = 5,
    min_n: int = 10,
    alpha: float = 0.05,
    top_interactions: int = 6,
    loss_reason: pd.Series | None = None,
) -> WinLossAnalysis:
    """Win/loss patterns of the closed deals in `X` (n, p; coerced features) with outcomes `y` (n,) of 0/1.

    For every attribute value (numbers in `n_bins` quantile bins, missing as its own value) with at least
    `min_n` deals: win rate present/absent, lift, z-test p-value, Benjamini-Hochberg adjusted p-value,
    Wilson intervals. Attributes are ranked by information value; those with no significant value are
    the non-predictors. Pairs among the `top_interactions` strongest values are tested for interaction:
    the joint win rate against what the two would give on their own (log-odds added), with at least
    MIN_INTERACTION_N deals behind the pair, pairs describing the same deals left out, and p-values
    adjusted by Benjamini-Hochberg over every pair tested.
    `loss_reason` (n,), when given, is tallied over the lost deals.
    """
    y = np.asarray(y, dtype=int)
    n, n_won = len(y), int(y.sum())
    base = n_won / n
    rows = []
    presence: dict[tuple[str, str], np.ndarray] = {}
    for column, levels in _signal_levels(X, n_bins).items():
        filled = levels.fillna("(missing)")
        for value, count in filled.value_counts().items():
            if count < min_n or count == n:
                continue
            mask = (filled == value).to_numpy()
            won_present = int(y[mask].sum())
            lift = signal_lift(
                present_won=won_present,
                present_n=int(mask.sum()),
                absent_won=n_won - won_present,
                absent_n=int(n - mask.sum()),
            )
            presence[(column, str(value))] = mask
            rows.append(
                {
                    "attribute": column,
                    "value": str(value),
                    "n": lift.present_n,
                    "won": lift.present_won,
                    "win_rate": lift.win_rate_present,
                    "win_rate_absent": lift.win_rate_absent,
                    "lift": lift.lift,
                    "p_value": lift.p_value,
                    "ci_low": lift.ci_present[0],
                    "ci_high": lift.ci_present[1],
                }
            )
    signals = pd.DataFrame(rows)
    notes = []
    if signals.empty:
        signals = pd.DataFrame(
            columns=["attribute", "value", "n", "won", "win_rate", "lift", "p_value", "p_adjusted"]
        )
        notes.append("no attribute value has enough closed deals to analyse")
    else:
        # Hundreds of values are tested at once: control the false discovery rate, not each test alone.
        signals["p_adjusted"] = multipletests(signals["p_value"], method="fdr_bh")[1]
        signals["significant"] = signals["p_adjusted"] < alpha
        signals = signals.sort_values("lift", ascending=False, ignore_index=True)
    ranking_rows = []
    for column, group in signals.groupby("attribute", sort=False) if not signals.empty else []:
        won_share = (group["won"] + 0.5) / (n_won + 0.5)
        lost_share = (group["n"] - group["won"] + 0.5) / (n - n_won + 0.5)
        iv = float(((won_share - lost_share) * np.log(won_share / lost_share)).sum())
        ranking_rows.append(
            {
                "attribute": column,
                "information_value": iv,
                "best_value": group.iloc[group["lift"].argmax()]["value"],
                "best_lift": float(group["lift"].max()),
                "worst_value": group.iloc[group["lift"].argmin()]["value"],
                "worst_lift": float(group["lift"].min()),
                "significant_values": int(group["significant"].sum()),
            }
        )
    ranking = pd.DataFrame(ranking_rows)
    if not ranking.empty:
        ranking = ranking.sort_values("information_value", ascending=False, ignore_index=True)
    non_predictors = (
        sorted(set(X.columns) - set(ranking["attribute"][ranking["significant_values"] > 0]))
        if not (ranking.empty)
        else sorted(X.columns)
    )
    interactions, interaction_notes = _interactions(
        signals, presence, y, base, top_interactions, min_n, alpha
    )
    notes.extend(interaction_notes)
    loss_table = None
    if loss_reason is not None:
        lost = pd.Series(loss_reason).reset_index(drop=True)[y == 0].fillna("(not recorded)")
        loss_table = lost.value_counts().rename_axis("reason").reset_index(name="n")
        loss_table["share"] = loss_table["n"] / max(len(lost), 1)
    low, high = proportion_confint(n_won, n, method="wilson")
    return WinLossAnalysis(
        n=n,
        n_won=n_won,
        base_rate=base,
        base_rate_ci=(float(low), float(high)),
        signals=signals,
        ranking=ranking,
        non_predictors=non_predictors,
        interactions=interactions,
        loss_reasons=loss_table,
        notes=notes,
    )


INTERACTION_COLUMNS = [
    "first", "second", "n", "won", "win_rate", "expected_win_rate", "interaction", "p_value", "p_adjusted",
    "significant",
]  # fmt: skip
# A pair is tested only with this much support; two values sharing this share of their deals (both ways)
# describe the same deals, and their "interaction" is one group counted twice.
MIN_INTERACTION_N = 30
SAME_DEALS = 0.9


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


def _interactions(
    signals: pd.DataFrame,
    presence: dict[tuple[str, str], np.ndarray],
    y: np.ndarray,
    base: float,
    top: int,
    min_n: int,
    alpha: float = 0.05,
) -> tuple[pd.DataFrame, list[str]]:
    """Pairs of the strongest values: joint win rate against the rate the two would give independently
    (their log-odds effects added, so never above 100 %), with an exact binomial p-value, adjusted by
    Benjamini-Hochberg over every pair tested. Returns the rows and notes on pairs left out."""
    notes: list[str] = []
    if signals.empty:
        return pd.DataFrame(columns=INTERACTION_COLUMNS), notes
    strongest = signals[signals["significant"]].sort_values("lift", ascending=False)
    picked: list[tuple[str, str]] = []
    for row in strongest.itertuples():
        if row.attribute not in {a for a, _ in picked}:
            picked.append((row.attribute, row.value))
        if len(picked) >= top:
            break
    rows = []
    support = max(min_n, MIN_INTERACTION_N)
    for (a, va), (b, vb) in combinations(picked, 2):
        first, second = presence[(a, va)], presence[(b, vb)]
        both = first & second
        n_both = int(both.sum())
        if n_both < support:
            continue
        if n_both >= SAME_DEALS * first.sum() and n_both >= SAME_DEALS * second.sum():
            notes.append(
                f"{a} = {va} and {b} = {vb} describe the same {n_both:,} deals: one group, not an interaction"
            )
            continue
        won = int(y[both].sum())
        rate = won / n_both
        expected = float(
            1 / (1 + np.exp(-(_logit(y[first].mean()) + _logit(y[second].mean()) - _logit(base))))
        )
        rows.append(
            {
                "first": f"{a} = {va}",
                "second": f"{b} = {vb}",
                "n": n_both,
                "won": won,
                "win_rate": rate,
                "expected_win_rate": expected,
                "interaction": rate / expected if expected else float("nan"),
                "p_value": float(stats.binomtest(won, n_both, expected).pvalue),
            }
        )
    frame = pd.DataFrame(rows, columns=INTERACTION_COLUMNS)
    if not frame.empty:
        frame["p_adjusted"] = multipletests(frame["p_value"], method="fdr_bh")[1]
        frame["significant"] = frame["p_adjusted"] < alpha
    return frame.sort_values(["significant", "interaction"], ascending=False, ignore_index=True), notes


def lift_to_dict(lift: SignalLift) -> dict[str, Any]:
    """A SignalLift as plain data."""
    return jsonable(asdict(lift))
