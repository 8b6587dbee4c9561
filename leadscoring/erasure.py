"""Erasing a person (GDPR art. 17, CCPA deletion): the CRM's copies of their identity, wiped in place.

The lead row stays, as a tombstone without identity, so the decisions, aggregates and model metrics that
point at it stay true; every django-simple-history row of the lead, of its events and of its deals is
wiped the same way. The layers above scrub their own copies when told (`lead_erased`, inside this
transaction). The external id is kept only as a sha256 (`ErasedIdentity`), so a later re-import or API
write for the same person is refused unless ops allow it (settings.ERASED_PERSON_REIMPORT).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import ActivityEvent, Deal, ErasedIdentity, Lead
from .signals import lead_erased

ERASED = "[erased]"
PERSONAL_FIELDS = ("email", "first_name", "last_name", "phone", "title", "need")
# Attribute keys whose values identify a person, whatever they hold.
IDENTIFYING_KEY = re.compile(
    r"name|mail|phone|mobile|address|street|city|zip|postal|note|comment|linkedin|url", re.I
)
# Attribute values kept after erasure: short categories (a source, a stage), never free text, an address,
# an e-mail, a link or a number long enough to be a phone or an account number.
KEPT_VALUE = re.compile(r"^[^@/\d]{0,40}$|^\d{1,4}$")


@dataclass
class ErasureResult:
    lead_id: int
    erased_at: object = None
    wiped: dict = field(default_factory=dict)
    already_erased: bool = False

    def as_dict(self) -> dict:
        return {
            "lead_id": self.lead_id,
            "erased_at": self.erased_at,
            "wiped": self.wiped,
            "already_erased": self.already_erased,
        }


def external_id_digest(*, source_system: str, external_id: str) -> str:
    return hashlib.sha256(f"{source_system}\x00{external_id}".encode()).hexdigest()


def erased_refusal(*, source_system: str, external_id: str) -> ValidationError | None:
    """The reason a write for this external id is refused (the person was erased), or None."""
    if getattr(settings, "ERASED_PERSON_REIMPORT", False) or not external_id:
        return None
    digest = external_id_digest(source_system=source_system, external_id=external_id)
    erased = ErasedIdentity.objects.filter(source_system=source_system, external_id_sha256=digest).first()
    if erased is None:
        return None
    return ValidationError(
        {
            "external_id": [
                f"This person was erased on {erased.erased_at:%Y-%m-%d} at their request; "
                "their record may not be recreated."
            ]
        }
    )


def needles_of(lead: Lead) -> list[str]:
    """The personal values a lead holds, longest first: what must appear nowhere after erasure."""
    values = {lead.email, lead.email.lower(), lead.phone, lead.full_name, lead.first_name, lead.last_name}
    digits = re.sub(r"\D", "", lead.phone or "")
    if len(digits) >= 6:
        values.add(digits)
    return sorted((v for v in values if v and len(v) >= 3), key=len, reverse=True)


def scrubbed(value, needles: list[str]):
    """`value` (str, list or dict, nested) with every needle replaced by [erased]; case-insensitive."""
    if isinstance(value, str):
        for needle in needles:
            if needle.lower() in value.lower():
                value = re.sub(re.escape(needle), ERASED, value, flags=re.I)
        return value
    if isinstance(value, list):
        return [scrubbed(v, needles) for v in value]
    if isinstance(value, dict):
        return {scrubbed(k, needles): scrubbed(v, needles) for k, v in value.items()}
    return value


def _attributes_kept(attributes: dict, needles: list[str]) -> tuple[dict, int]:
    kept, wiped = {}, 0
    for key, value in (attributes or {}).items():
        if isinstance(value, bool | int | float) or value is None:
            kept[key] = value
        elif isinstance(value, str) and not IDENTIFYING_KEY.search(key) and KEPT_VALUE.match(value):
            kept[key] = scrubbed(value, needles)
            wiped += kept[key] != value
        else:
            wiped += 1
    return kept, wiped


def url_kept(url: str) -> str:
    # Query strings and fragments carry e-mails, names and tracking ids; the page itself does not.
    if not url:
        return url
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def lead_erase(*, lead: Lead, actor=None, reason: str = "", request_ref: str = "") -> ErasureResult:
    """Wipe a person's identity from their lead, its history, its events and deals; announce it."""
    with transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        if lead.erased_at is not None:
            return ErasureResult(lead_id=lead.pk, erased_at=lead.erased_at, already_erased=True)
        needles = needles_of(lead)
        now = timezone.now()
        wiped: dict[str, int] = {}
        ErasedIdentity.objects.get_or_create(
            source_system=lead.source_system,
            external_id_sha256=external_id_digest(
                source_system=lead.source_system, external_id=lead.external_id
            ),
            defaults={"erased_at": now},
        )
        tombstone = {name: "" for name in PERSONAL_FIELDS}
        tombstone["external_id"] = f"erased-{lead.pk}"
        wiped["lead fields"] = sum(1 for name in PERSONAL_FIELDS if getattr(lead, name))
        attributes, wiped["lead attributes"] = _attributes_kept(lead.attributes, needles)

        history = list(Lead.history.filter(id=lead.pk))
        for row in history:
            row_attributes, _ = _attributes_kept(row.attributes, needles)
            Lead.history.filter(history_id=row.history_id).update(**tombstone, attributes=row_attributes)
        wiped["lead history rows"] = len(history)

        events = list(ActivityEvent.objects.filter(lead=lead))
        for event in events:
            event.url = url_kept(event.url)
            event.properties = {}
            event.external_id = scrubbed(event.external_id, needles)
        ActivityEvent.objects.bulk_update(events, ["url", "properties", "external_id"], batch_size=500)
        event_history = ActivityEvent.history.filter(lead_id=lead.pk)
        for row in event_history.only("history_id", "url", "external_id"):
            event_history.filter(history_id=row.history_id).update(
                url=url_kept(row.url), properties={}, external_id=scrubbed(row.external_id, needles)
            )
        wiped["events"] = len(events)

        deal_names = 0
        for deal in Deal.objects.filter(lead=lead):
            name = scrubbed(deal.name, needles)
            if name != deal.name:
                Deal.objects.filter(pk=deal.pk).update(name=name)
                deal_names += 1
            for row in Deal.history.filter(id=deal.pk):
                Deal.history.filter(history_id=row.history_id).update(name=scrubbed(row.name, needles))
        wiped["deal names"] = deal_names

        for name, value in tombstone.items():
            setattr(lead, name, value)
        lead.attributes = attributes
        lead.do_not_process = True
        lead.erased_at = now
        if actor is not None:
            lead._history_user = actor
        lead._change_reason = "erased"
        lead.save()
        lead_erased.send(
            sender=Lead,
            lead=lead,
            needles=needles,
            wiped=wiped,
            actor=actor,
            reason=reason,
            request_ref=request_ref,
        )
    return ErasureResult(lead_id=lead.pk, erased_at=now, wiped=wiped)
