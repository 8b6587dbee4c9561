"""POST score and POST batch-score, GET jobs/{id}: with a live model trained once per session."""

import pytest

from audit.models import PersonalDataAccess
from leadscoring.models import ActivityEvent
from scoring.models import Job, LeadScore, ScoreSnapshot, TierDefinition

from .conftest import API, LeadFactory, assert_error

pytestmark = pytest.mark.django_db

RESULT_KEYS = {
    "lead_id",
    "stored",
    "lead_score",
    "tier",
    "probability",
    "confidence",
    "recommended_action",
    "score_breakdown",
    "top_factors",
    "missing_signals",
    "model_version",
}


def test_score_inline_stores_nothing(integration, live_model):
    payload = {
        "lead": {"industry": "Software", "employee_count": 250, "seniority": "vp", "demo_requests_90d": 2}
    }
    response = integration.post(API + "score", payload, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == RESULT_KEYS
    assert body["stored"] is False and body["lead_id"] is None
    assert 0 <= body["lead_score"] <= 100 and body["model_version"] == live_model.version
    tiers = {t.name: t for t in TierDefinition.objects.all()}
    assert body["tier"] in tiers and body["recommended_action"] == tiers[body["tier"]].recommended_action
    assert set(body["score_breakdown"]) <= {"firmographic", "behavioral", "engagement", "intent", "negative"}
    assert not ScoreSnapshot.objects.exists() and not LeadScore.objects.exists()


def test_more_intent_scores_higher_inline(integration, live_model):
    def score(**signals):
        return integration.post(API + "score", {"lead": signals}, format="json").json()["lead_score"]

    base = {"industry": "Software", "employee_count": 250}
    assert score(**base, demo_requests_90d=3, pricing_views_7d=5, meetings_90d=2) >= score(**base)


def test_score_a_stored_lead_rescores_logs_and_answers(integration, live_model):
    lead = LeadFactory(seniority="vp")
    ActivityEvent.objects.create(
        lead=lead, kind="demo_request", occurred_at="2026-01-01T00:00:00Z", source="web", external_id="d1"
    )
    response = integration.post(API + "score", {"lead_id": lead.pk}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["stored"] is True and body["lead_id"] == lead.pk
    current = LeadScore.objects.get(lead=lead)
    assert body["lead_score"] == pytest.approx(current.score) and body["tier"] == current.tier
    assert ScoreSnapshot.objects.get(lead=lead).trigger == "api"
    assert PersonalDataAccess.objects.filter(lead=lead, action="score").exists()


def test_score_validation(integration, live_model):
    both = assert_error(integration.post(API + "score", {"lead_id": 1, "lead": {}}, format="json"), 400)
    assert "lead" in both["fields"]
    assert_error(integration.post(API + "score", {}, format="json"), 400)
    bad = assert_error(
        integration.post(API + "score", {"lead": {"budget": 1e300, "industry": {"x": 1}}}, format="json"), 400
    )
    assert set(bad["fields"]) == {"lead.budget", "lead.industry"}
    assert_error(integration.post(API + "score", {"lead_id": 10**30}, format="json"), 400)
    assert_error(integration.post(API + "score", {"lead_id": 987654}, format="json"), 404)


def test_score_without_a_live_model_is_409(integration):
    assert_error(integration.post(API + "score", {"lead": {"industry": "x"}}, format="json"), 409, "conflict")
    lead = LeadFactory()
    assert_error(integration.post(API + "score", {"lead_id": lead.pk}, format="json"), 409)


def test_batch_inline_reports_each_item(integration, live_model):
    leads = [{"industry": "Software"}, {"employee_count": "many" * 100}, {"demo_requests_90d": 1}, [1, 2]]
    response = integration.post(API + "batch-score", {"leads": leads}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["scored"], body["failed"]) == (2, 2)
    assert [r["ok"] for r in body["results"]] == [True, False, True, False]
    assert "lead.employee_count" in body["results"][1]["errors"]


def test_batch_of_stored_leads_scores_the_known_and_reports_the_unknown(integration, live_model):
    first, second = LeadFactory(), LeadFactory()
    response = integration.post(
        API + "batch-score", {"lead_ids": [first.pk, 999999, second.pk]}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["scored"] == 2 and body["failed"] == 1
    assert [(r["lead_id"], r["ok"]) for r in body["results"]] == [
        (first.pk, True),
        (999999, False),
        (second.pk, True),
    ]
    assert body["results"][1]["errors"] == {"lead_id": ["No such lead."]}
    assert LeadScore.objects.count() == 2


def test_a_big_batch_is_a_job(integration, live_model, django_capture_on_commit_callbacks):
    ids = [LeadFactory().pk for _ in range(3)] + list(range(10**6, 10**6 + 250))
    with django_capture_on_commit_callbacks(execute=True):
        response = integration.post(API + "batch-score", {"lead_ids": ids}, format="json")
    assert response.status_code == 202, response.content
    job_url = response.json()["job_url"]
    assert response["Location"] == job_url
    job = integration.get(job_url).json()
    assert job["kind"] == "batch_score" and job["status"] == "succeeded" and job["progress"] == 100
    assert LeadScore.objects.count() == 3


def test_batch_all_is_a_job(ops, live_model, django_capture_on_commit_callbacks):
    LeadFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = ops.post(API + "batch-score", {"all": True}, format="json")
    assert response.status_code == 202
    assert Job.objects.get().kind == "rescore_all"


def test_batch_limits_and_validation(integration):
    assert_error(
        integration.post(API + "batch-score", {"lead_ids": list(range(1, 1002))}, format="json"), 413
    )
    assert_error(integration.post(API + "batch-score", {"leads": [{}] * 1001}, format="json"), 413)
    error = assert_error(
        integration.post(API + "batch-score", {"lead_ids": [1, "x", -3]}, format="json"), 400
    )
    assert set(error["fields"]) == {"lead_ids.1", "lead_ids.2"}
    assert_error(integration.post(API + "batch-score", {"lead_ids": [1], "all": True}, format="json"), 400)


@pytest.mark.parametrize("who", ["integration_ro", "rep", "compliance"])
def test_who_may_not_score(clients, who):
    assert_error(clients[who].post(API + "score", {"lead": {}}, format="json"), 403)
    assert_error(clients[who].post(API + "batch-score", {"lead_ids": [1]}, format="json"), 403)


def test_jobs_are_readable_by_staff_roles_only(ops, rep, integration, compliance):
    job = Job.objects.create(kind=Job.Kind.BATCH_SCORE)
    training = Job.objects.create(kind=Job.Kind.TRAIN)
    assert ops.get(f"{API}jobs/{job.pk}").json()["status"] == "queued"
    assert integration.get(f"{API}jobs/{job.pk}").status_code == 200
    assert compliance.get(f"{API}jobs/{training.pk}").status_code == 200
    assert_error(rep.get(f"{API}jobs/{job.pk}"), 403)
    assert_error(integration.get(f"{API}jobs/{training.pk}"), 403)
    assert_error(ops.get(f"{API}jobs/987654"), 404)
