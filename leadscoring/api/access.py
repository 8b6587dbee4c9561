"""Every read of a lead's personal data through the API is announced, so that audit can log it."""

from __future__ import annotations

from collections.abc import Iterable

from config.api.caller import integration_key_of
from leadscoring.models import Lead
from leadscoring.services import personal_data_read_record


def personal_data_read_log(*, request, leads: Iterable[Lead], action: str) -> None:
    """One access record per lead read, naming the user or the integration key and the endpoint."""
    key = integration_key_of(request)
    user = request.user
    personal_data_read_record(
        leads=list(leads),
        user=user if getattr(user, "is_authenticated", False) else None,
        integration=key.name if key is not None else "",
        channel="api",
        action=action,
    )
