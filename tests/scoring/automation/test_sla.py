"""The Hot-lead SLA: starts when a lead turns Hot, due in the owner's business hours, stopped by the
owner's first logged contact (page and API), and a breach tells owner and manager exactly once."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from leadscoring.models import Rep
from scoring.automation import services
from scoring.automation.models import AssignmentRules, Notification, SlaClock
from tests.factories import make_lead

pytestmark = pytest.mark.django_db

FRIDAY_1630_LONDON = datetime(2026, 1, 16, 16, 30, tzinfo=UTC)


def test_turning_hot_starts_a_clock_due_in_the_owners_business_hours(rep, program, decide):
    lead = make_lead(program, score=60, owner=rep)
    decide(lead, tier="Hot", previous="Warm", at=FRIDAY_1630_LONDON)
    clock = SlaClock.objects.get(lead=lead)
    # 1 business hour from Friday 16:30 in London: 30 min on Friday, 30 min from 09:00 Monday.
    assert (clock.owner, clock.tier, clock.hours) == (rep, "Hot", 1.0)
    assert clock.due_at == datetime(2026, 1, 19, 9, 30, tzinfo=UTC)


def test_leaving_hot_ends_the_clock_without_a_breach(rep, program, decide):
    lead = make_lead(program, score=60, owner=rep)
    decide(lead, tier="Hot", previous="Warm")
    decide(lead, tier="Warm", previous="Hot")
    clock = SlaClock.objects.get(lead=lead)
    assert clock.stop_reason == "left_tier" and clock.breached_at is None


def test_the_owners_first_contact_stops_the_clock_and_another_reps_does_not(rep, other_rep, program, decide):
    lead = make_lead(program, score=60, owner=rep)
    decide(lead, tier="Hot", previous="Warm")
    services.contact_log(lead=lead, rep=other_rep, kind="call", outcome="no_answer")
    assert SlaClock.objects.get(lead=lead).stopped_at is None

    first = services.contact_log(lead=lead, rep=rep, kind="call", outcome="connected", note="Demo next week")
    services.contact_log(lead=lead, rep=rep, kind="email", outcome="follow_up")
    clock = SlaClock.objects.get(lead=lead)
    assert (clock.stopped_by, clock.stop_reason) == (first, "contact")
    assert clock.met

    assert (
        services.sla_breaches_record(now=timezone.now() + timedelta(days=30)) == 0
    )  # a stopped clock never breaches


def test_a_breach_notifies_owner_and_manager_exactly_once(rep, manager, program, decide):
    lead = make_lead(program, score=60, owner=rep)
    decide(lead, tier="Hot", previous="Warm", at=FRIDAY_1630_LONDON)
    Notification.objects.all().delete()
    after_due = datetime(2026, 1, 19, 10, 0, tzinfo=UTC)

    assert services.sla_breaches_record(now=after_due - timedelta(hours=1)) == 0  # not yet due
    assert services.sla_breaches_record(now=after_due) == 1
    assert services.sla_breaches_record(now=after_due + timedelta(hours=1)) == 0

    notices = Notification.objects.filter(kind="sla_breach")
    assert sorted(n.recipient.username for n in notices) == ["mona", "rita"]
    assert SlaClock.objects.get(lead=lead).breached_at == after_due


def test_a_breach_can_reassign_the_lead_and_start_a_new_clock(rep, other_rep, program, decide):
    AssignmentRules.objects.create(pk=1, reassign_on_breach=True)
    lead = make_lead(program, score=60, owner=rep)
    decide(lead, tier="Hot", previous="Warm", at=FRIDAY_1630_LONDON)
    services.sla_breaches_record(now=datetime(2026, 1, 19, 10, 0, tzinfo=UTC))

    lead.refresh_from_db()
    assert lead.owner == other_rep
    old, new = SlaClock.objects.filter(lead=lead).order_by("started_at")
    assert (old.stop_reason, new.owner, new.stopped_at) == ("reassigned", other_rep, None)
    assert lead.assignments.get().method == "sla_breach"


def test_the_lead_page_shows_the_running_clock_then_its_stop(client, rep, program, decide):
    lead = make_lead(program, score=60, owner=rep)
    decide(lead, tier="Hot", previous="Warm")
    client.force_login(rep)
    page = client.get(f"/leads/{lead.pk}/")
    assert page.context["sla"]["stopped"] is False and "Respond within" in page.context["sla"]["text"]

    response = client.post(
        f"/leads/{lead.pk}/contacts", {"kind": "call", "outcome": "connected", "note": "Hi"}
    )
    assert response.status_code == 302
    page = client.get(f"/leads/{lead.pk}/")
    assert page.context["sla"]["stopped"] is True and "within the SLA" in page.context["sla"]["text"]
    assert [c.note for c in page.context["contacts"]] == ["Hi"]


def test_the_api_logs_a_contact_and_the_lead_shows_sla_and_assignment(client, rep, program, decide):
    lead = make_lead(program, score=60, owner=None, country="UK")
    decide(lead, tier="Hot", previous="Warm")  # unassigned and Hot: assigned to the UK rep, clock starts
    client.force_login(rep)

    detail = client.get(f"/api/v1/leadscoring/leads/{lead.pk}").json()
    assert detail["assignment"]["rep"]["username"] == "rita"
    assert "territory UK" in detail["assignment"]["reasons"]
    assert detail["sla"]["stopped_at"] is None and detail["sla"]["breached"] is False

    made = client.post(
        f"/api/v1/leadscoring/leads/{lead.pk}/contacts",
        {"kind": "meeting", "outcome": "meeting_booked", "note": "Intro"},
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["sla_stopped"] is True
    detail = client.get(f"/api/v1/leadscoring/leads/{lead.pk}").json()
    assert detail["sla"]["stop_reason"] == "contact" and detail["sla"]["stopped_at"] is not None


def test_the_api_refuses_a_bad_contact_naming_the_field(client, rep, program):
    lead = make_lead(program, score=60, owner=rep)
    client.force_login(rep)
    response = client.post(
        f"/api/v1/leadscoring/leads/{lead.pk}/contacts",
        {"kind": "fax", "outcome": "connected"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "kind" in str(response.json())
    future = client.post(
        f"/api/v1/leadscoring/leads/{lead.pk}/contacts",
        {"kind": "call", "outcome": "connected", "occurred_at": "2999-01-01T00:00:00Z"},
        content_type="application/json",
    )
    assert future.status_code == 400 and "occurred_at" in str(future.json())


def test_a_rep_cannot_log_a_contact_on_another_reps_lead(client, rep, other_rep, program):
    lead = make_lead(program, score=60, owner=other_rep)
    client.force_login(rep)
    response = client.post(
        f"/api/v1/leadscoring/leads/{lead.pk}/contacts",
        {"kind": "call", "outcome": "connected"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_rep_calendar_fields_are_validated(rep):
    from django.core.exceptions import ValidationError

    profile = Rep.objects.get(user=rep)
    profile.time_zone = "Mars/Olympus"
    with pytest.raises(ValidationError, match="time zone"):
        profile.full_clean()
