from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone

from leadscoring.models import ActivityEvent, Lead
from scoring import selectors, services
from scoring.models import LeadScore, ScoreSnapshot, ScoringModel, ScoringSettings, TierDefinition

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops():
    return User.objects.create_user("ops", password="x")


def make_score(lead, *, score, tier, days_ago=0):
    program = selectors.program_default()
    when = timezone.now() - timedelta(days=days_ago)
    return LeadScore.objects.create(
        lead=lead, program=program, score=score, tier=tier, scored_at=when, tier_since=when
    )


def test_override_survives_until_expiry_and_is_logged(ops):
    lead = Lead.objects.create(external_id="L1")
    row = make_score(lead, score=20, tier="Cold")
    services.lead_override(lead=lead, tier="Hot", reason="CEO asked for a demo", actor=ops)
    row.refresh_from_db()
    assert row.effective_tier == "Hot" and row.tier == "Cold"
    snapshot = ScoreSnapshot.objects.get(lead=lead)
    assert snapshot.trigger == "manual" and snapshot.previous_tier == "Cold" and snapshot.actor == ops
    row.override_expires_at = timezone.now() - timedelta(minutes=1)
    row.save()
    assert row.effective_tier == "Cold"


def test_override_needs_a_reason_and_a_known_tier(ops):
    lead = Lead.objects.create(external_id="L1")
    with pytest.raises(ValidationError) as missing_reason:
        services.lead_override(lead=lead, tier="Hot", reason=" ", actor=ops)
    assert "reason" in missing_reason.value.message_dict
    with pytest.raises(ValidationError) as unknown:
        services.lead_override(lead=lead, tier="Lukewarm", reason="x", actor=ops)
    assert "tier" in unknown.value.message_dict


def test_tier_bounds_must_fall_from_best_to_worst(ops):
    warm = TierDefinition.objects.get(program=selectors.program_default(), name="Warm")
    with pytest.raises(ValidationError):
        services.tier_update(tier=warm, actor=ops, lower_bound=90)
    warm.refresh_from_db()
    assert warm.lower_bound == 50
    services.tier_update(tier=warm, actor=ops, lower_bound=55)
    assert warm.history.first().history_user == ops


def test_stale_lead_is_downgraded_one_tier_with_a_reason():
    ScoringSettings.objects.update_or_create(pk=1, defaults={"stale_after_days": 30})
    old = timezone.now() - timedelta(days=60)
    stale = Lead.objects.create(external_id="stale", created_at=old)
    active = Lead.objects.create(external_id="active", created_at=old)
    ActivityEvent.objects.create(
        lead=active, kind="page_view", occurred_at=timezone.now() - timedelta(days=2), external_id="e1"
    )
    make_score(stale, score=80, tier="Hot", days_ago=45)
    make_score(active, score=80, tier="Hot", days_ago=45)
    LeadScore.objects.update(tier_since=timezone.now() - timedelta(days=45))
    assert services.leads_stale_downgrade() == 1
    row = LeadScore.objects.get(lead=stale)
    assert row.tier == "Warm" and row.score < 75
    snapshot = ScoreSnapshot.objects.get(lead=stale)
    assert snapshot.trigger == "stale" and "no activity for 30 days" in snapshot.reason
    assert LeadScore.objects.get(lead=active).tier == "Hot"


def test_cadence_picks_leads_whose_tier_is_due():
    hot_due = Lead.objects.create(external_id="h1")
    hot_fresh = Lead.objects.create(external_id="h2")
    cold_recent = Lead.objects.create(external_id="c1")
    make_score(hot_due, score=90, tier="Hot", days_ago=2)
    make_score(hot_fresh, score=90, tier="Hot", days_ago=0)
    make_score(cold_recent, score=5, tier="Cold", days_ago=10)  # Cold is monthly
    due = services.leads_due_for_cadence(program=selectors.program_default())
    assert due == [hot_due.pk]


def test_deploy_refuses_a_version_that_failed_its_gates_without_a_reason(ops):
    program = selectors.program_default()
    model = services.model_create(program=program, name="weak", actor=ops)
    model.artifact_path, model.validation_passed = "/nonexistent", False
    model.save()
    with pytest.raises(services.DeployRefused, match="failed its validation gates"):
        services.model_deploy(model=model, actor=ops, rescore=False)
    services.model_deploy(model=model, actor=ops, override_reason="pilot on one region", rescore=False)
    model.refresh_from_db()
    assert model.status == ScoringModel.Status.LIVE
    assert "override: pilot on one region" in model.history.first().history_change_reason


def test_one_live_version_and_rollback_restores_the_previous(ops):
    program = selectors.program_default()
    first = services.model_create(program=program, name="v1", actor=ops)
    second = services.model_create(program=program, name="v2", actor=ops)
    assert (first.version, second.version) == (1, 2)
    for model in (first, second):
        model.artifact_path, model.validation_passed = "/x", True
        model.save()
    services.model_deploy(model=first, actor=ops, rescore=False)
    services.model_deploy(model=second, actor=ops, rescore=False)
    assert list(ScoringModel.objects.filter(status="live")) == [second]
    services.model_rollback(program=program, actor=ops)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "live" and second.status == "retired"


def test_feedback_is_recorded_with_its_author(ops):
    lead = Lead.objects.create(external_id="L1")
    feedback = services.lead_feedback_record(lead=lead, user=ops, verdict="bad_fit", reason="student")
    assert feedback.history.first().history_user == ops
    with pytest.raises(ValidationError):
        services.lead_feedback_record(lead=lead, user=ops, verdict="maybe")


def test_a_trained_version_keeps_how_it_was_trained(ops):
    model = services.model_create(program=selectors.program_default(), name="draft", actor=ops)
    services.model_update(model=model, actor=ops, model_type="random_forest", name="forest")
    model.status = ScoringModel.Status.VALIDATED
    model.save()
    with pytest.raises(ValidationError) as refused:
        services.model_update(model=model, actor=ops, model_type="neural_network")
    assert "model_type" in refused.value.message_dict
    services.model_update(model=model, actor=ops, name="forest, renamed")
    assert ScoringModel.objects.get(pk=model.pk).name == "forest, renamed"
