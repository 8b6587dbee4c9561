"""Through the API, a change is rescored by the live model only once it has committed (eager Celery)."""

import pytest

from leadscoring.models import Lead
from scoring.models import LeadScore, ScoreSnapshot

from .conftest import API, LeadFactory

pytestmark = pytest.mark.django_db


def decisions(lead):
    return list(ScoreSnapshot.objects.filter(lead=lead).order_by("id").values_list("trigger", flat=True))


def test_an_event_post_rescores_its_lead_after_the_commit(
    integration, live_model, django_capture_on_commit_callbacks
):
    lead = LeadFactory()
    item = {
        "lead_id": lead.pk,
        "kind": "demo_request",
        "occurred_at": "2026-03-01T09:30:00Z",
        "source": "web",
        "external_id": "demo-1",
    }
    with django_capture_on_commit_callbacks() as callbacks:
        response = integration.post(API + "events", item, format="json")
        assert response.status_code == 201, response.content
    assert decisions(lead) == []  # nothing scored before the commit
    for callback in callbacks:
        callback()
    assert decisions(lead) == ["event"]
    assert LeadScore.objects.get(lead=lead).model == live_model


def test_a_created_then_updated_lead_is_rescored_with_each_trigger(
    integration, live_model, django_capture_on_commit_callbacks
):
    payload = {"external_id": "HS-7", "source_system": "hubspot", "email": "ada@example.com"}
    with django_capture_on_commit_callbacks(execute=True):
        assert integration.post(API + "leads", payload, format="json").status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        payload["status"] = "qualified"
        assert integration.post(API + "leads", payload, format="json").status_code == 200
    assert decisions(Lead.objects.get(external_id="HS-7")) == ["created", "updated"]
