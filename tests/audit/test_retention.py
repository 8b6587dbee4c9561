"""Retention purges exactly what is past its policy's age, after a dry run that counts the same."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import PersonalDataAccess, RetentionPolicy, RetentionRun
from audit.services.decision_log import decision_log_seal, decision_log_verify
from audit.services.retention import retention_apply
from leadscoring.models import ActivityEvent, Lead
from scoring.models import ScoreSnapshot
from tests.factories import ActivityEventFactory, LeadFactory, snapshot

pytestmark = pytest.mark.django_db


def _policy(kind: str, days: int, action: str = "purge") -> None:
    RetentionPolicy.objects.update_or_create(
        kind=kind, defaults={"max_age_days": days, "action": action, "active": True}
    )


def _ago(days: float):
    return timezone.now() - timedelta(days=days)


def test_events_past_their_age_are_counted_by_the_dry_run_then_purged_and_no_others():
    lead = LeadFactory()
    old = [ActivityEventFactory(lead=lead, occurred_at=_ago(d)) for d in (31, 400)]
    young = [ActivityEventFactory(lead=lead, occurred_at=_ago(d)) for d in (1, 29.9)]
    _policy("events", 30)

    dry = retention_apply(dry_run=True)
    assert dry.counts == {"events": 2} and ActivityEvent.objects.count() == 4

    run = retention_apply(dry_run=False)

    assert run.counts == {"events": 2}
    assert set(ActivityEvent.objects.values_list("pk", flat=True)) == {e.pk for e in young}
    assert not ActivityEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert RetentionRun.objects.count() == 2


def test_anonymising_events_keeps_them_without_query_strings_or_properties():
    event = ActivityEventFactory(
        occurred_at=_ago(90), url="https://x.io/p?e=a@b.c", properties={"q": "a@b.c"}
    )
    _policy("events", 30, action="anonymise")
    assert retention_apply(dry_run=False).counts == {"events": 1}
    event.refresh_from_db()
    assert (event.url, event.properties) == ("https://x.io/p", {})


def test_access_logs_and_old_history_rows_go_but_each_records_latest_history_row_stays():
    lead = LeadFactory()
    PersonalDataAccess.objects.create(lead=lead, channel="api", action="old", created_at=_ago(400))
    PersonalDataAccess.objects.create(lead=lead, channel="api", action="new", created_at=_ago(2))
    Lead.history.filter(id=lead.pk).update(history_date=_ago(800))
    lead.title = "CTO"
    lead.save()  # a second history row, dated now
    Lead.history.filter(id=lead.pk, title="CTO").update(history_date=_ago(750))
    lead.title = "CEO"
    lead.save()
    _policy("access_logs", 365)
    _policy("history", 730)

    assert retention_apply(dry_run=True).counts == {"access_logs": 1, "history": 2}
    run = retention_apply(dry_run=False)

    assert run.counts == {"access_logs": 1, "history": 2}
    assert list(PersonalDataAccess.objects.values_list("action", flat=True)) == ["new"]
    assert list(Lead.history.filter(id=lead.pk).values_list("title", flat=True)) == ["CEO"]


def test_decisions_past_their_age_are_purged_as_a_chain_prefix_and_the_chain_still_verifies():
    lead = LeadFactory()
    ages = (900, 800, 10, 700, 1)  # the 700-day one was sealed after a young one: it stays with it
    made = [snapshot(lead, score=50, tier="Warm", at=_ago(d)) for d in ages]
    decision_log_seal()
    _policy("decisions", 365)

    assert retention_apply(dry_run=True).counts == {"decisions": 2}
    assert retention_apply(dry_run=False).counts == {"decisions": 2}

    assert set(ScoreSnapshot.objects.values_list("pk", flat=True)) == {m.pk for m in made[2:]}
    report = decision_log_verify()
    assert report.ok, report.as_dict()
    assert report.programs[0].links == 3
