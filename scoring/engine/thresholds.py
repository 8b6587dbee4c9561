"""Tier cut-offs (Hot / Warm / Cool / Cold) on the 0-100 score.

The cut-offs are lower bounds: a lead is in the highest tier whose bound its score reaches.
They come from the won and lost score distributions, not from round numbers:

- Warm/Cool is the separation point of the whole population: the score that maximises the
  Kolmogorov-Smirnov distance between the won and the lost score distributions, i.e. the
  threshold where "worth a rep's time" and "not yet" are best told apart.
- Hot/Warm is the separation point of the leads above Warm, Cool/Cold the one of the leads
  below Warm, so each boundary splits its own part of the population where it discriminates best.
- Each search only looks at thresholds whose share of leads at or above lies within a
  tolerance of the target share (TierShares), so a tier never collapses to a handful of
  leads or swallows the population. Hot's target share is also its ceiling (the tier must be
  small enough to be worked in full), and rep capacity, when given, lowers that ceiling further.

`Cutoffs.tier_of` applies them with a hysteresis band, so a lead whose score wobbles around a
boundary does not flip tiers (and re-notify its owner) on every re-score.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from statsmodels.stats.proportion import proportion_confint

from .contracts import jsonable

DEFAULT_NAMES = ("Hot", "Warm", "Cool", "Cold")


@dataclass
class TierShares:
    """Target share of scored leads per tier (0-1). Cold holds the rest."""

    hot: float = 0.10
    warm: float = 0.20
    cool: float = 0.30

    @property
    def cold(self) -> float:
        return max(0.0, 1.0 - self.hot - self.warm - self.cool)


@dataclass
class Cutoffs:
    """Tier lower bounds on the 0-100 score and the figures expected in each tier.

    hot, warm, cool: lower bounds (score >= bound); Cold is everything below `cool`.
    hysteresis: points a score must pass a boundary by before a lead already in a tier leaves it.
    names: tier names from the top down (Hot, Warm, Cool, Cold by default; editable).
    expected: one dict per tier, top down, measured on the scores the cut-offs were derived from:
      name, lower, upper, n, won, win_rate, ci_low, ci_high (Wilson 95 %), share_of_leads,
      share_of_wins, lift (win_rate / base rate).
    method: how each bound was chosen, in words, for the report.
    """

    hot: float
    warm: float
    cool: float
    hysteresis: float = 3.0
    names: tuple[str, ...] = DEFAULT_NAMES
    expected: list = field(default_factory=list)
    method: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.names = tuple(self.names)
        if len(self.names) != 4:
            raise ValueError(f"four tier names are needed, got {len(self.names)}: {self.names}")
        if not (self.hot >= self.warm >= self.cool):
            raise ValueError(
                f"cut-offs must not increase down the tiers: {self.hot}, {self.warm}, {self.cool}"
            )

    @property
    def bounds(self) -> tuple[float, float, float]:
        """The three lower bounds, top down (Hot, Warm, Cool)."""
        return (float(self.hot), float(self.warm), float(self.cool))

    def tier_index(self, scores: np.ndarray) -> np.ndarray:
        """Tier position per score: 0 = top tier (Hot) ... 3 = Cold; -1 for a missing score.

        scores: shape (n,), 0-100. Returns int array, shape (n,).
        """
        values = np.asarray(scores, dtype=float).reshape(-1)
        # Ascending bounds for searchsorted: Cool, Warm, Hot; side="right" makes the bound inclusive.
        ascending = np.array(self.bounds[::-1])
        passed = np.searchsorted(ascending, values, side="right")
        index = 3 - passed
        index[np.isnan(values)] = -1
        return index

    def tier_of(self, scores: np.ndarray, previous: np.ndarray | None = None) -> np.ndarray:
        """Tier name per score, with hysteresis when the previous tiers are known.

        scores: shape (n,), 0-100. previous: shape (n,), the tier names the leads held before
        (None, "" or an unknown name for a lead without one). A lead keeps its previous tier while its
        score stays within that tier's bounds widened by `hysteresis` points on each side; once it
        is further out it takes the tier its score earns. Missing scores give "".
        Returns an array of str, shape (n,).
        """
        values = np.asarray(scores, dtype=float).reshape(-1)
        index = self.tier_index(values)
        if previous is not None:
            prior = np.asarray(
                [self._position(name) for name in np.asarray(previous, dtype=object).reshape(-1)]
            )
            if prior.shape != index.shape:
                raise ValueError(f"previous has {prior.size} tiers for {index.size} scores")
            # Bounds of each tier: lower bound, and the next tier's lower bound above it.
            lower = np.array([self.hot, self.warm, self.cool, -np.inf])
            upper = np.array([np.inf, self.hot, self.warm, self.cool])
            known = (prior >= 0) & ~np.isnan(values)
            safe = np.where(known, prior, 0)
            inside = (values >= lower[safe] - self.hysteresis) & (values < upper[safe] + self.hysteresis)
            keep = known & inside
            index = np.where(keep, prior, index)
        labels = np.array(list(self.names) + [""], dtype=object)
        return labels[index].astype(str)

    def _position(self, name) -> int:
        if name is None or (isinstance(name, float) and math.isnan(name)):
            return -1
        try:
            return self.names.index(str(name))
        except ValueError:
            return -1

    def to_dict(self) -> dict:
        """JSON-safe dict of the cut-offs, for storage on a model version and for the report."""
        return jsonable(
            {
                "hot": self.hot,
                "warm": self.warm,
                "cool": self.cool,
                "hysteresis": self.hysteresis,
                "names": list(self.names),
                "expected": self.expected,
                "method": self.method,
            }
        )

    @classmethod
    def from_dict(cls, data: dict) -> Cutoffs:
        """Rebuild from `to_dict()` output (extra keys are ignored)."""
        return cls(
            hot=float(data["hot"]),
            warm=float(data["warm"]),
            cool=float(data["cool"]),
            hysteresis=float(data.get("hysteresis", 3.0)),
            names=tuple(data.get("names") or DEFAULT_NAMES),
            expected=list(data.get("expected") or []),
            method=dict(data.get("method") or {}),
        )


def tier_cutoffs(
    scores: np.ndarray,
    won: np.ndarray,
    *,
    hot_capacity: int | None = None,
    shares: TierShares | None = None,
    hysteresis: float = 3.0,
    names: tuple[str, ...] = DEFAULT_NAMES,
    share_tolerance: float = 1.5,
) -> Cutoffs:
    """Tier lower bounds on a 0-100 score from the won and lost score distributions.

    scores: shape (n,), scores of closed leads (ideally the holdout, which the model never saw).
    won: shape (n,), 1 / True for closed-won, 0 / False for closed-lost.
    hot_capacity: the most leads the Hot tier may hold so reps can work it in full, counted in this
      scored population (Hot share <= hot_capacity / n). None: no capacity limit beyond the target.
    shares: target share of leads per tier. Each boundary is searched among thresholds whose share
      of leads at or above lies between target / share_tolerance and target * share_tolerance
      (cumulative targets: Hot, Hot+Warm, Hot+Warm+Cool); for Hot the target is also the ceiling.
    hysteresis: score points, see `Cutoffs.tier_of`.
    Returns Cutoffs with `expected` per-tier figures (n, won, win rate with a Wilson 95 % interval,
    share of leads and of wins) measured on these scores.
    """
    shares = shares or TierShares()
    values = np.asarray(scores, dtype=float).reshape(-1)
    outcome = np.asarray(won).astype(bool).reshape(-1)
    if values.shape != outcome.shape:
        raise ValueError(f"scores has {values.size} values, won has {outcome.size}")
    scored = ~np.isnan(values)
    values, outcome = values[scored], outcome[scored]
    if values.size == 0:
        raise ValueError("no scores to derive tier cut-offs from")

    n = values.size
    capacity_share = 1.0 if hot_capacity is None else max(0.0, hot_capacity) / n
    hot_target = min(shares.hot, capacity_share)
    warm_target = shares.hot + shares.warm
    cool_target = shares.hot + shares.warm + shares.cool
    method: dict = {}

    warm, method["warm"] = _separation_point(
        values, outcome, np.ones(n, dtype=bool), target=warm_target, tolerance=share_tolerance, n_total=n
    )
    # Hot splits the leads above Warm; Cool splits those below, each where it separates best.
    # The Hot target is a ceiling, not a centre: Hot must stay small enough to be worked in full.
    hot, method["hot"] = _separation_point(
        values,
        outcome,
        values >= warm,
        target=hot_target,
        tolerance=share_tolerance,
        n_total=n,
        ceiling=hot_target,
    )
    if hot_target < shares.hot:
        method["hot"] += (
            f"; Hot target lowered to {hot_target:.1%} by rep capacity ({hot_capacity} of {n} leads)"
        )
    cool, method["cool"] = _separation_point(
        values, outcome, values < warm, target=cool_target, tolerance=share_tolerance, n_total=n
    )

    # Capacity is a hard ceiling: raise the Hot bound until the Hot share fits.
    if np.mean(values >= hot) > capacity_share:
        hot = _bound_for_share(values, capacity_share)
        method["hot"] = (
            f"raised to fit rep capacity: at most {hot_capacity} of {n} leads "
            f"({capacity_share:.1%}) may be Hot"
        )
    hot = max(hot, warm)
    cool = min(cool, warm)

    cutoffs = Cutoffs(hot=hot, warm=warm, cool=cool, hysteresis=hysteresis, names=names, method=method)
    cutoffs.expected = tier_table(values, outcome, cutoffs)
    return cutoffs


def tier_table(scores: np.ndarray, won: np.ndarray, cutoffs: Cutoffs) -> list[dict]:
    """Per-tier figures, top down: n, won, win_rate, Wilson 95 % ci_low/ci_high, share_of_leads,
    share_of_wins, lift over the base rate, and the tier's score range (lower, upper).

    scores, won: shape (n,). Missing scores are left out.
    """
    values = np.asarray(scores, dtype=float).reshape(-1)
    outcome = np.asarray(won).astype(bool).reshape(-1)
    keep = ~np.isnan(values)
    values, outcome = values[keep], outcome[keep]
    index = cutoffs.tier_index(values)
    n_total, won_total = values.size, int(outcome.sum())
    base_rate = won_total / n_total if n_total else float("nan")
    lowers = [cutoffs.hot, cutoffs.warm, cutoffs.cool, 0.0]
    uppers = [100.0, cutoffs.hot, cutoffs.warm, cutoffs.cool]
    rows = []
    for position, name in enumerate(cutoffs.names):
        members = index == position
        n, n_won = int(members.sum()), int(outcome[members].sum())
        ci_low, ci_high = wilson_interval(n_won, n)
        win_rate = n_won / n if n else float("nan")
        rows.append(
            {
                "name": name,
                "lower": float(lowers[position]),
                "upper": float(uppers[position]),
                "n": n,
                "won": n_won,
                "win_rate": win_rate,
                "ci_low": ci_low,
                "ci_high": ci_high,
                "share_of_leads": n / n_total if n_total else float("nan"),
                "share_of_wins": n_won / won_total if won_total else float("nan"),
                "lift": win_rate / base_rate if n and base_rate > 0 else float("nan"),
            }
        )
    return jsonable(rows)


def wilson_interval(successes: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval for a proportion (0-1); (nan, nan) when n is 0."""
    if n <= 0:
        return float("nan"), float("nan")
    low, high = proportion_confint(successes, n, alpha=alpha, method="wilson")
    return float(low), float(high)


def _separation_point(
    values: np.ndarray,
    outcome: np.ndarray,
    subset: np.ndarray,
    *,
    target: float,
    tolerance: float,
    n_total: int,
    ceiling: float | None = None,
) -> tuple[float, str]:
    """KS-maximising threshold within `subset`, among thresholds whose share of the whole
    population at or above lies within the target window (target / tolerance up to target * tolerance,
    or up to `ceiling`); the target-share quantile when the subset cannot separate (one class only, or
    no candidate in the window)."""
    part, part_won = values[subset], outcome[subset]
    candidates = np.unique(part)
    fallback = _bound_for_share(values, target)
    if candidates.size < 2 or part_won.all() or not part_won.any():
        return fallback, f"target share {target:.0%} of leads at or above (no won/lost separation to use)"

    # Threshold i sits midway between consecutive distinct scores, so a boundary falls between the
    # groups it separates rather than on a lead that happened to score exactly there.
    thresholds = (candidates[:-1] + candidates[1:]) / 2.0
    above_part = len(part) - np.searchsorted(np.sort(part), thresholds, side="left")
    won_sorted, lost_sorted = np.sort(part[part_won]), np.sort(part[~part_won])
    tpr = (won_sorted.size - np.searchsorted(won_sorted, thresholds, side="left")) / won_sorted.size
    fpr = (lost_sorted.size - np.searchsorted(lost_sorted, thresholds, side="left")) / lost_sorted.size
    ks = tpr - fpr

    # Share of the whole population at or above each threshold (the subset plus everything above it).
    above_subset = int(np.sum(values[~subset] >= part.max())) if (~subset).any() else 0
    share = (above_part + above_subset) / n_total
    low, high = target / tolerance, min(1.0, target * tolerance if ceiling is None else ceiling)
    allowed = (share >= low) & (share <= high)
    if not allowed.any():
        return fallback, f"target share {target:.0%} of leads at or above (no separation point near it)"

    ks_allowed = np.where(allowed, ks, -np.inf)
    best = ks_allowed.max()
    # Among equally separating thresholds, prefer the one closest to the target share.
    tied = np.flatnonzero(np.isclose(ks_allowed, best))
    choice = tied[np.argmin(np.abs(share[tied] - target))]
    return float(thresholds[choice]), (
        f"separation point: KS {best:.3f} between won and lost scores "
        f"({share[choice]:.1%} of leads at or above; target {target:.0%})"
    )


def _bound_for_share(values: np.ndarray, share: float) -> float:
    """The lowest threshold with at most `share` of `values` at or above it."""
    ordered = np.sort(values)[::-1]
    count = int(math.floor(share * ordered.size + 1e-9))
    if count >= ordered.size:
        return float(ordered[-1])
    if count <= 0:
        # Nobody fits: place the bound just above the top score.
        return float(np.nextafter(ordered[0], np.inf))
    # Ties at the boundary cannot be split, so the bound moves above the tied group.
    inside, outside = ordered[count - 1], ordered[count]
    if inside > outside:
        return float((inside + outside) / 2.0)
    higher = ordered[ordered > outside]
    if higher.size == 0:
        return float(np.nextafter(outside, np.inf))
    return float((higher.min() + outside) / 2.0)


__all__ = ["Cutoffs", "TierShares", "tier_cutoffs", "tier_table", "wilson_interval"]
