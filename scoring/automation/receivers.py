"""The automation reacts to the decision log: tier changes assign, clock and notify (one batch at a time).

Connected from `scoring.apps`. Runs inside the decision writer's transaction, so its rows commit or roll
back with the decisions; e-mails wait for the commit.
"""

from __future__ import annotations

from django.conf import settings
from django.dispatch import receiver

from ..signals import decisions_recorded
from . import services, tasks  # noqa: F401  (tasks: registers the automation's Celery tasks)


@receiver(decisions_recorded, dispatch_uid="scoring.automation.act_on_tier_changes")
def act_on_tier_changes(sender, *, decisions, **kwargs) -> None:
    # A switch for bench/rescore.py's with/without figure and for bulk back-fills; on by default.
    if not getattr(settings, "LEADSCORING_AUTOMATION", True):
        return
    services.decisions_act(decisions=decisions)
