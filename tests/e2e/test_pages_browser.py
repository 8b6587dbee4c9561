"""What reps and ops staff do in a real browser: sign in, work leads, read dashboards, get refused."""

import pytest

from leadscoring.models import Lead
from scoring.models import LeadFeedback

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DASHBOARD_CHARTS = 8


def test_rep_works_their_leads_and_is_refused_settings(open_page, demo):
    page = open_page()
    page.login("rita", "pw-rita")
    tab = page.tab
    assert tab.url.endswith("/leads/")
    assert tab.locator("h1").inner_text() == "My leads"

    # Only their own leads and the unassigned pool, best first.
    scores = [int(s) for s in tab.locator("#lead-table tbody .score").all_inner_texts()]
    assert scores and scores == sorted(scores, reverse=True)
    visible = {
        lead.full_name
        for lead in Lead.objects.filter(owner__in=[demo.rita, None]).only("first_name", "last_name")
    } | {lead.full_name for lead in Lead.objects.filter(owner__isnull=True)}
    names = tab.locator("#lead-table tbody a.row-link").all_inner_texts()
    assert names and set(names) <= visible
    oscars = set(Lead.objects.filter(owner=demo.oscar).values_list("external_id", flat=True))
    assert not any(ext in tab.content() for ext in oscars)
    page.screenshot("01-rep-my-leads")
    page.mark("01")

    # Open the top lead of the Hot queue and read its reasons.
    tab.locator(".hot-queue a.row-link").first.click()
    tab.wait_for_url("**/leads/*/")
    assert tab.locator("#why-for").is_visible()
    assert tab.locator(".factors.for li").count() >= 1
    assert tab.locator(".tier").first.inner_text().strip() == "Hot"
    assert "Next step" in tab.locator(".callout.action").inner_text()
    tab.wait_for_selector("#chart-history.js-plotly-plot")
    page.screenshot("02-rep-hot-lead")
    page.mark("02")

    # Mark it as a bad fit, with a reason, by keyboard.
    tab.fill("#fb-reason", "Student project, no budget")
    tab.get_by_role("button", name="Bad fit / junk").focus()
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert "Bad fit / junk" in tab.locator(".messages").inner_text()
    feedback = LeadFeedback.objects.get()
    assert (feedback.user, feedback.verdict, feedback.reason) == (
        demo.rita,
        "bad_fit",
        "Student project, no budget",
    )
    page.screenshot("03-rep-marked-bad-fit")
    page.mark("03")
    assert page.errors == []

    # No configuration for reps (the browser logs the 403 itself).
    response = tab.goto("/lead-scoring-settings")
    assert response.status == 403
    assert "have access to this page" in tab.content()
    page.screenshot("07-rep-refused-settings")


def test_ops_dashboards_render_their_charts(open_page, demo):
    page = open_page()
    page.login("olivia", "pw-olivia")
    tab = page.tab

    tab.goto("/lead-scoring")
    tab.wait_for_function(f"document.querySelectorAll('.js-plotly-plot').length >= {DASHBOARD_CHARTS}")
    assert tab.locator(".kpi").count() == 6
    assert tab.locator(".js-plotly-plot .main-svg").count() >= DASHBOARD_CHARTS
    page.screenshot("04-ops-performance")
    page.mark("04")

    tab.goto("/lead-scoring-settings")
    assert tab.locator("h1").inner_text() == "Lead Scoring Settings"
    assert "Gradient boosting, Q3" in tab.content()
    page.screenshot("05-ops-settings")
    page.mark("05")

    tab.goto("/lead-scoring-audit")
    assert tab.locator("#decision-log tbody tr").count() > 0
    tab.fill("input[name=q]", demo.leads[0].email)
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert tab.locator("#decision-log tbody tr").count() >= 1
    page.screenshot("06-ops-audit")
    page.mark("06")

    tab.goto("/")
    tab.wait_for_function(f"document.querySelectorAll('.js-plotly-plot').length >= {DASHBOARD_CHARTS}")
    print(page.marks)
    assert page.errors == []
