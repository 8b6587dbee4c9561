"""Audit reacts to what the layers below announce: every read of personal data becomes a log row."""

from __future__ import annotations

from django.dispatch import receiver

from leadscoring.signals import personal_data_read

from .models import PersonalDataAccess


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
