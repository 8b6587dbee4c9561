"""The deploy gate reads the engine's verdict: no signal never goes live; too good to be true goes live only
once a person cleared each suspect (recorded on the version) or gave a reason."""

import pytest
from django.core.exceptions import ValidationError

from scoring import selectors, services
from scoring.models import ScoringModel

pytestmark = pytest.mark.django_db

SUSPECT = {
    "column": "lead_quality",
    "status": "suspected",
    "reason": "suspected: recorded after first contact",
}


def _version(trained_model, *, verdict, passed=True, findings=(), signals=("lead_quality", "industry")):
    trained_model.metrics = {**trained_model.metrics, "verdict": verdict, "passed": passed, "auc": 0.95,
                             "signals": list(signals)}  # fmt: skip
    trained_model.leakage_findings = list(findings)
    trained_model.validation_passed = passed and verdict == "deployable"
    trained_model.save()
    return trained_model


def test_a_model_no_better_than_the_base_rate_is_refused_even_with_a_reason(trained_model):
    model = _version(trained_model, verdict="no_better_than_base_rate", passed=False)
    with pytest.raises(services.DeployRefused, match="no better than the base rate"):
        services.model_deploy(model=model, override_reason="ship it", rescore=False)
    assert selectors.model_live(program=model.program) is None


def test_too_good_to_be_true_needs_a_decision_or_a_recorded_reason(trained_model, django_user_model):
    model = _version(trained_model, verdict="too_good_to_be_true", findings=[SUSPECT])
    with pytest.raises(services.DeployRefused, match="clear or confirm lead_quality first"):
        services.model_deploy(model=model, rescore=False)
    ops = django_user_model.objects.create_user("ops-lead")
    services.leakage_decision_record(
        model=model, column="lead_quality", decision="cleared", reason="filled in by the web form", actor=ops
    )
    model.refresh_from_db()
    assert model.leakage_decisions["lead_quality"]["decision"] == "cleared"
    assert model.leakage_decisions["lead_quality"]["by"] == "ops-lead"
    assert model.history.first().history_change_reason == "leakage: lead_quality cleared"
    services.model_deploy(model=model, rescore=False)
    assert ScoringModel.objects.get(pk=model.pk).status == ScoringModel.Status.LIVE


def test_a_column_confirmed_as_leakage_blocks_the_version_that_uses_it(trained_model):
    model = _version(trained_model, verdict="too_good_to_be_true", findings=[SUSPECT])
    services.leakage_decision_record(
        model=model, column="lead_quality", decision="confirmed", reason="set by reps"
    )
    with pytest.raises(services.DeployRefused, match="confirmed as leakage: train a version without it"):
        services.model_deploy(model=model, override_reason="anyway", rescore=False)


def test_a_decision_names_a_screened_column_a_known_decision_and_a_reason(trained_model):
    model = _version(trained_model, verdict="too_good_to_be_true", findings=[SUSPECT])
    with pytest.raises(ValidationError, match="not named by the leakage screen"):
        services.leakage_decision_record(model=model, column="industry", decision="cleared", reason="x")
    with pytest.raises(ValidationError, match="confirmed"):
        services.leakage_decision_record(model=model, column="lead_quality", decision="maybe", reason="x")
    with pytest.raises(ValidationError, match="say why"):
        services.leakage_decision_record(model=model, column="lead_quality", decision="cleared", reason=" ")


def test_the_admin_records_a_decision_on_a_suspect(trained_model, admin_client):
    model = _version(trained_model, verdict="too_good_to_be_true", findings=[SUSPECT])
    changelist = "/admin/scoring/scoringmodel/"
    page = admin_client.post(changelist, {"action": "review_leakage", "_selected_action": [model.pk]})
    assert page.status_code == 200 and b"recorded after first contact" in page.content
    admin_client.post(
        changelist,
        {"action": "review_leakage", "_selected_action": [model.pk], "record": "1", "column": "lead_quality",
         "decision": "cleared", "reason": "asked on the sign-up form"},
    )  # fmt: skip
    model.refresh_from_db()
    assert model.leakage_decisions["lead_quality"]["reason"] == "asked on the sign-up form"


def test_training_records_the_screens_findings_and_never_validates_a_too_good_verdict(trained_model_values):
    assert isinstance(trained_model_values["leakage_findings"], list)
    verdict = trained_model_values["metrics"]["verdict"]
    assert verdict in ("deployable", "misses_targets", "no_better_than_base_rate", "too_good_to_be_true")
    assert trained_model_values["validation_passed"] == (verdict == "deployable")
