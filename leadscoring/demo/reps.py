"""The demo's sales team, and which rep owns each lead."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .arrays import pick
from .catalog import DEFAULT_LEADS, FIRST_NAMES, INDUSTRIES, LAST_NAMES, REP_TERRITORY_CYCLE, TERRITORIES

_STREAM_REPS = 0x5E95


def rep_count(leads: int) -> int:
    """Reps sized to the book: 5 for the default demo, one per ~2,000 leads beyond that, at most 500."""
    return int(min(500, max(5, leads // 2_000)))


def demo_reps(*, leads: int = DEFAULT_LEADS, seed: int = 0) -> pd.DataFrame:
    """The sales team: username (rep1..repN), names, e-mail, territory, industries, weekly capacity."""
    rng = np.random.default_rng([seed, _STREAM_REPS])
    n = rep_count(leads)
    rows = []
    for i in range(n):
        industries = rng.choice(len(INDUSTRIES), size=int(rng.integers(2, 4)), replace=False)
        rows.append(
            {
                "username": f"rep{i + 1}",
                "first_name": FIRST_NAMES[int(rng.integers(len(FIRST_NAMES)))],
                "last_name": LAST_NAMES[int(rng.integers(len(LAST_NAMES)))],
                "email": f"rep{i + 1}@demo.example",
                "territory": REP_TERRITORY_CYCLE[i % len(REP_TERRITORY_CYCLE)],
                "industries": [INDUSTRIES[j] for j in sorted(industries)],
                "capacity": int(rng.integers(6, 17)) * 5,
            }
        )
    return pd.DataFrame(rows)


def owners_draw(
    *, rng: np.random.Generator, reps: pd.DataFrame, territory: np.ndarray, industry: np.ndarray
) -> np.ndarray:
    """A rep for each lead: one from the lead's territory, preferring reps who sell to its industry."""
    rep_territory = reps["territory"].to_numpy()
    rep_industries = reps["industries"].tolist()
    usernames = reps["username"].to_numpy(dtype=object)
    weight = np.empty((len(territory), len(reps)))
    for j in range(len(reps)):
        in_territory = rep_territory[j] == np.array(TERRITORIES, dtype=object)[territory]
        specialist = np.isin(industry, rep_industries[j])
        weight[:, j] = np.where(in_territory, 1.0, 0.02) * np.where(specialist, 3.0, 1.0)
    return usernames[pick(rng, weight)]
