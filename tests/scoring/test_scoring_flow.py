"""Train on the demo's closed history, deploy, and keep scores fresh as activity arrives."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from leadscoring import services as crm
from leadscoring.demo.loader import demo_load
from leadscoring.models import Lead
from scoring import selectors, services
from scoring.models import AccountScore, Job, LeadScore, ScoreSnapshot, ScoringModel


@pytest.fixture(scope="module")
def live_model(django_db_setup, django_db_blocker, tmp_path_factory):
    """A demo history with a trained, deployed model; rolled back after the module."""
    settings.MODEL_ARTIFACT_DIR = tmp_path_factory.mktemp("models")
    with django_db_blocker.unblock(), transaction.atomic():
        demo_load(leads=600, seed=7)
        program = selectors.program_default()
        model = services.model_create(program=program, name="test", model_type="logistic_regression")
        model = services.model_train(model=model)
        services.model_deploy(model=model, override_reason="test fixture", rescore=False)
        services.leads_rescore(lead_ids=list(Lead.objects.values_list("id", flat=True)), trigger="batch")
        yield model
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_training_stores_metrics_report_artifact_and_basis(live_model):
    assert live_model.status == ScoringModel.Status.LIVE
    assert 0.5 < live_model.metrics["auc"] <= 1.0
    assert len(live_model.artifact_sha256) == 64
    assert "lead-scoring" in live_model.report.lower() or "#" in live_model.report
    assert (
        live_model.trained_on["closed_leads"] == live_model.trained_on["won"] + live_model.trained_on["lost"]
    )
    assert live_model.trained_on["won"] > 0 and live_model.trained_on["lost"] > 0
    # The deployed cut-offs became the program's tier bounds.
    tiers = selectors.tiers_for(program=live_model.program)
    assert tiers[0].lower_bound == pytest.approx(live_model.thresholds["hot"], abs=0.01)


@pytest.mark.django_db
def test_every_lead_has_a_score_tier_and_a_snapshot_with_inputs(live_model):
    leads = Lead.objects.count()
    assert LeadScore.objects.filter(model=live_model).count() == leads
    snapshot = ScoreSnapshot.objects.filter(model=live_model).first()
    assert set(snapshot.inputs) == {s["key"] for s in live_model.signals}
    assert snapshot.tier in {"Hot", "Warm", "Cool", "Cold"}
    assert set(snapshot.subtotals) >= {"firmographic", "behavioral", "engagement", "intent", "negative"}
    assert AccountScore.objects.exists()


@pytest.mark.django_db
def test_an_event_rescores_its_lead_after_commit(live_model, django_capture_on_commit_callbacks):
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
def test_a_resent_event_is_a_no_op(live_model, django_capture_on_commit_callbacks):
    lead = Lead.objects.order_by("id").first()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _, created = crm.event_record(
            lead=lead, kind="pricing_page", occurred_at=timezone.now(), source="web", external_id="dup-1"
        )
        _, again = crm.event_record(
            lead=lead, kind="pricing_page", occurred_at=timezone.now(), source="web", external_id="dup-1"
        )
    assert (created, again) == (True, False)
    assert len(callbacks) == 1
    assert lead.events.filter(external_id="dup-1").count() == 1


@pytest.mark.django_db
def test_rescoring_never_overwrites_an_override(live_model):
    lead = Lead.objects.order_by("id").first()
    services.lead_override(lead=lead, tier="Hot", reason="strategic account", actor=None)
    services.lead_rescore(lead=lead, trigger="batch")
    row = LeadScore.objects.get(lead=lead)
    assert row.effective_tier == "Hot"
    assert row.override_reason == "strategic account"


@pytest.mark.django_db
def test_inline_scoring_stores_nothing(live_model):
    snapshots = ScoreSnapshot.objects.count()
    result = services.lead_score_inline(
        payload={"demo_requests_90d": 2, "seniority": "vp", "industry": "Software"}
    )
    assert 0 <= result.lead_score <= 100 and result.tier in {"Hot", "Warm", "Cool", "Cold"}
    assert result.model_version == live_model.version
    assert ScoreSnapshot.objects.count() == snapshots


@pytest.mark.django_db
def test_a_failing_lead_does_not_stop_the_batch(live_model, monkeypatch):
    from scoring.services import scoring as scoring_module

    ids = list(Lead.objects.order_by("id").values_list("id", flat=True)[:20])
    poisoned = ids[5]
    real = scoring_module.engine_score

    def engine_score(*, model, frame):
        # Fault injection: the engine fails on one lead's row.
        if poisoned in frame.index:
            raise ValueError("corrupt row")
        return real(model=model, frame=frame)

    monkeypatch.setattr(scoring_module, "engine_score", engine_score)
    result = services.leads_rescore(lead_ids=ids, trigger="batch")
    assert result.scored == 19 and result.failed == 1
    assert result.errors[0][0] == poisoned


@pytest.mark.django_db
def test_batch_job_reports_progress_and_totals(live_model, django_capture_on_commit_callbacks):
    ids = list(Lead.objects.order_by("id").values_list("id", flat=True)[:50])
    with django_capture_on_commit_callbacks(execute=True):
        job = services.leads_batch_score_start(lead_ids=ids)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.progress == 100
    assert job.result["scored"] == 50
