"""What-if before deploy: replay a threshold change or a candidate version over history and current leads.

Reads only; nothing here changes a score. The admin and the settings page show the result before
ops staff approve the change.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from leadscoring.models import Lead

from . import selectors
from .engine.thresholds import Cutoffs
from .features import lead_signal_frame
from .models import LeadScore, ScoringModel, ScoringProgram, ScoringSettings
from .services.reads import cutoffs_for
from .services.scoring import engine_score
from .services.training import training_history


def _migration(before: np.ndarray, after: np.ndarray, names: list[str]) -> dict:
    table = pd.crosstab(pd.Categorical(before, names), pd.Categorical(after, names), dropna=False)
    return {
        "tiers": names,
        "matrix": [[int(table.loc[a, b]) for b in names] for a in names],
        "moved": int((before != after).sum()),
        "total": int(len(before)),
    }


def whatif(
    *,
    program: ScoringProgram,
    bounds: dict | None = None,
    candidate: ScoringModel | None = None,
    current_limit: int = 50000,
) -> dict:
    """Tier migration of current leads and Hot precision/recall on closed history under a proposal.

    bounds: proposed lower bounds {"hot": .., "warm": .., "cool": ..}; candidate: a trained version to
    score with instead of the live one. Either or both.
    """
    live = selectors.model_live(program=program)
    model = candidate or live
    if model is None:
        raise LookupError("there is no live model and no candidate to replay")
    current = cutoffs_for(program=program)
    proposed = Cutoffs(
        hot=float((bounds or {}).get("hot", current.hot)),
        warm=float((bounds or {}).get("warm", current.warm)),
        cool=float((bounds or {}).get("cool", current.cool)),
        hysteresis=current.hysteresis,
        names=current.names,
    )
    names = list(current.names)
    rows = list(
        LeadScore.objects.filter(program=program)
        .exclude(lead__status__in=[Lead.Status.CONVERTED, Lead.Status.LOST])
        .order_by("-scored_at")
        .values_list("lead_id", "score", "tier")[:current_limit]
    )
    lead_ids = [r[0] for r in rows]
    before = np.array([r[2] for r in rows], dtype=object)
    if candidate is not None and lead_ids:
        frame = lead_signal_frame(lead_ids=lead_ids, signals=selectors.signals_of_model(model=candidate))
        scores = engine_score(model=candidate, frame=frame)["score"].to_numpy(dtype=float)
    else:
        scores = np.array([r[1] for r in rows], dtype=float)
    after = proposed.tier_of(scores) if len(scores) else np.array([], dtype=object)
    history, _ = training_history(program=program, signals=selectors.signals_of_model(model=model))
    won = history["won"].to_numpy(dtype=int)
    history_scores = engine_score(model=model, frame=history.drop(columns=["won", "as_of"]))[
        "score"
    ].to_numpy(float)
    hot = proposed.tier_of(history_scores) == names[0]
    settings_row = ScoringSettings.load()
    capacity = settings_row.hot_capacity or None
    return {
        "model": str(model),
        "bounds": {"hot": proposed.hot, "warm": proposed.warm, "cool": proposed.cool},
        "current_leads": _migration(before, np.asarray(after, dtype=object), names),
        "history": {
            "closed_leads": int(len(won)),
            "hot_leads": int(hot.sum()),
            "hot_precision": float(won[hot].mean()) if hot.any() else None,
            "hot_recall": float(won[hot].sum() / max(1, won.sum())),
            "base_rate": float(won.mean()) if len(won) else None,
        },
        "hot_now": int((np.asarray(after) == names[0]).sum()),
        "hot_capacity": capacity,
        "within_capacity": capacity is None or int((np.asarray(after) == names[0]).sum()) <= capacity,
    }
