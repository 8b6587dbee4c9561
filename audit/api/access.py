"""Every read of a lead's personal data through the API leaves a PersonalDataAccess row."""

from __future__ import annotations

from collections.abc import Iterable

from audit.models import PersonalDataAccess
from config.api.caller import integration_key_of
from leadscoring.models import Lead


def personal_data_read_log(*, request, leads: Iterable[Lead], action: str) -> int:
    """One row per lead read, naming the user or the integration key and the endpoint."""
    key = integration_key_of(request)
    user = request.user
    rows = [
        PersonalDataAccess(
            user=user if getattr(user, "is_authenticated", False) else None,
            integration=key.name if key is not None else "",
            lead=lead,
            lead_external_id=lead.external_id,
            channel=PersonalDataAccess.Channel.API,
            action=action[:128],
        )
        for lead in leads
    ]
    PersonalDataAccess.objects.bulk_create(rows)
    return len(rows)
