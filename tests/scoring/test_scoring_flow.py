"""Train on the demo's closed history, deploy, and keep scores fresh as activity arrives."""

from datetime import timedelta

import pgtrigger
import pytest
from django.db import transaction
from django.utils import timezone

from leadscoring import services as crm
from leadscoring.demo.loader import demo_load
from leadscoring.models import Lead
from scoring import selectors, services
from scoring.models import DECISION_LOG_TRIGGER, AccountScore, Job, LeadScore, ScoreSnapshot, ScoringModel
from tests.conftest import TRAINING_DEMO
from tests.factories import model_from_training


@pytest.fixture(scope="module")
def deployed_model(django_db_setup, django_db_blocker, trained_model_values):
    """The demo history the session's model was trained on, that model deployed and every lead scored;
    rolled back after the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo_load(**TRAINING_DEMO)
        model = model_from_training(trained_model_values, name="test", deployed_at=None)
        services.model_deploy(model=model, override_reason="test fixture", rescore=False)
        services.leads_rescore(lead_ids=list(Lead.objects.values_list("id", flat=True)), trigger="batch")
        yield model
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_training_stores_metrics_report_artifact_and_basis(deployed_model):
    assert deployed_model.status == ScoringModel.Status.LIVE
    assert 0.5 < deployed_model.metrics["auc"] <= 1.0
    assert len(deployed_model.artifact_sha256) == 64
    # The report is the model document of this version, on the history it was trained on.
    basis = deployed_model.trained_on
    assert deployed_model.report.startswith(
        f"# Lead scoring model: Lead score, version {deployed_model.version}\n"
    )
    assert (
        f"{basis['closed_leads']} closed leads ({basis['won']} won, {basis['lost']} lost)"
        in deployed_model.report
    )
    assert "Validation results" in deployed_model.report
    assert (
        deployed_model.trained_on["closed_leads"]
        == deployed_model.trained_on["won"] + deployed_model.trained_on["lost"]
    )
    assert deployed_model.trained_on["won"] > 0 and deployed_model.trained_on["lost"] > 0
    # The deployed cut-offs became the program's tier bounds.
    tiers = selectors.tiers_for(program=deployed_model.program)
    assert tiers[0].lower_bound == pytest.approx(deployed_model.thresholds["hot"], abs=0.01)


@pytest.mark.django_db
def test_every_lead_has_a_score_tier_and_a_snapshot_with_inputs(deployed_model):
    leads = Lead.objects.count()
    assert LeadScore.objects.filter(model=deployed_model).count() == leads
    snapshot = ScoreSnapshot.objects.filter(model=deployed_model).first()
    assert set(snapshot.inputs) == {s["key"] for s in deployed_model.signals}
    assert snapshot.tier in {"Hot", "Warm", "Cool", "Cold"}
    assert set(snapshot.subtotals) >= {"firmographic", "behavioral", "engagement", "intent", "negative"}
    assert AccountScore.objects.exists()


@pytest.mark.django_db
def test_an_event_rescores_its_lead_after_commit(deployed_model, django_capture_on_commit_callbacks):
    lead = Lead.objects.filter(status="new").order_by("id").first()
    before = LeadScore.objects.get(lead=lead).score
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            crm.event_record(
                lead=lead,
                kind="demo_request",
                occurred_at=timezone.now() - timedelta(hours=n),
                source="web",
                external_id=f"demo-{lead.pk}-{n}",
            )
    latest = ScoreSnapshot.objects.filter(lead=lead).order_by("-created_at", "-id").first()
    assert latest.trigger == "event"
    assert latest.inputs["demo_requests_90d"] >= 3
    assert LeadScore.objects.get(lead=lead).score > before


@pytest.mark.django_db
def test_a_resent_event_is_a_no_op(deployed_model, django_capture_on_commit_callbacks):
    lead = Lead.objects.order_by("id").first()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _, created = crm.event_record(
            lead=lead, kind="pricing_page", occurred_at=timezone.now(), source="web", external_id="dup-1"
        )
        _, again = crm.event_record(
            lead=lead, kind="pricing_page", occurred_at=timezone.now(), source="web", external_id="dup-1"
        )
    assert (created, again) == (True, False)
    # One rescore requested through the outbox, one drain published (the rescore itself may queue a
    # tier-change e-mail: not counted here), and one event decision.
    assert len([c for c in callbacks if c.__qualname__ == "_drain_publish"]) == 1
    assert ScoreSnapshot.objects.filter(lead=lead, trigger="event").count() == 1
    assert lead.events.filter(external_id="dup-1").count() == 1


@pytest.mark.django_db
def test_rescoring_never_overwrites_an_override(deployed_model):
    lead = Lead.objects.order_by("id").first()
    services.lead_override(lead=lead, tier="Hot", reason="strategic account", actor=None)
    services.lead_rescore(lead=lead, trigger="batch")
    row = LeadScore.objects.get(lead=lead)
    assert row.effective_tier == "Hot"
    assert row.override_reason == "strategic account"


@pytest.mark.django_db
def test_inline_scoring_stores_nothing(deployed_model):
    snapshots = ScoreSnapshot.objects.count()
    result = services.lead_score_inline(
        payload={"demo_requests_90d": 2, "seniority": "vp", "industry": "Software"}
    )
    assert 0 <= result.lead_score <= 100 and result.tier in {"Hot", "Warm", "Cool", "Cold"}
    assert result.model_version == deployed_model.version
    assert ScoreSnapshot.objects.count() == snapshots


@pytest.mark.django_db
def test_a_failing_lead_does_not_stop_the_batch(deployed_model, monkeypatch):
    from scoring.services import scoring as scoring_module

    ids = list(Lead.objects.order_by("id").values_list("id", flat=True)[:20])
    poisoned = ids[5]
    real = scoring_module.engine_batch

    def engine_batch(*, model, frame):
        # Fault injection: the engine fails on one lead's row.
        if poisoned in frame.index:
            raise ValueError("corrupt row")
        return real(model=model, frame=frame)

    monkeypatch.setattr(scoring_module, "engine_batch", engine_batch)
    result = services.leads_rescore(lead_ids=ids, trigger="batch")
    assert result.scored == 19 and result.failed == 1
    assert result.errors[0][0] == poisoned


@pytest.mark.django_db
def test_batch_job_reports_progress_and_totals(deployed_model, django_capture_on_commit_callbacks):
    ids = list(Lead.objects.order_by("id").values_list("id", flat=True)[:50])
    with django_capture_on_commit_callbacks(execute=True):
        job = services.leads_batch_score_start(lead_ids=ids)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.progress == 100
    assert job.result["scored"] == 50


@pytest.mark.django_db
def test_a_created_lead_is_scored_on_commit(deployed_model, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        lead, created = crm.lead_upsert(
            source_system="crm", external_id="NEW-1", fields={"seniority": "vp", "source": "Referral"}
        )
    assert created
    assert ScoreSnapshot.objects.get(lead=lead).trigger == "created"
    with django_capture_on_commit_callbacks(execute=True):
        again, created_again = crm.lead_upsert(
            source_system="crm", external_id="NEW-1", fields={"title": "VP Sales"}
        )
    assert (again.pk, created_again) == (lead.pk, False)
    assert again.seniority == "vp" and again.title == "VP Sales"
    assert ScoreSnapshot.objects.filter(lead=lead).latest("id").trigger == "updated"


@pytest.mark.django_db
def test_cadence_rescoring_picks_due_leads_only(deployed_model):
    due = list(LeadScore.objects.filter(tier="Hot").values_list("lead_id", flat=True)[:3])
    LeadScore.objects.filter(lead_id__in=due).update(scored_at=timezone.now() - timedelta(days=2))
    result = services.leads_rescore_on_cadence()
    assert result.scored == len(due)
    assert set(ScoreSnapshot.objects.filter(trigger="cadence").values_list("lead_id", flat=True)) == set(due)


@pytest.mark.django_db
def test_hysteresis_keeps_a_lead_in_its_tier_on_a_small_change(deployed_model):
    row = LeadScore.objects.exclude(tier="Hot").order_by("-score").first()
    program = deployed_model.program
    services.scoring_settings_update(hysteresis=3.0)
    hot, warm = selectors.tiers_for(program=program)[:2]
    # The lead was Warm; its unchanged score now sits 1 point under a raised Warm bound: it stays Warm.
    services.tier_update(tier=hot, lower_bound=max(hot.lower_bound, row.score + 20))
    services.tier_update(tier=warm, lower_bound=row.score + 1)
    LeadScore.objects.filter(pk=row.pk).update(tier="Warm")
    services.lead_rescore(lead=row.lead, trigger="batch")
    assert LeadScore.objects.get(pk=row.pk).tier == "Warm"
    # 5 points under the bound is past the 3-point band: it moves down.
    services.tier_update(tier=warm, lower_bound=row.score + 5)
    services.lead_rescore(lead=row.lead, trigger="batch")
    assert LeadScore.objects.get(pk=row.pk).tier != "Warm"


def _decision_25_points_lower(row, model, *, days_ago):
    ScoreSnapshot.objects.create(
        lead=row.lead,
        program=row.program,
        model=model,
        score=row.score - 25,
        tier="Cold",
        trigger="batch",
        created_at=timezone.now() - timedelta(days=days_ago),
    )


@pytest.mark.django_db
def test_trend_compares_with_the_score_at_the_start_of_the_window(deployed_model):
    row = LeadScore.objects.filter(score__gt=30).order_by("lead_id").first()
    _decision_25_points_lower(row, deployed_model, days_ago=10)
    services.lead_rescore(lead=row.lead, trigger="batch")
    assert LeadScore.objects.get(pk=row.pk).trend == "rising"


@pytest.mark.django_db
def test_trend_reads_the_score_in_force_when_the_window_began(deployed_model):
    # Last scored 20 days ago, before the 14-day window: the trend compares with that score, not with
    # nothing (a lead rescored less often than the window would otherwise always look stable).
    row = LeadScore.objects.filter(score__gt=30).order_by("-lead_id").first()
    with pgtrigger.ignore(DECISION_LOG_TRIGGER):  # the decision log is append-only; the test backdates it
        ScoreSnapshot.objects.filter(lead=row.lead).update(created_at=timezone.now() - timedelta(days=30))
    _decision_25_points_lower(row, deployed_model, days_ago=20)
    services.lead_rescore(lead=row.lead, trigger="batch")
    assert LeadScore.objects.get(pk=row.pk).trend == "rising"


@pytest.mark.django_db
def test_what_if_migration_matrix_accounts_for_every_open_lead(deployed_model):
    from scoring.whatif import whatif

    result = whatif(program=deployed_model.program, bounds={"hot": 100.0, "warm": 99.0, "cool": 98.0})
    table = result["current_leads"]
    assert sum(map(sum, table["matrix"])) == table["total"] > 0
    # Nobody scores 98+, so everyone lands in Cold (the last column).
    assert all(row[:3] == [0, 0, 0] for row in table["matrix"])
    assert table["moved"] == table["total"] - table["matrix"][3][3]
    assert result["history"]["closed_leads"] == deployed_model.trained_on["closed_leads"]


@pytest.mark.django_db
def test_deploying_a_new_version_rescores_every_lead(deployed_model, django_capture_on_commit_callbacks):
    program = deployed_model.program
    challenger = services.model_train(
        model=services.model_create(program=program, name="challenger", model_type="points")
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.model_deploy(model=challenger, override_reason="test")
    assert LeadScore.objects.filter(model=challenger).count() == Lead.objects.count()
    assert ScoreSnapshot.objects.filter(model=challenger, trigger="deploy").count() == Lead.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        services.model_rollback(program=program)
    assert selectors.model_live(program=program) == deployed_model
