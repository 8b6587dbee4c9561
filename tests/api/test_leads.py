"""GET leads (filters, order, pages, rep scope), GET leads/{id}, upsert and update; reads are logged."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import PersonalDataAccess
from leadscoring.models import Lead
from scoring.models import SlaClock, TierDefinition
from tests.factories import missing_signal

from .conftest import API, LeadFactory, assert_error, score_lead, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(rep_user, other_rep):
    """Five scored leads: two of rachel's, one of ravi's, two unassigned."""
    rows = [
        ("hot-mine", 91, "Hot", rep_user, "webinar", "UK", "new"),
        ("warm-mine", 62, "Warm", rep_user, "web", "FR", "contacted"),
        ("warm-ravi", 55, "Warm", other_rep, "web", "UK", "new"),
        ("cool-pool", 30, "Cool", None, "partner", "DE", "new"),
        ("cold-pool", 5, "Cold", None, "web", "UK", "lost"),
    ]
    leads = {}
    for external_id, score, tier, owner, source, country, status in rows:
        lead = LeadFactory(
            external_id=external_id, owner=owner, source=source, country=country, status=status
        )
        score_lead(lead, score=score, tier=tier)
        leads[external_id] = lead
    return leads


def ids(response):
    assert response.status_code == 200, response.content
    return [row["external_id"] for row in response.json()["results"]]


def test_leads_are_listed_best_first_with_scores(ops, scored):
    response = ops.get(API + "leads")
    assert ids(response) == ["hot-mine", "warm-mine", "warm-ravi", "cool-pool", "cold-pool"]
    first = response.json()["results"][0]
    assert first["score"] == 91 and first["tier"] == "Hot" and first["owner"]["username"] == "rachel-rep"
    assert ids(ops.get(API + "leads?ordering=score"))[0] == "cold-pool"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tier=Warm", ["warm-mine", "warm-ravi"]),
        ("score_min=50&score_max=70", ["warm-mine", "warm-ravi"]),
        ("source=web", ["warm-mine", "warm-ravi", "cold-pool"]),
        ("status=lost", ["cold-pool"]),
        ("country=UK&tier=Warm", ["warm-ravi"]),
        ("unassigned=true", ["cool-pool", "cold-pool"]),
    ],
)
def test_filters(ops, scored, query, expected):
    assert ids(ops.get(f"{API}leads?{query}")) == expected


def test_owner_and_updated_since_filters(ops, scored, rep_user):
    assert ids(ops.get(f"{API}leads?owner={rep_user.pk}")) == ["hot-mine", "warm-mine"]
    Lead.objects.filter(external_id="cool-pool").update(updated_at=timezone.now() + timedelta(days=2))
    since = (timezone.now() + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert ids(ops.get(API + "leads", {"updated_since": since})) == ["cool-pool"]


def test_filter_validation_names_the_field(ops, scored):
    error = assert_error(ops.get(API + "leads?score_min=abc&status=sleeping"), 400, "validation_error")
    assert set(error["fields"]) == {"score_min", "status"}
    assert "score_max" in assert_error(ops.get(API + "leads?score_max=1e400"), 400)["fields"]


def test_pagination(ops, scored):
    page = ops.get(API + "leads?page_size=2&page=2").json()
    assert page["count"] == 5
    assert [row["external_id"] for row in page["results"]] == ["warm-ravi", "cool-pool"]
    assert "page=3" in page["next"] and "page_size=2" in page["next"]
    assert_error(ops.get(API + "leads?page=99"), 404)


def test_a_rep_sees_own_leads_and_the_unassigned_pool_only(rep, scored):
    assert ids(rep.get(API + "leads")) == ["hot-mine", "warm-mine", "cool-pool", "cold-pool"]
    assert rep.get(f"{API}leads/{scored['hot-mine'].pk}").status_code == 200
    assert rep.get(f"{API}leads/{scored['cool-pool'].pk}").status_code == 200
    assert_error(rep.get(f"{API}leads/{scored['warm-ravi'].pk}"), 403, "permission_denied")


def test_every_lead_read_is_logged(integration, ops, ops_user, scored):
    integration.get(API + "leads?page_size=2")
    logged = PersonalDataAccess.objects.filter(channel="api", action="leads.list")
    assert sorted(logged.values_list("lead_external_id", flat=True)) == ["hot-mine", "warm-mine"]
    assert set(logged.values_list("integration", flat=True)) == {"crm-sync"}
    ops.get(f"{API}leads/{scored['warm-ravi'].pk}")
    detail_read = PersonalDataAccess.objects.get(action="leads.retrieve")
    assert detail_read.user == ops_user and detail_read.lead == scored["warm-ravi"]


def test_lead_detail_has_score_reasons_action_sla_trend_and_history(ops, scored):
    lead = scored["hot-mine"]
    score_lead(lead, score=91, tier="Hot", trend="rising", days_ago=0.5)
    now = timezone.now()
    snapshot(lead, score=60, tier="Warm", at=now - timedelta(days=3))
    snapshot(lead, score=91, tier="Hot", at=now - timedelta(hours=12), previous_tier="Warm")
    snapshot(lead, score=20, tier="Cold", at=now - timedelta(days=40))
    SlaClock.objects.create(
        lead=lead, tier="Hot", hours=1, started_at=now - timedelta(hours=12), due_at=now - timedelta(hours=11)
    )
    body = ops.get(f"{API}leads/{lead.pk}").json()
    assert body["score"]["score"] == 91 and body["score"]["tier"] == "Hot"
    assert body["score"]["probability"] == pytest.approx(0.455)
    assert body["score"]["subtotals"] == {"firmographic": 45.5, "intent": 45.5}
    assert body["score"]["top_factors"][0]["signal"] == "demo_requests_90d"
    assert body["score"]["missing_signals"] == [missing_signal("budget")]
    hot = TierDefinition.objects.get(name="Hot")
    assert body["recommended_action"] == hot.recommended_action
    # Its SLA clock started 12 hours ago with 1 business hour to run and no contact: breached.
    assert body["sla"]["hours"] == hot.sla_hours and body["sla"]["breached"] is True
    assert body["trend"] == "rising"
    # 14 days of history by default, oldest first: the 40-day-old decision is left out.
    assert [(h["tier"], h["score"]) for h in body["history"]] == [("Warm", 60), ("Hot", 91)]
    assert len(ops.get(f"{API}leads/{lead.pk}?history_days=60").json()["history"]) == 3
    assert body["email"] == lead.email and body["account"]["name"] == lead.account.name


def test_an_unscored_lead_has_no_score(ops):
    lead = LeadFactory()
    body = ops.get(f"{API}leads/{lead.pk}").json()
    assert body["score"] is None and body["sla"] is None and body["history"] == []


def test_missing_and_huge_ids_are_404(ops):
    assert_error(ops.get(API + "leads/999999"), 404, "not_found")
    assert_error(ops.get(API + "leads/" + "9" * 40), 404)
    assert_error(ops.get(API + "leads/abc"), 404)


def test_upsert_creates_then_updates_by_external_id(integration):
    payload = {"external_id": "HS-1", "source_system": "hubspot", "email": "ada@example.com", "country": "UK"}
    created = integration.post(API + "leads", payload, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["created"] is True
    lead = Lead.objects.get(source_system="hubspot", external_id="HS-1")
    assert created.json()["url"] == f"/api/v1/leadscoring/leads/{lead.pk}"
    updated = integration.post(
        API + "leads",
        {
            "external_id": "HS-1",
            "source_system": "hubspot",
            "status": "qualified",
            "attributes": {"plan": "pro"},
        },
        format="json",
    )
    assert updated.status_code == 200 and updated.json() == {**created.json(), "created": False}
    lead.refresh_from_db()
    assert (lead.status, lead.email, lead.attributes) == ("qualified", "ada@example.com", {"plan": "pro"})
    assert Lead.objects.count() == 1


def test_upsert_validation_names_each_field(integration):
    response = integration.post(
        API + "leads",
        {
            "email": "not-an-email",
            "status": "sleeping",
            "budget": -5,
            "timeline_days": 10**30,
            "attributes": [1],
        },
        format="json",
    )
    error = assert_error(response, 400, "validation_error")
    assert set(error["fields"]) == {"external_id", "email", "status", "budget", "timeline_days", "attributes"}


def test_upsert_with_an_unknown_owner_is_a_field_error(integration):
    error = assert_error(
        integration.post(API + "leads", {"external_id": "X", "owner_id": 987654}, format="json"), 400
    )
    assert "owner" in error["fields"] or "owner_id" in error["fields"]


def test_patch_updates_a_lead(integration):
    lead = LeadFactory(status="new")
    response = integration.patch(f"{API}leads/{lead.pk}", {"status": "contacted"}, format="json")
    assert response.status_code == 200
    lead.refresh_from_db()
    assert lead.status == "contacted"
    assert_error(integration.patch(f"{API}leads/{lead.pk}", {"status": "zzz"}, format="json"), 400)


def test_a_lead_scored_hot_and_overridden_to_cold_is_filtered_and_labelled_cold(ops, scored):
    from scoring.models import LeadScore

    LeadScore.objects.filter(lead=scored["hot-mine"]).update(override_tier="Cold", override_reason="Student")

    cold = ops.get(API + "leads?tier=Cold").json()["results"]
    assert [(row["external_id"], row["tier"]) for row in cold] == [
        ("hot-mine", "Cold"),
        ("cold-pool", "Cold"),
    ]
    assert ids(ops.get(API + "leads?tier=Hot")) == []
    detail = ops.get(f"{API}leads/{scored['hot-mine'].pk}").json()
    assert (detail["score"]["tier"], detail["score"]["model_tier"]) == ("Cold", "Hot")


def test_score_filters_read_the_overridden_score(ops, scored):
    from scoring.models import LeadScore

    LeadScore.objects.filter(lead=scored["cool-pool"]).update(override_score=95.0)

    assert ids(ops.get(API + "leads?score_min=90")) == ["hot-mine", "cool-pool"]
    assert "cool-pool" not in ids(ops.get(API + "leads?score_max=40"))


def test_an_unknown_program_is_not_found(ops, scored):
    assert_error(ops.get(API + "leads?program=no-such-program"), 404, "not_found")
    assert_error(ops.get(f"{API}leads/{scored['hot-mine'].pk}?program=no-such-program"), 404, "not_found")
