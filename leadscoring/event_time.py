"""How far in the future an activity event may be dated (`EVENT_FUTURE_SKEW_HOURS`, default 24).

A little skew allows for clocks and time zones; an event dated 2099 is a typo or a bad export, and if
stored it would show as "0 minutes ago" and raise the lead's score for decades.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone


def future_skew() -> timedelta:
    return timedelta(hours=getattr(settings, "EVENT_FUTURE_SKEW_HOURS", 24))


def future_error(occurred_at: datetime | None, *, now: datetime | None = None) -> str:
    """Why `occurred_at` is refused ("" when it is fine)."""
    if occurred_at is None:
        return ""
    limit = (now or timezone.now()) + future_skew()
    if occurred_at > limit:
        hours = future_skew().total_seconds() / 3600
        return (
            f"{occurred_at.isoformat()} is in the future: events may be dated at most {hours:g} hours "
            f"ahead of now (until {limit.replace(microsecond=0).isoformat()})."
        )
    return ""
