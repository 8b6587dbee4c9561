"""The automation's reads: clocks, contacts, assignments and notifications of leads and users."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import F, QuerySet

from .models import Assignment, Notification, RepContact, SlaClock


def clocks_running(*, lead_ids) -> dict[int, SlaClock]:
    return {
        c.lead_id: c for c in SlaClock.objects.filter(lead_id__in=list(lead_ids), stopped_at__isnull=True)
    }


def clock_latest(*, lead) -> SlaClock | None:
    return SlaClock.objects.filter(lead=lead).order_by("-started_at", "-pk").first()


def contacts_of(*, lead, limit: int = 50) -> list[RepContact]:
    return list(RepContact.objects.filter(lead=lead).select_related("rep")[:limit])


def assignments_of(*, lead, limit: int = 20) -> list[Assignment]:
    return list(Assignment.objects.filter(lead=lead).select_related("rep", "actor")[:limit])


def notifications_listed(*, user) -> QuerySet[Notification]:
    """A user's notifications, unread first (NULL first on every database), newest first within each."""
    return Notification.objects.filter(recipient=user).order_by(
        F("read_at").asc(nulls_first=True), "-created_at", "-pk"
    )


def notifications_of(*, user, limit: int = 50) -> QuerySet[Notification]:
    return notifications_listed(user=user).select_related("lead")[:limit]


def notifications_unread_count(*, user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def clock_view(clock: SlaClock | None, now: datetime) -> dict | None:
    """A clock for the page: time left (or overdue), or how it stopped; None when no clock applies."""
    if clock is None:
        return None
    if clock.stopped_at is not None:
        if clock.stop_reason != "contact":
            return None
        in_time = clock.stopped_at <= clock.due_at
        return {
            "due": clock.due_at,
            "state": "met" if in_time else "overdue",
            "text": ("Contacted within the SLA" if in_time else "Contacted after the SLA")
            + f" ({clock.stopped_at:%d %b %H:%M} UTC)",
            "stopped": True,
        }
    seconds = (clock.due_at - now).total_seconds()
    minutes = int(abs(seconds) // 60)
    span = f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
    if minutes >= 48 * 60:
        span = f"{minutes // (24 * 60)} days"
    if seconds < 0:
        return {"due": clock.due_at, "state": "overdue", "text": f"Overdue {span}", "stopped": False}
    return {
        "due": clock.due_at,
        "state": "due" if seconds < 3600 else "ok",
        "text": f"Respond within {span} (by {clock.due_at:%a %d %b %H:%M} UTC, business hours)",
        "stopped": False,
    }


CAPACITY_WEEKS = 4


def capacity_check(*, program, tiers, now: datetime, hot_capacity: int = 0) -> dict | None:
    """Hot + Warm volume a week against the team's capacity.

    Volume: decisions of the last four weeks that moved a lead into the top two tiers from outside them
    (first scores included), divided by four. Capacity: the settings' Hot capacity when set, else the sum
    of active reps' weekly capacity. `fits` is False when the volume is larger.
    """
    from leadscoring.models import Rep

    from ..models import TIER_CHANGE, ScoreSnapshot

    top_two = [t.name for t in tiers[:2]]
    if not top_two:
        return None
    since = now - timedelta(weeks=CAPACITY_WEEKS)
    entered = (
        ScoreSnapshot.objects.filter(TIER_CHANGE, program=program, created_at__gte=since, tier__in=top_two)
        .exclude(previous_tier__in=top_two)
        .count()
    )
    capacity = hot_capacity or sum(Rep.objects.filter(active=True).values_list("capacity", flat=True))
    weekly = entered / CAPACITY_WEEKS
    return {
        "tiers": top_two,
        "weekly": weekly,
        "capacity": capacity,
        "fits": weekly <= capacity,
        "weeks": CAPACITY_WEEKS,
    }
