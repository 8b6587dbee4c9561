"""Erasing a person everywhere: the CRM wipes its copies (leadscoring.erasure), audit wipes the rest.

`person_erase` is what the admin, the API, the compliance page and `erase_person` call; a lead deleted
anywhere goes through the same `lead_erase`, and `copies_scrub` (run by audit's receiver of
`lead_erased`, inside the erasure's transaction) wipes the copies above the CRM: the decisions' content
where a personal value appears in it (the sanctioned exception to the append-only log, recorded as a
`DecisionRedaction` so the chain still verifies), the current scores' factors, reps' feedback and its
history, the access log's external ids and the admin log's names. The erasure itself is recorded.
"""

from __future__ import annotations

import pgtrigger
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from leadscoring.erasure import ERASED, ErasureResult, lead_erase, scrubbed
from leadscoring.models import Lead
from scoring.models import DECISION_LOG_TRIGGER, LeadFeedback, LeadScore, ScoreSnapshot
from scoring.services.chain import decision_digest
from scoring.services.decisions import DIGEST_COLUMNS

from ..models import DecisionRedaction, Erasure, PersonalDataAccess

DECISION_TEXT = ("subtotals", "top_factors", "missing_signals", "inputs", "reason")


def person_erase(*, lead: Lead, actor=None, reason: str = "", request_ref: str = "") -> ErasureResult:
    """Erase a person (GDPR art. 17 / CCPA): returns what was wiped, as counts."""
    return lead_erase(
        lead=lead, actor=actor, reason=reason or "data-subject request", request_ref=request_ref
    )


def _decisions_redact(*, lead: Lead, needles: list[str], erasure: Erasure) -> int:
    redacted = 0
    for snapshot in ScoreSnapshot.objects.filter(lead=lead).iterator(chunk_size=500):
        changes = {}
        for name in DECISION_TEXT:
            value = getattr(snapshot, name)
            clean = scrubbed(value, needles)
            if clean != value:
                changes[name] = clean
        if not changes:
            continue
        before = decision_digest({c: getattr(snapshot, c) for c in DIGEST_COLUMNS})
        for name, value in changes.items():
            setattr(snapshot, name, value)
        after = decision_digest({c: getattr(snapshot, c) for c in DIGEST_COLUMNS})
        with pgtrigger.ignore(DECISION_LOG_TRIGGER):
            ScoreSnapshot.objects.filter(pk=snapshot.pk).update(**changes, content_sha256=after)
        DecisionRedaction.objects.create(
            snapshot_id=snapshot.pk, content_before=before, content_after=after, erasure=erasure
        )
        redacted += 1
    return redacted


def copies_scrub(
    *, lead: Lead, needles: list[str], wiped: dict, actor, reason: str, request_ref: str
) -> Erasure:
    erasure = Erasure.objects.create(
        lead_id=lead.pk,
        user=actor if getattr(actor, "pk", None) else None,
        reason=reason[:255],
        request_ref=request_ref[:128],
    )
    wiped["decisions redacted"] = _decisions_redact(lead=lead, needles=needles, erasure=erasure)
    scores = 0
    for score in LeadScore.objects.filter(lead=lead):
        factors, missing = scrubbed(score.top_factors, needles), scrubbed(score.missing_signals, needles)
        if (factors, missing) != (score.top_factors, score.missing_signals):
            LeadScore.objects.filter(pk=score.pk).update(top_factors=factors, missing_signals=missing)
            scores += 1
    wiped["current scores"] = scores
    feedback = 0
    for item in LeadFeedback.objects.filter(lead=lead):
        clean = scrubbed(item.reason, needles)
        if clean != item.reason:
            LeadFeedback.objects.filter(pk=item.pk).update(reason=clean)
            feedback += 1
    for row in LeadFeedback.history.filter(lead_id=lead.pk):
        LeadFeedback.history.filter(history_id=row.history_id).update(reason=scrubbed(row.reason, needles))
    wiped["feedback"] = feedback
    wiped["access log rows"] = PersonalDataAccess.objects.filter(lead=lead).update(
        lead_external_id=lead.external_id
    )
    wiped["admin log rows"] = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Lead), object_id=str(lead.pk)
    ).update(object_repr=f"{ERASED} lead {lead.pk}")
    erasure.wiped = wiped
    erasure.save(update_fields=["wiped"])
    return erasure
