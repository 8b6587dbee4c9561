import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from leadscoring.models import Lead
from scoring import selectors, services
from scoring.models import LeadScore, ScoreSnapshot, ScoringModel, ScoringProgram

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops_client(client):
    user = User.objects.create_user("ops", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Ops"))
    client.force_login(user)
    return client


def test_a_rep_cannot_open_the_admin(client):
    rep = User.objects.create_user("rep", password="pw")
    rep.groups.add(Group.objects.get(name="Rep"))
    client.force_login(rep)
    response = client.get("/admin/scoring/signal/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_ops_edit_signal_points_in_the_admin_with_history(ops_client):
    response = ops_client.get("/admin/scoring/signal/")
    assert response.status_code == 200 and b"Demo requests (90 days)" in response.content


def test_override_in_the_admin_goes_through_the_service(ops_client):
    lead = Lead.objects.create(external_id="L1")
    now = timezone.now()
    row = LeadScore.objects.create(
        lead=lead, program=selectors.program_default(), score=10, tier="Cold", scored_at=now, tier_since=now
    )
    url = f"/admin/scoring/leadscore/{row.pk}/change/"
    refused = ops_client.post(url, {"override_tier": "Hot", "override_reason": ""})
    assert refused.status_code == 200 and b"An override needs a reason" in refused.content
    ops_client.post(url, {"override_tier": "Hot", "override_reason": "board member's company"})
    row.refresh_from_db()
    assert row.effective_tier == "Hot" and row.override_by.username == "ops"
    assert ScoreSnapshot.objects.get(lead=lead).trigger == "manual"


def test_a_new_program_starts_with_default_tiers_and_signals(ops_client):
    ops_client.post(
        "/admin/scoring/scoringprogram/add/",
        {
            "name": "Enterprise score",
            "slug": "enterprise",
            "outcome_won_statuses": '["converted"]',
            "outcome_window_days": 365,
            "active": "on",
            "tiers-TOTAL_FORMS": 0,
            "tiers-INITIAL_FORMS": 0,
        },
    )
    program = ScoringProgram.objects.get(slug="enterprise")
    assert program.tiers.count() == 4 and program.signals.count() > 10


def test_compare_and_deploy_refusal_pages(ops_client):
    program = selectors.program_default()
    first = services.model_create(program=program, name="a")
    second = services.model_create(program=program, name="b")
    ScoringModel.objects.filter(pk=first.pk).update(
        metrics={"auc": 0.71}, artifact_path="/x", validation_passed=False
    )
    ScoringModel.objects.filter(pk=second.pk).update(metrics={"auc": 0.78})
    changelist = "/admin/scoring/scoringmodel/"
    compare = ops_client.post(changelist, {"action": "compare", "_selected_action": [first.pk, second.pk]})
    assert compare.status_code == 200 and b"0.71" in compare.content and b"0.78" in compare.content
    deploy = ops_client.post(changelist, {"action": "deploy", "_selected_action": [first.pk]})
    assert deploy.status_code == 200 and b"failed its validation gates" in deploy.content
    assert selectors.model_live(program=program) is None
