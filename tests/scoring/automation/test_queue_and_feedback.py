"""The work queue holds open leads only, the next step follows the status, and a verdict is one per rep."""

import pytest
from django.core.exceptions import ValidationError

from scoring import services
from scoring.automation.queue import next_step
from scoring.models import LeadFeedback, TierDefinition
from tests.factories import make_lead

pytestmark = pytest.mark.django_db


def test_closed_leads_leave_my_leads_and_the_hot_queue(client, rep, program):
    open_lead = make_lead(program, score=90, owner=rep, status="qualified", first_name="Open")
    converted = make_lead(program, score=95, owner=rep, status="converted", first_name="Won")
    lost = make_lead(program, score=92, owner=rep, status="lost", first_name="Gone")
    client.force_login(rep)

    page = client.get("/leads/")
    assert [r["lead"] for r in page.context["rows"]] == [open_lead]
    assert [r["lead"] for r in page.context["hot_queue"]] == [open_lead]

    closed = client.get("/leads/", {"status": "closed"})
    rows = {r["lead"]: r for r in closed.context["rows"]}
    assert set(rows) == {converted, lost}
    assert not any(r["action"].startswith("Call now") for r in rows.values())
    assert rows[converted]["action"].startswith("Converted")
    assert len(client.get("/leads/", {"status": "all"}).context["rows"]) == 3


def test_the_next_step_depends_on_status_and_tier(program):
    hot = TierDefinition.objects.get(program=program, name="Hot")
    assert next_step(status="new", tier=hot).startswith("Call now")
    assert next_step(status="contacted", tier=hot).startswith("Follow up: call now")
    assert next_step(status="qualified", tier=hot).startswith("Qualified")
    for closed in ("converted", "lost"):
        assert "Call now" not in next_step(status=closed, tier=hot)


def test_bad_fit_needs_a_reason_and_a_second_click_edits_the_first(rep, program):
    lead = make_lead(program, score=90, owner=rep)
    with pytest.raises(ValidationError, match="bad fit"):
        services.lead_feedback_record(lead=lead, user=rep, verdict="bad_fit", reason="  ")

    services.lead_feedback_record(lead=lead, user=rep, verdict="good", reason="")
    services.lead_feedback_record(lead=lead, user=rep, verdict="bad_fit", reason="Student")
    verdict = LeadFeedback.objects.get()
    assert (verdict.verdict, verdict.reason, verdict.reviewed_at) == ("bad_fit", "Student", None)
    assert verdict.history.count() == 2  # the first verdict is kept in its history


def test_a_bad_fit_leaves_the_hot_queue(client, rep, program):
    lead = make_lead(program, score=90, owner=rep)
    client.force_login(rep)
    assert client.get("/leads/").context["hot_queue"]
    client.post(f"/leads/{lead.pk}/feedback", {"verdict": "bad_fit", "reason": "Competitor"})
    assert client.get("/leads/").context["hot_queue"] == []


def test_the_page_refuses_a_bad_fit_without_a_reason(client, rep, program):
    lead = make_lead(program, score=90, owner=rep)
    client.force_login(rep)
    page = client.post(f"/leads/{lead.pk}/feedback", {"verdict": "bad_fit", "reason": ""}, follow=True)
    assert "Say why" in page.content.decode()
    assert not LeadFeedback.objects.exists()
