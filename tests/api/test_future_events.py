"""An event dated further ahead than EVENT_FUTURE_SKEW_HOURS is refused by the API, the service and imports."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from leadscoring import services
from leadscoring.models import ActivityEvent

from .conftest import API, LeadFactory, assert_error

pytestmark = pytest.mark.django_db


def event(lead, occurred_at, external_id="e-1"):
    return {
        "lead_id": lead.pk,
        "kind": "pricing_page",
        "occurred_at": occurred_at,
        "source": "web",
        "external_id": external_id,
    }


def test_an_event_dated_2099_is_400_naming_occurred_at(integration):
    lead = LeadFactory()
    error = assert_error(
        integration.post(API + "events", event(lead, "2099-01-01T00:00:00Z"), format="json"), 400
    )
    assert list(error["fields"]) == ["occurred_at"]
    assert "in the future" in error["fields"]["occurred_at"][0]
    assert "24 hours" in error["fields"]["occurred_at"][0]
    assert not ActivityEvent.objects.exists()


def test_within_the_skew_is_accepted_beyond_it_refused(integration, settings):
    settings.EVENT_FUTURE_SKEW_HOURS = 2
    lead = LeadFactory()
    soon = (timezone.now() + timedelta(hours=1)).isoformat()
    later = (timezone.now() + timedelta(hours=3)).isoformat()
    assert integration.post(API + "events", event(lead, soon), format="json").status_code == 201
    error = assert_error(integration.post(API + "events", event(lead, later, "e-2"), format="json"), 400)
    assert "2 hours" in error["fields"]["occurred_at"][0]


def test_a_list_reports_the_future_item_and_keeps_the_others(integration):
    lead = LeadFactory()
    items = [event(lead, "2026-01-01T00:00:00Z", "ok"), event(lead, "2099-01-01T00:00:00Z", "bad")]
    response = integration.post(API + "events", items, format="json")
    body = response.json()
    assert [item["status"] for item in body["results"]] == ["created", "error"], body
    assert "occurred_at" in str(body["results"][1])
    assert list(ActivityEvent.objects.values_list("external_id", flat=True)) == ["ok"]


def test_the_service_refuses_it_too():
    lead = LeadFactory()
    with pytest.raises(ValidationError) as caught:
        services.event_record(
            lead=lead,
            kind="pricing_page",
            occurred_at=timezone.now() + timedelta(days=2),
            source="web",
            external_id="svc",
        )
    assert "occurred_at" in caught.value.message_dict
