"""The working calendar of a user: their Rep profile's, else the site's default week."""

from __future__ import annotations

from datetime import time

from django.conf import settings

from leadscoring.models import Rep

from .calendar import WEEKDAYS, WorkingCalendar


def calendar_default() -> WorkingCalendar:
    return WorkingCalendar(time_zone=settings.TIME_ZONE, days=WEEKDAYS, starts=time(9, 0), ends=time(17, 0))


def calendar_of_rep(rep: Rep | None) -> WorkingCalendar:
    if rep is None:
        return calendar_default()
    return WorkingCalendar.of(
        time_zone=rep.time_zone, days=rep.working_days, starts=rep.work_starts, ends=rep.work_ends
    )


def calendars_of(*, user_ids) -> dict[int, WorkingCalendar]:
    """Each user's calendar (one query); users without a Rep profile are missing: use the default."""
    reps = Rep.objects.filter(user_id__in=[u for u in user_ids if u is not None])
    return {rep.user_id: calendar_of_rep(rep) for rep in reps}
