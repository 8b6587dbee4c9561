"""Audit (compliance): decisions, config history, the tier on a date; analytics and performance reads."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from audit.models import PersonalDataAccess
from scoring import services
from scoring.models import Signal, TierDefinition

from .conftest import API, LeadFactory, assert_error, score_lead, snapshot

pytestmark = pytest.mark.django_db


def at(day: int, hour: int = 12):
    return datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def decided_lead():
    lead = LeadFactory()
    snapshot(lead, score=40, tier="Cool", at=at(1))
    snapshot(lead, score=80, tier="Hot", at=at(5), previous_tier="Cool", reason="demo request")
    snapshot(lead, score=60, tier="Warm", at=at(9), previous_tier="Hot", trigger="stale")
    return lead


def test_decisions_for_a_lead_newest_first_with_inputs(compliance, decided_lead):
    body = compliance.get(f"{API}audit/leads/{decided_lead.pk}/decisions").json()
    assert [(d["tier"], d["trigger"]) for d in body["results"]] == [
        ("Warm", "stale"),
        ("Hot", "event"),
        ("Cool", "event"),
    ]
    assert (
        body["results"][1]["inputs"] == {"pricing_views_7d": 2}
        and body["results"][1]["reason"] == "demo request"
    )
    window = compliance.get(
        f"{API}audit/leads/{decided_lead.pk}/decisions?since=2026-03-04T00:00:00Z&until=2026-03-06T00:00:00Z"
    )
    assert [d["tier"] for d in window.json()["results"]] == ["Hot"]
    assert PersonalDataAccess.objects.filter(lead=decided_lead, action="audit.decisions").count() == 2


@pytest.mark.parametrize(
    ("day", "asked", "tier", "matches"),
    [(6, "Hot", "Hot", True), (5, "Hot", "Hot", True), (8, "Warm", "Hot", False), (9, None, "Warm", None)],
)
def test_why_was_the_lead_in_a_tier_on_a_date(compliance, decided_lead, day, asked, tier, matches):
    query = f"date=2026-03-{day:02d}" + (f"&tier={asked}" if asked else "")
    body = compliance.get(f"{API}audit/leads/{decided_lead.pk}/tier-on-date?{query}").json()
    assert (body["tier"], body["tier_matches"]) == (tier, matches)
    assert body["decision"]["tier"] == tier


def test_before_the_first_decision_there_is_no_tier(compliance, decided_lead):
    body = compliance.get(f"{API}audit/leads/{decided_lead.pk}/tier-on-date?date=2026-02-01&tier=Cold").json()
    assert body["tier"] is None and body["decision"] is None and body["tier_matches"] is False


def test_tier_on_date_validation(compliance, decided_lead):
    error = assert_error(compliance.get(f"{API}audit/leads/{decided_lead.pk}/tier-on-date?date=March"), 400)
    assert "date" in error["fields"]
    assert_error(compliance.get(f"{API}audit/leads/{decided_lead.pk}/tier-on-date"), 400)
    assert_error(compliance.get(f"{API}audit/leads/9999999/tier-on-date?date=2026-03-01"), 404)


def test_history_of_a_config_object_names_who_changed_what(compliance, ops_user):
    hot = TierDefinition.objects.get(name="Hot")
    services.tier_update(tier=hot, actor=ops_user, lower_bound=78)
    services.tier_update(tier=hot, actor=ops_user, lower_bound=80)
    body = compliance.get(f"{API}audit/history/tier/{hot.pk}").json()
    latest = body["results"][0]
    assert latest["type"] == "changed" and latest["user"] == ops_user.username
    assert {"field": "lower_bound", "old": 78.0, "new": 80.0} in latest["changes"]
    # The oldest record is the tier as seeded (recorded so past days can be reconstructed), then each change.
    first, change = body["results"][-1], body["results"][-2]
    assert (
        first["type"] == "created" and {"field": "lower_bound", "old": None, "new": 75.0} in first["changes"]
    )
    assert {"field": "lower_bound", "old": 75.0, "new": 78.0} in change["changes"]
    signal = Signal.objects.first()
    services.signal_update(signal=signal, actor=ops_user, weight=2.0)
    services.signal_update(signal=signal, actor=ops_user, weight=2.5)
    changes = compliance.get(f"{API}audit/history/signal/{signal.pk}").json()["results"][0]["changes"]
    assert changes == [{"field": "weight", "old": 2.0, "new": 2.5}]


def test_history_validation(compliance):
    assert_error(compliance.get(f"{API}audit/history/weather/1"), 400)
    assert_error(compliance.get(f"{API}audit/history/signal/9999999"), 404)


@pytest.mark.parametrize("who", ["ops", "rep", "integration", "integration_ro"])
def test_only_compliance_reads_the_audit(clients, decided_lead, who):
    assert_error(clients[who].get(f"{API}audit/leads/{decided_lead.pk}/decisions"), 403)
    assert_error(clients[who].get(f"{API}audit/leads/{decided_lead.pk}/tier-on-date?date=2026-03-01"), 403)
    assert_error(clients[who].get(f"{API}audit/history/tier/1"), 403)


@pytest.fixture
def cohort():
    today = timezone.now()
    rows = [
        (90, "Hot", "converted", 1000),
        (80, "Hot", "lost", None),
        (60, "Warm", "converted", 500),
        (20, "Cold", "new", None),
    ]
    for score, tier, status, revenue in rows:
        lead = LeadFactory(status=status, revenue=revenue, created_at=today - timedelta(days=3))
        score_lead(lead, score=score, tier=tier)


def test_performance(integration, cohort):
    body = integration.get(API + "performance").json()
    kpis = body["kpis"]
    # 4 leads, 2 converted; Hot and Warm (>= 50) qualify: 3 of 4.
    assert (kpis["lead_volume"], kpis["converted_leads"], kpis["qualified_leads"]) == (4, 2, 3)
    assert kpis["conversion_rate"] == 0.5 and kpis["average_score"] == 62.5
    hot = next(row for row in body["by_tier"] if row["tier"] == "Hot")
    assert (hot["leads"], hot["converted"], hot["revenue"]) == (2, 1, 1000.0)


def test_analytics(compliance, cohort):
    body = compliance.get(API + "analytics?granularity=day").json()
    assert body["score_distribution"]["total"] == 4
    assert body["funnel"][0]["leads"] == 4
    assert body["geography"][0] == {**body["geography"][0], "name": "UK", "leads": 4}
    assert sum(point["leads"] for point in body["trends"]["points"]) == 4
    assert body["trends"]["granularity"] == "day"


def test_analytics_date_range_validation(ops):
    error = assert_error(ops.get(API + "analytics?start=2026-05-01&end=2026-04-01"), 400)
    assert "start" in error["fields"]
    assert "granularity" in assert_error(ops.get(API + "analytics?granularity=hourly"), 400)["fields"]
    assert "end" in assert_error(ops.get(API + "performance?end=someday"), 400)["fields"]
    empty = ops.get(API + "performance?start=2001-01-01&end=2001-01-31").json()
    assert empty["kpis"]["lead_volume"] == 0


def test_reps_do_not_read_team_analytics(rep):
    assert_error(rep.get(API + "performance"), 403)
    assert_error(rep.get(API + "analytics"), 403)
