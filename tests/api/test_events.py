"""POST events: one or a list, idempotent on (source, external_id), per-item errors, the lead rescored."""

import pytest

from leadscoring.models import ActivityEvent
from scoring.models import OutboxMessage

from .conftest import API, LeadFactory, assert_error

pytestmark = pytest.mark.django_db


def event(lead, external_id="pv-1", **fields):
    return {
        "lead_id": lead.pk,
        "kind": "pricing_page",
        "occurred_at": "2026-03-01T09:30:00Z",
        "source": "web",
        "external_id": external_id,
        **fields,
    }


def test_one_event_is_recorded_and_the_lead_rescored(integration, django_capture_on_commit_callbacks):
    lead = LeadFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        response = integration.post(API + "events", event(lead), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["created"] is True and response.json()["lead_id"] == lead.pk
    assert ActivityEvent.objects.get().kind == "pricing_page"
    assert len(callbacks) == 1  # the rescore, queued for after the commit


def test_a_resent_event_is_a_no_op(integration, django_capture_on_commit_callbacks):
    lead = LeadFactory()
    first = integration.post(API + "events", event(lead), format="json").json()
    with django_capture_on_commit_callbacks() as callbacks:
        again = integration.post(API + "events", event(lead, kind="demo_request"), format="json")
    assert again.status_code == 200
    assert again.json() == {**first, "created": False}
    assert ActivityEvent.objects.count() == 1 and ActivityEvent.objects.get().kind == "pricing_page"
    assert callbacks == []


def test_the_same_external_id_from_another_source_is_another_event(integration):
    lead = LeadFactory()
    integration.post(API + "events", event(lead, source="web"), format="json")
    response = integration.post(API + "events", event(lead, source="marketo"), format="json")
    assert response.status_code == 201 and ActivityEvent.objects.count() == 2


def test_an_event_may_name_its_lead_by_external_id(integration):
    lead = LeadFactory(external_id="CRM-77", source_system="crm")
    payload = event(lead)
    del payload["lead_id"]
    payload["lead_external_id"] = "CRM-77"
    assert integration.post(API + "events", payload, format="json").status_code == 201
    assert ActivityEvent.objects.get().lead == lead


def test_one_invalid_event_is_400_with_field_detail(integration):
    lead = LeadFactory()
    bad = event(lead, kind="telepathy", occurred_at="yesterday", url="x" * 600)
    del bad["external_id"]
    error = assert_error(integration.post(API + "events", bad, format="json"), 400, "validation_error")
    assert set(error["fields"]) == {"kind", "occurred_at", "url", "external_id"}
    unknown = assert_error(integration.post(API + "events", event(lead, lead_id=99999), format="json"), 400)
    assert unknown["fields"] == {"lead_id": ["No such lead."]}


def test_a_list_reports_each_item_and_bad_items_fail_nothing_else(
    integration, django_capture_on_commit_callbacks
):
    lead, other = LeadFactory(), LeadFactory()
    integration.post(API + "events", event(lead, "dup"), format="json")
    items = [
        event(lead, "a"),
        event(lead, "dup"),
        event(lead, "b", kind="nope"),
        event(other, "c", kind="webinar"),
        {"lead_id": 999999, "kind": "webinar", "occurred_at": "2026-03-01T00:00:00Z", "external_id": "d"},
        event(lead, "a"),  # repeated within the same list
    ]
    with django_capture_on_commit_callbacks() as callbacks:
        response = integration.post(API + "events", items, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["received"], body["created"], body["duplicates"], body["failed"]) == (6, 2, 2, 2)
    assert [r["status"] for r in body["results"]] == [
        "created",
        "duplicate",
        "error",
        "created",
        "error",
        "duplicate",
    ]
    assert "kind" in body["results"][2]["errors"]
    assert body["results"][4]["errors"] == {"lead_id": ["No such lead."]}
    assert ActivityEvent.objects.count() == 3
    # One rescore request per lead touched, not per event, and one drain published after the commit.
    waiting = OutboxMessage.objects.filter(topic="scoring.rescore", delivered_at__isnull=True)
    assert sorted(waiting.values_list("key", flat=True)) == sorted([str(lead.pk), str(other.pk)])
    assert [c.__name__ for c in callbacks] == ["_drain_publish"]


def test_a_list_over_the_limit_is_413(integration):
    lead = LeadFactory()
    response = integration.post(API + "events", [event(lead, f"e{i}") for i in range(1001)], format="json")
    assert_error(response, 413, "payload_too_large")
    assert ActivityEvent.objects.count() == 0


@pytest.mark.parametrize("who", ["integration_ro", "rep", "compliance", "anonymous"])
def test_who_may_not_post_events(clients, who):
    lead = LeadFactory()
    response = clients[who].post(API + "events", event(lead), format="json")
    assert_error(response, 401 if who == "anonymous" else 403)
    assert ActivityEvent.objects.count() == 0


def test_ops_may_post_events(ops):
    assert ops.post(API + "events", event(LeadFactory()), format="json").status_code == 201
