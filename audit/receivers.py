"""Audit reacts to what the layers below announce: every read of personal data becomes a log row."""

from __future__ import annotations

from django.dispatch import receiver

from leadscoring.signals import lead_erased, personal_data_read

from .models import PersonalDataAccess
from .services.erasure import copies_scrub


@receiver(personal_data_read, dispatch_uid="audit.personal_data_access_log")
def personal_data_access_log(sender, *, leads, user, integration, channel, action, **kwargs) -> None:
    PersonalDataAccess.objects.bulk_create(
        PersonalDataAccess(
            user=user,
            integration=integration[:128],
            lead=lead,
            lead_external_id=lead.external_id,
            channel=channel,
            action=action[:128],
        )
        for lead in leads
    )


@receiver(lead_erased, dispatch_uid="audit.erased_copies_scrub")
def erased_copies_scrub(sender, *, lead, needles, wiped, actor, reason, request_ref, **kwargs) -> None:
    copies_scrub(lead=lead, needles=needles, wiped=wiped, actor=actor, reason=reason, request_ref=request_ref)
