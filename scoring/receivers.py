"""Scoring reacts to what the CRM announces: changed leads and new activity are rescored.

The receivers run inside the transaction that made the change, so the rows they write (a batch Job)
commit or roll back with it; the Celery publish waits for the commit (see services.batch).
"""

from __future__ import annotations

from django.dispatch import receiver

from leadscoring.signals import events_recorded, leads_changed

from .models import Trigger
from .services import leads_batch_score_start, leads_rescore_queue


@receiver(leads_changed, dispatch_uid="scoring.rescore_changed_leads")
def rescore_changed_leads(sender, *, lead_ids, created, bulk=False, **kwargs) -> None:
    if not lead_ids:
        return
    if bulk:
        # A bulk load is one batch Job whatever mix of new and changed leads it holds, recorded as
        # "created" as it always has been.
        leads_batch_score_start(lead_ids=lead_ids, trigger=Trigger.CREATED.value)
    else:
        leads_rescore_queue(
            lead_ids=lead_ids, trigger=(Trigger.CREATED if created else Trigger.UPDATED).value
        )


@receiver(events_recorded, dispatch_uid="scoring.rescore_leads_with_new_events")
def rescore_leads_with_new_events(sender, *, lead_ids, bulk=False, **kwargs) -> None:
    if not lead_ids:
        return
    if bulk:
        # An events file is rescored like a leads file: one batch Job, trigger "created" (kept as it was).
        leads_batch_score_start(lead_ids=lead_ids, trigger=Trigger.CREATED.value)
    else:
        leads_rescore_queue(lead_ids=lead_ids, trigger=Trigger.EVENT.value)
