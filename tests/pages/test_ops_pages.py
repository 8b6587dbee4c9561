"""The performance dashboard, the settings page and the audit page: content, role refusals and edits."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from scoring.models import ScoringSettings, Signal, TierDefinition
from tests.factories import make_lead

pytestmark = pytest.mark.django_db

CHART_IDS = [
    "chart-distribution",
    "chart-funnel",
    "chart-tiers",
    "chart-bands",
    "chart-trends",
    "chart-sources",
    "chart-geography",
    "chart-migration",
]


@pytest.fixture
def leads(program, rep, live_model_row):
    make_lead(
        program,
        score=90,
        owner=rep,
        status="converted",
        revenue=1000,
        model=live_model_row,
        history=[(20, 40, "created"), (2, 90, "event")],
        created_days_ago=25,
    )
    make_lead(
        program, score=45, owner=None, status="lost", source="Ads", country="France", model=live_model_row
    )
    make_lead(program, score=20, owner=rep, model=live_model_row)
    return program


def test_performance_dashboard_renders_kpis_and_every_chart(client, ops, leads):
    client.force_login(ops)
    for url in ("/", reverse("performance")):
        page = client.get(url)
        assert page.status_code == 200
        body = page.content.decode()
        assert "Lead Scoring Performance" in body
        for chart in CHART_IDS:
            assert f'id="{chart}"' in body, chart
        assert "/static/vendor/plotly.min.js" in body
        # Offline machines: no script, style or link may come from another host (a CDN).
        assert not re.search(r'(?:src|href)="(?:https?:)?//', body)
        labels = [c["label"] for c in page.context["kpi_cards"]]
        assert labels[0] == "Lead volume" and "Revenue attributed" in labels
        assert page.context["k"]["lead_volume"] == 3
        # The migration in numbers: the three leads were first scored inside the 90 days, one ends Hot.
        rows = {r["tier"]: r["cells"] for r in page.context["migration_rows"]}
        to_hot = page.context["data"]["tier_migration"]["to_tiers"].index("Hot")
        assert rows["New"][to_hot] == {"leads": 1, "stayed": False}
        assert sum(c["leads"] for c in rows["New"]) == 3
        assert "Tier migration, in leads" in body


def test_performance_date_range_from_get_params(client, ops, leads):
    client.force_login(ops)
    today = timezone.localdate()
    page = client.get(
        reverse("performance"), {"from": (today - timedelta(days=10)).isoformat(), "to": today.isoformat()}
    )
    assert page.context["k"]["lead_volume"] == 2  # the lead created 25 days ago is outside
    empty = client.get(reverse("performance"), {"from": "2001-01-01", "to": "2001-01-31"})
    assert b"No scored leads were created in this range" in empty.content


def test_performance_survives_bad_dates(client, ops, leads):
    client.force_login(ops)
    page = client.get(reverse("performance"), {"from": "yesterday", "to": "2020-13-45"})
    assert page.status_code == 200
    assert "Dates must look like" in page.content.decode()
    swapped = client.get(reverse("performance"), {"from": "2025-02-01", "to": "2025-01-01"})
    assert swapped.context["start"].isoformat() == "2025-01-01"


def test_compliance_reads_the_dashboard_and_the_audit_but_not_settings(client, compliance, leads):
    client.force_login(compliance)
    assert client.get(reverse("performance")).status_code == 200
    assert client.get(reverse("scoring-audit")).status_code == 200
    assert client.get(reverse("scoring-settings")).status_code == 403


def test_rep_home_is_my_leads_and_ops_pages_are_refused(client, rep, leads):
    client.force_login(rep)
    home = client.get("/")
    assert home.status_code == 302 and home.url == reverse("leads")
    for name in ("performance", "scoring-settings", "scoring-audit"):
        refused = client.get(reverse(name))
        assert refused.status_code == 403, name
        assert b"have access to this page" in refused.content
    assert (
        client.post(reverse("scoring-settings"), {"action": "settings", "hysteresis": "9"}).status_code == 403
    )
    assert ScoringSettings.load().hysteresis == 3.0


def test_settings_page_shows_models_tiers_signals_and_admin_links(client, ops, leads, live_model_row):
    client.force_login(ops)
    page = client.get(reverse("scoring-settings"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "v1" in body and "Test model" in body and "0.810" in body
    assert "Hot" in body and "Company size (employees)" in body
    assert reverse("admin:scoring_signal_changelist") in body
    hot = page.context["tier_rows"][0]
    assert hot["leads"] == 1 and hot["share"] == pytest.approx(1 / 3) and hot["observed"] == 1.0


def test_settings_edits_go_through_the_services_and_are_recorded(client, ops, leads):
    client.force_login(ops)
    url = reverse("scoring-settings")
    client.post(
        url,
        {
            "action": "settings",
            "stale_after_days": "30",
            "hysteresis": "4.5",
            "trend_band": "5",
            "trend_window_days": "14",
            "hot_capacity": "0",
            "low_confidence_below": "0.3",
        },
    )
    row = ScoringSettings.load()
    assert (row.stale_after_days, row.hysteresis) == (30, 4.5)
    assert row.history.first().history_user == ops

    warm = TierDefinition.objects.get(program=leads, name="Warm")
    client.post(
        url,
        {
            "action": "tier",
            "tier": warm.pk,
            "lower_bound": "55",
            "sla_hours": "12",
            "cadence_days": "3",
            "recommended_action": "Call within the day",
        },
    )
    warm.refresh_from_db()
    assert (warm.lower_bound, warm.sla_hours, warm.recommended_action) == (55, 12, "Call within the day")

    signal = Signal.objects.get(program=leads, key="budget")
    client.post(url, {"action": "signal", "signal": signal.pk, "weight": "1.5", "points": "3"})
    signal.refresh_from_db()
    assert (signal.weight, signal.points, signal.active) == (1.5, 3.0, False)


def test_settings_refuses_bad_input_with_a_message(client, ops, leads):
    client.force_login(ops)
    warm = TierDefinition.objects.get(program=leads, name="Warm")
    response = client.post(
        reverse("scoring-settings"), {"action": "tier", "tier": warm.pk, "lower_bound": "90"}, follow=True
    )
    assert "Not saved" in response.content.decode()  # Warm above Hot's 75 breaks the order
    warm.refresh_from_db()
    assert warm.lower_bound == 50
    response = client.post(
        reverse("scoring-settings"), {"action": "settings", "hysteresis": "abc"}, follow=True
    )
    assert "is not a number" in response.content.decode()
    response = client.post(reverse("scoring-settings"), {"action": "rollback"}, follow=True)
    assert "no earlier live version" in response.content.decode()
    # The page offers no rollback it cannot do.
    page = client.get(reverse("scoring-settings")).content.decode()
    assert "nothing to roll back to yet" in page and 'value="rollback"' not in page


def test_audit_page_decision_log_search_and_config_history(client, ops, leads):
    client.force_login(ops)
    signal = Signal.objects.get(program=leads, key="budget")
    from scoring import services

    services.signal_update(signal=signal, actor=ops, weight=2.0)
    page = client.get(reverse("scoring-audit"))
    assert page.status_code == 200
    assert page.context["page"].paginator.count == 4  # 2 decisions for the first lead, 1 each for the others
    labels = [c["label"] for c in page.context["changes"]]
    assert "Signal “Budget”" in labels
    assert page.context["changes"][0]["user"] == ops

    found = client.get(reverse("scoring-audit"), {"q": "Pricing page"})
    assert found.context["page"].paginator.count == 1
    by_trigger = client.get(reverse("scoring-audit"), {"trigger": "created"})
    assert by_trigger.context["page"].paginator.count == 3
    assert b"Not recorded for this version" in page.content  # audit sections exist, empty but clear


def test_audit_shows_the_model_report(client, compliance, leads, live_model_row):
    live_model_row.report = "# Lead scoring model\nAll good."
    live_model_row.save()
    client.force_login(compliance)
    body = client.get(reverse("scoring-audit")).content.decode()
    assert "Lead scoring model" in body and "All good." in body


def test_audit_search_by_email_is_a_prefix_of_that_lead_email(client, ops, program, rep, live_model_row):
    target = make_lead(program, score=70, owner=rep, email="dana.lopez@acme.example", model=live_model_row)
    make_lead(program, score=30, owner=rep, email="lopez@other.example", model=live_model_row)  # not a prefix
    # A reason that mentions the address: an email search looks at emails only.
    make_lead(
        program, score=20, owner=rep, email="x@y.example", history=[(1, 20, "event")], model=live_model_row
    )
    client.force_login(ops)
    for q in ("dana.lopez@acme.example", "DANA.LOPEZ@acme", "dana.lopez@"):
        page = client.get(reverse("scoring-audit"), {"q": q}).context["page"]
        assert [s.lead_id for s in page.object_list] == [target.pk], q
    assert client.get(reverse("scoring-audit"), {"q": "lopez@"}).context["page"].paginator.count == 1
    # Names, external ids and reasons are still searched when the search is not an email.
    assert client.get(reverse("scoring-audit"), {"q": "Pricing page"}).context["page"].paginator.count == 1
    assert (
        client.get(reverse("scoring-audit"), {"q": target.external_id}).context["page"].paginator.count == 1
    )


def test_audit_log_counts_only_up_to_ten_pages_ahead(client, ops, program, rep, monkeypatch):
    from audit import views

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    make_lead(
        program, score=50, owner=rep, created_days_ago=20, history=[(20 - i, 50, "event") for i in range(13)]
    )
    client.force_login(ops)
    response = client.get(reverse("scoring-audit"))
    page = response.context["page"]
    assert page.paginator.capped and page.paginator.count == 11  # 13 decisions, counted to 11
    assert "More than 11 decisions" in response.content.decode()
    assert page.has_next()
    page = client.get(reverse("scoring-audit"), {"page": 3}).context["page"]
    assert not page.paginator.capped and page.paginator.count == 13 and page.number == 3


def test_settings_offers_to_roll_back_to_the_version_the_live_one_replaced(
    client, ops, leads, live_model_row
):
    from scoring.models import ScoringModel

    earlier = ScoringModel.objects.create(
        program=leads, name="Earlier", version=live_model_row.version + 7, status="retired"
    )
    live_model_row.replaces = earlier
    live_model_row.save(update_fields=["replaces"])
    client.force_login(ops)
    page = client.get(reverse("scoring-settings")).content.decode()
    assert f"Roll back to v{earlier.version}" in page and 'value="rollback"' in page


def test_audit_search_matching_many_leads_still_finds_them_all(
    client, ops, program, rep, live_model_row, monkeypatch
):
    from audit import selectors

    monkeypatch.setattr(selectors, "SEARCH_LEADS", 1)  # past the cap the search reads the leads as a subquery
    for email in ("kim.one@acme.example", "kim.two@acme.example"):
        make_lead(program, score=50, owner=rep, email=email, model=live_model_row)
    client.force_login(ops)
    assert client.get(reverse("scoring-audit"), {"q": "kim."}).context["page"].paginator.count == 2
    assert client.get(reverse("scoring-audit"), {"q": "kim.one@"}).context["page"].paginator.count == 1


def test_settings_shows_field_errors_beside_the_form_that_failed(client, ops, leads):
    client.force_login(ops)
    warm = TierDefinition.objects.get(program=leads, name="Warm")
    page = client.post(reverse("scoring-settings"), {"action": "tier", "tier": warm.pk, "sla_hours": "2.5"})
    assert page.status_code == 200
    assert page.context["failed"] == {
        "action": "tier",
        "target": str(warm.pk),
        "errors": {"sla_hours": ["“2.5” is not a number"]},
    }
    assert 'class="errorlist"' in page.content.decode()
    warm.refresh_from_db()
    assert warm.sla_hours != 2.5
    page = client.post(
        reverse("scoring-settings"), {"action": "settings", "hysteresis": "4", "trend_band": "x"}
    )
    assert page.context["failed"]["errors"] == {"trend_band": ["“x” is not a number"]}
    assert ScoringSettings.load().hysteresis == 3.0  # nothing of a refused form is saved
