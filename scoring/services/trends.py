"""The 14-day trend of a lead's score: rising, stable or falling against where the window began."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..models import ScoringProgram, ScoringSettings, Trend
from .reads import scores_at_window_start


def trend_of(current: float, earlier: float | None, band: float) -> str:
    """Stable within `band` points of the window's start (or with no start to compare), else the direction."""
    if earlier is None or abs(current - earlier) <= band:
        return Trend.STABLE
    return Trend.RISING if current > earlier else Trend.FALLING


def trends_for(
    *, scores: dict[int, float], program: ScoringProgram, now: datetime, settings_row: ScoringSettings
) -> dict[int, str]:
    """Each lead's trend for its new score (lead id -> score), over the settings' trend window up to `now`."""
    earlier = scores_at_window_start(
        lead_ids=list(scores), program=program, since=now - timedelta(days=settings_row.trend_window_days)
    )
    return {
        lead_id: trend_of(score, earlier.get(lead_id), settings_row.trend_band)
        for lead_id, score in scores.items()
    }
