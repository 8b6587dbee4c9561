"""The work queue's rules: which leads are open, and what the next step is for a lead's status and tier."""

from __future__ import annotations

from leadscoring.models import Lead

OPEN_STATUSES = (Lead.Status.NEW, Lead.Status.CONTACTED, Lead.Status.QUALIFIED)
CLOSED_STATUSES = (Lead.Status.CONVERTED, Lead.Status.LOST)


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES


def next_step(*, status: str, tier) -> str:
    """What the rep should do now: a closed lead never gets the tier's call-now action."""
    action = getattr(tier, "recommended_action", "") or ""
    if status == Lead.Status.CONVERTED:
        return "Converted: hand over to account management; no sales call needed"
    if status == Lead.Status.LOST:
        return "Closed lost: no action unless it is reopened"
    if status == Lead.Status.QUALIFIED:
        return "Qualified: book the next meeting or send the proposal"
    if status == Lead.Status.CONTACTED:
        return f"Follow up: {action[:1].lower()}{action[1:]}" if action else "Follow up on your last contact"
    return action
