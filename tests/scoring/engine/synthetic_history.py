"""A small synthetic closed-deal history with a known process, shared by the engine tests."""

import numpy as np
import pandas as pd


def synthetic_history(n: int = 600, seed: int = 0) -> pd.DataFrame:
    """Leads whose win odds rise with pricing visits and an inbound source and fall with a student role.

    Columns: lead_id, source (inbound/outbound/partner), role, pricing_visits (count), company_size
    (numeric, with gaps), newsletter (Yes/No noise), won ("yes"/"no").
    """
    rng = np.random.default_rng(seed)
    source = rng.choice(["inbound", "outbound", "partner"], n, p=[0.4, 0.4, 0.2])
    role = rng.choice(["manager", "engineer", "student", "Select"], n, p=[0.3, 0.35, 0.2, 0.15])
    visits = rng.poisson(2.0, n)
    size = rng.lognormal(4, 1, n).round()
    size[rng.random(n) < 0.1] = np.nan
    newsletter = rng.choice(["Yes", "No"], n)
    logit = (
        -1.0
        + 0.6 * visits
        - 0.9 * (source == "outbound")
        + 0.8 * (source == "inbound")
        - 1.5 * (role == "student")
    )
    won = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame(
        {
            "lead_id": [f"L{i:05d}" for i in range(n)],
            "source": source,
            "role": role,
            "pricing_visits": visits,
            "company_size": size,
            "newsletter": newsletter,
            "won": np.where(won, "yes", "no"),
        }
    )
