"""Acting on scores in a real browser: the unread count rises when a lead turns Hot, the rep opens the
notice, logs a call and sees the SLA clock stop; ops open the rep productivity page and its charts draw."""

import pytest
from django.db import transaction
from django.utils import timezone

from leadscoring.models import Rep
from scoring.automation.models import SlaClock
from scoring.services.decisions import DecisionRow, decisions_record
from tests.factories import make_lead

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _turn_hot(lead, program):
    with transaction.atomic():
        decisions_record(
            decisions=[
                DecisionRow(
                    lead_id=lead.pk,
                    program_id=program.pk,
                    model_id=None,
                    score=88.0,
                    tier="Hot",
                    previous_tier="Warm",
                    probability=0.5,
                    confidence=0.7,
                    subtotals={},
                    top_factors=[
                        {"signal": "demo_requests_90d", "label": "Requested a demo", "points": 15.0}
                    ],
                    missing_signals=[],
                    trigger="event",
                    reason="Demo request",
                    created_at=timezone.now(),
                )
            ]
        )


def _unread(tab) -> int:
    badge = tab.locator("#unread-count")
    return int(badge.inner_text()) if badge.count() else 0


def test_rep_is_told_a_lead_turned_hot_logs_a_call_and_the_clock_stops(open_page, demo):
    lead = make_lead(demo.program, score=60, owner=demo.rita, first_name="Hanna", last_name="Berg")
    page = open_page()
    page.login("rita", "pw-rita")
    tab = page.tab
    before = _unread(tab)

    _turn_hot(lead, demo.program)
    tab.reload()
    assert _unread(tab) == before + 1
    page.screenshot("20-rep-unread-count")

    tab.click("#nav-notifications")
    tab.wait_for_url("**/notifications/")
    link = tab.get_by_role("link", name="Hanna Berg is now Hot (was Warm)")
    with tab.expect_navigation():
        link.click()
    assert tab.url.endswith(f"/leads/{lead.pk}/")
    assert _unread(tab) == before
    clock = tab.locator("#sla-clock")
    assert "Respond within" in clock.inner_text()

    tab.select_option("#contact-form select[name=kind]", "call")
    tab.select_option("#contact-form select[name=outcome]", "connected")
    tab.fill("#contact-form input[name=note]", "Booked a demo for Thursday")
    with tab.expect_navigation():
        tab.get_by_role("button", name="Log contact").click()
    assert "Contacted within the SLA" in tab.locator("#sla-clock").inner_text()
    assert "Booked a demo for Thursday" in tab.locator("#contact-list").inner_text()
    assert SlaClock.objects.get(lead=lead).stop_reason == "contact"
    page.screenshot("21-rep-clock-stopped")
    assert page.errors == []


def test_ops_open_the_rep_productivity_page_and_its_charts_render(open_page, demo):
    Rep.objects.create(user=demo.rita, territory="Germany", capacity=30)
    Rep.objects.create(user=demo.oscar, territory="France", capacity=20)
    page = open_page()
    page.login("olivia", "pw-olivia")
    tab = page.tab
    tab.goto("/lead-scoring-reps")
    for chart in ("chart-rep-sla", "chart-rep-workload", "chart-rep-conversion"):
        tab.wait_for_selector(f"#{chart}.js-plotly-plot")
    assert tab.locator("#rep-table tbody tr").count() == 2
    page.screenshot("22-ops-rep-productivity")
    assert page.errors == []
