"""Models (list, create, get, put, train, deploy, rollback, performance, report), config and features."""

import pytest

from scoring import selectors
from scoring.models import Job, ScoringModel, ScoringSettings, Signal, TierDefinition

from .conftest import API, assert_error

pytestmark = pytest.mark.django_db


def trained_version(live_model, *, status="validated", validation_passed=True):
    return ScoringModel.objects.create(
        program=live_model.program,
        name="challenger",
        version=live_model.version + 1,
        status=status,
        artifact_path=live_model.artifact_path,
        artifact_sha256=live_model.artifact_sha256,
        signals=live_model.signals,
        validation_passed=validation_passed,
        report="# Lead scoring model\n",
        metrics={"auc": 0.81},
    )


def test_create_list_and_get_models(ops, integration):
    response = ops.post(API + "models", {"name": "Spring", "model_type": "random_forest"}, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["version"], created["status"], created["program"]) == (1, "draft", "lead-score")
    ops.post(API + "models", {"name": "Summer"}, format="json")
    listed = integration.get(API + "models").json()
    assert [m["name"] for m in listed["results"]] == ["Summer", "Spring"]
    assert [m["name"] for m in ops.get(API + "models?status=draft").json()["results"]] == ["Summer", "Spring"]
    assert ops.get(f"{API}models/{created['id']}").json()["model_type"] == "random_forest"
    assert_error(ops.get(API + "models?status=wild"), 400)


def test_create_model_validation(ops):
    error = assert_error(
        ops.post(API + "models", {"kind": "magic", "guardrails": "none"}, format="json"), 400
    )
    assert set(error["fields"]) == {"name", "kind", "guardrails"}
    assert_error(ops.post(API + "models", {"name": "x", "program": "nope"}, format="json"), 404)


def test_put_model_edits_a_draft_and_keeps_a_trained_version_as_trained(ops):
    model = ops.post(API + "models", {"name": "Spring"}, format="json").json()
    assert_error(ops.put(f"{API}models/{model['id']}", {"name": "x" * 500}, format="json"), 400)
    response = ops.put(f"{API}models/{model['id']}", {"name": "Renamed"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "Renamed"
    ScoringModel.objects.filter(pk=model["id"]).update(status="validated")
    refused = ops.put(f"{API}models/{model['id']}", {"training_options": {"split": "time"}}, format="json")
    assert_error(refused, 400)
    assert "training_options" in refused.json()["error"]["fields"]


def test_train_answers_202_with_a_job_url(ops):
    model = ops.post(API + "models", {"name": "Spring"}, format="json").json()
    response = ops.post(f"{API}models/{model['id']}/train")
    assert response.status_code == 202, response.content
    job = Job.objects.get()
    assert response.json()["job_url"] == f"/api/v1/leadscoring/jobs/{job.pk}"
    assert job.kind == "train" and job.model_id == model["id"]
    assert ScoringModel.objects.get().status == "training"
    assert_error(ops.post(f"{API}models/{model['id']}/train"), 409)


def test_deploy_then_roll_back(ops, live_model):
    challenger = trained_version(live_model)
    response = ops.post(f"{API}models/{challenger.pk}/deploy", {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "live"
    assert selectors.model_live(program=live_model.program) == challenger
    rolled = ops.post(f"{API}models/{challenger.pk}/rollback")
    assert rolled.status_code == 200 and rolled.json()["id"] == live_model.pk
    assert_error(ops.post(f"{API}models/{challenger.pk}/rollback"), 409)


def test_deploy_refuses_a_failed_version_without_a_reason(ops, live_model):
    weak = trained_version(live_model, status="trained", validation_passed=False)
    error = assert_error(ops.post(f"{API}models/{weak.pk}/deploy", {}, format="json"), 409, "conflict")
    assert "override_reason" in error["message"]
    ok = ops.post(f"{API}models/{weak.pk}/deploy", {"override_reason": "pilot in one region"}, format="json")
    assert ok.status_code == 200


def test_deploy_an_untrained_version_is_409(ops):
    model = ops.post(API + "models", {"name": "Spring"}, format="json").json()
    assert_error(ops.post(f"{API}models/{model['id']}/deploy", {}, format="json"), 409)


def test_performance_and_report(compliance, live_model):
    perf = compliance.get(f"{API}models/{live_model.pk}/performance").json()
    assert perf["metrics"] == live_model.metrics and perf["version"] == live_model.version
    report = compliance.get(f"{API}models/{live_model.pk}/report").json()
    assert report["markdown"] == live_model.report and report["filename"] == "lead-scoring-model.md"


def test_report_of_an_untrained_version_is_404(ops):
    model = ops.post(API + "models", {"name": "Spring"}, format="json").json()
    assert_error(ops.get(f"{API}models/{model['id']}/report"), 404)


@pytest.mark.parametrize(
    ("who", "method", "path"),
    [
        ("rep", "get", "models"),
        ("integration", "post", "models"),
        ("compliance", "post", "models"),
        ("integration", "post", "models/{id}/train"),
        ("integration", "post", "models/{id}/deploy"),
        ("compliance", "post", "models/{id}/rollback"),
        ("rep", "get", "models/{id}/report"),
    ],
)
def test_who_may_not_manage_models(clients, ops, who, method, path):
    model = ops.post(API + "models", {"name": "Spring"}, format="json").json()
    response = getattr(clients[who], method)(API + path.format(id=model["id"]), {}, format="json")
    assert_error(response, 403, "permission_denied")


def test_config_reads_thresholds_cadences_and_the_stale_rule(integration):
    body = integration.get(API + "config").json()
    assert [t["name"] for t in body["tiers"]] == ["Hot", "Warm", "Cool", "Cold"]
    assert body["tiers"][0]["cadence_days"] == 1 and body["settings"]["stale_after_days"] == 45


def test_config_update_changes_only_what_is_given_with_history(ops, ops_user):
    payload = {
        "tiers": [{"name": "Warm", "lower_bound": 78}, {"name": "Hot", "lower_bound": 85, "sla_hours": 2}],
        "settings": {"stale_after_days": 30},
    }
    response = ops.put(API + "config", payload, format="json")
    assert response.status_code == 200, response.content
    hot = TierDefinition.objects.get(name="Hot")
    assert (hot.lower_bound, hot.sla_hours, hot.cadence_days) == (85, 2, 1)
    assert TierDefinition.objects.get(name="Warm").lower_bound == 78
    assert ScoringSettings.load().stale_after_days == 30
    assert hot.history.first().history_user == ops_user


def test_config_update_validation(ops):
    error = assert_error(
        ops.put(
            API + "config",
            {"tiers": [{"name": "Hot", "lower_bound": 120}], "settings": {"hysteresis": -1}},
            format="json",
        ),
        400,
    )
    assert set(error["fields"]) == {"tiers.0.lower_bound", "settings.hysteresis"}
    assert_error(
        ops.put(API + "config", {"tiers": [{"name": "Lukewarm", "lower_bound": 10}]}, format="json"), 400
    )
    # Warm above Hot breaks the order: refused, nothing changed.
    assert_error(
        ops.put(API + "config", {"tiers": [{"name": "Warm", "lower_bound": 90}]}, format="json"), 400
    )
    assert TierDefinition.objects.get(name="Warm").lower_bound == 50


@pytest.mark.parametrize("who", ["rep", "integration", "compliance"])
def test_who_may_not_change_config(clients, who):
    assert_error(clients[who].put(API + "config", {"settings": {"stale_after_days": 1}}, format="json"), 403)
    assert ScoringSettings.load().stale_after_days == 45


def test_rep_may_not_read_config(rep):
    assert_error(rep.get(API + "config"), 403)


def test_features_list_create_update(ops, integration):
    listed = integration.get(API + "features?page_size=100").json()
    assert listed["count"] == Signal.objects.count() > 10
    payload = {
        "key": "case_studies_90d",
        "name": "Case studies (90 days)",
        "dimension": "engagement",
        "value_type": "numerical",
        "source": "event",
        "event_kind": "content_download",
        "transformation": "count",
        "window_days": 90,
    }
    created = ops.post(API + "features", payload, format="json")
    assert created.status_code == 201, created.content
    signal_id = created.json()["id"]
    updated = ops.put(f"{API}features/{signal_id}", {"weight": 1.5, "active": False}, format="json")
    assert updated.status_code == 200 and updated.json()["weight"] == 1.5
    assert Signal.objects.get(pk=signal_id).active is False
    assert integration.get(API + "features?active=false").json()["count"] == 1


def test_feature_validation_and_refusals(ops, integration, rep):
    error = assert_error(
        ops.post(API + "features", {"key": "has space", "dimension": "mood"}, format="json"), 400
    )
    assert {"key", "dimension", "name", "value_type", "source"} <= set(error["fields"])
    signal = Signal.objects.first()
    assert_error(ops.put(f"{API}features/{signal.pk}", {"points": 10**9}, format="json"), 400)
    assert_error(integration.put(f"{API}features/{signal.pk}", {"points": 1}, format="json"), 403)
    assert_error(rep.get(API + "features"), 403)
    assert_error(ops.put(f"{API}features/9999999", {"points": 1}, format="json"), 404)
