"""Writes to the CRM data from the API and the pages: leads and activity events.

Each write announces itself (`leadscoring.signals`) inside its own transaction; what the layers above do
about it (rescoring, later notifications) is theirs, and anything leaving the process waits for the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from .erasure import erased_refusal, lead_erase
from .event_time import future_error
from .models import ActivityEvent, Lead
from .signals import events_recorded, leads_changed, personal_data_read

__all__ = ["lead_erase", "lead_upsert", "event_record", "events_record", "personal_data_read_record"]

LEAD_FIELDS = {
    f.name
    for f in Lead._meta.concrete_fields
    if f.name not in {"id", "external_id", "source_system", "attributes", "updated_at", "erased_at"}
} | {"account_id", "owner_id"}


def lead_upsert(*, source_system: str, external_id: str, fields: dict, actor=None) -> tuple[Lead, bool]:
    """Create or update a lead by (source_system, external_id); unknown keys go to `attributes`."""
    if not external_id:
        raise ValidationError({"external_id": ["This field is required."]})
    refusal = erased_refusal(source_system=source_system, external_id=external_id)
    if refusal is not None:
        raise refusal
    known = {k: v for k, v in fields.items() if k in LEAD_FIELDS}
    extra = {k: v for k, v in fields.items() if k not in LEAD_FIELDS and k != "attributes"}
    extra.update(fields.get("attributes") or {})
    with transaction.atomic():
        lead = (
            Lead.objects.select_for_update()
            .filter(source_system=source_system, external_id=external_id)
            .first()
        )
        created = lead is None
        if lead is not None and lead.erased_at is not None:
            raise ValidationError({"external_id": ["This person was erased at their request."]})
        if created:
            lead = Lead(source_system=source_system, external_id=external_id)
        for name, value in known.items():
            setattr(lead, name, value)
        if extra:
            lead.attributes = {**(lead.attributes or {}), **extra}
        lead.full_clean(validate_unique=False, validate_constraints=False)
        if actor is not None:
            lead._history_user = actor
        try:
            with transaction.atomic():
                lead.save()
        except IntegrityError:
            # A concurrent writer created the same external id first: update theirs instead.
            if not created:
                raise
            return lead_upsert(
                source_system=source_system, external_id=external_id, fields=fields, actor=actor
            )
        leads_changed.send(sender=Lead, lead_ids=[lead.pk], created=created, bulk=False)
    return lead, created


def event_record(
    *,
    lead: Lead,
    kind: str,
    occurred_at: datetime,
    source: str,
    external_id: str,
    url: str = "",
    properties: dict | None = None,
    rescore: bool = True,
) -> tuple[ActivityEvent, bool]:
    """Record one activity event; re-sending (same source and external id) is a no-op.

    `rescore=False` stores the event without announcing it (`events_recorded`): for a caller that
    announces many events at once, or one that rescores the lead itself.
    """
    if reason := future_error(occurred_at):
        raise ValidationError({"occurred_at": [reason]})
    existing = ActivityEvent.objects.filter(source=source, external_id=external_id).first()
    if existing is not None:
        return existing, False
    event = ActivityEvent(
        lead=lead,
        kind=kind,
        occurred_at=occurred_at,
        source=source,
        external_id=external_id,
        url=url or "",
        properties=properties or {},
    )
    event.full_clean(validate_unique=False, validate_constraints=False)
    with transaction.atomic():
        try:
            with transaction.atomic():
                event.save()
        except IntegrityError:
            # Lost a race with an identical re-send: the first one stands.
            return ActivityEvent.objects.get(source=source, external_id=external_id), False
        if rescore:
            events_recorded.send(sender=ActivityEvent, lead_ids=[lead.pk], bulk=False)
    return event, True


@dataclass
class EventOutcome:
    index: int
    event: ActivityEvent | None
    created: bool
    errors: dict | None = None


def events_record(*, events: list[dict]) -> list[EventOutcome]:
    """Record many events; a bad item is reported and never fails the others."""
    outcomes = []
    touched: set[int] = set()
    with transaction.atomic():
        for index, item in enumerate(events):
            try:
                event, created = event_record(**item, rescore=False)
            except ValidationError as exc:
                outcomes.append(EventOutcome(index=index, event=None, created=False, errors=exc.message_dict))
                continue
            outcomes.append(EventOutcome(index=index, event=event, created=created))
            if created:
                touched.add(event.lead_id)
        # One announcement for the batch: the layers above rescore each lead once, however many of
        # its events arrived.
        if touched:
            events_recorded.send(sender=ActivityEvent, lead_ids=sorted(touched), bulk=False)
    return outcomes


def personal_data_read_record(
    *, leads: list[Lead], user, channel: str, action: str, integration: str = ""
) -> None:
    """Announce that `user` (or an integration) read these leads' personal data; audit records it."""
    if leads:
        personal_data_read.send(
            sender=Lead, leads=leads, user=user, integration=integration, channel=channel, action=action
        )


def leads_owner_set(
    *, owner_by_lead: dict[int, int | None], actor=None, reason_by_lead: dict[int, str] | None = None
) -> int:
    """Hand leads to reps (user ids; None puts a lead back in the pool), one history row each, carrying
    the lead's reason (`reason_by_lead`) as its change reason.

    Sends no `leads_changed`: the owner is no scoring input, and assignment runs inside a rescore, which
    must not ask for another. Returns how many leads changed hands.
    """
    from simple_history.utils import bulk_update_with_history

    if not owner_by_lead:
        return 0
    leads = list(Lead.objects.filter(pk__in=list(owner_by_lead)))
    changed = [lead for lead in leads if lead.owner_id != owner_by_lead[lead.pk]]
    for lead in changed:
        lead.owner_id = owner_by_lead[lead.pk]
        lead._change_reason = (reason_by_lead or {}).get(lead.pk, "")[:100]  # the history column's width
    if changed:
        bulk_update_with_history(changed, Lead, ["owner"], batch_size=500, default_user=actor)
    return len(changed)
