"""Redis down while events arrive: each request still succeeds, its event is stored, and once Redis is
back every event is scored. Before: each request hung about 19 s, then HTTP 500 although the event was
stored; none of those events was ever scored, and the requests queued before the outage vanished with
Redis."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from leadscoring.demo.loader import demo_load
from leadscoring.models import ActivityEvent, Lead
from scoring import tasks
from scoring.models import OutboxMessage, ScoreSnapshot
from tests.api.conftest import API, key_client

from .processes import wait_until

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def _event(lead: Lead, n: int) -> dict:
    return {
        "lead_id": lead.pk,
        "kind": "pricing_page",
        "occurred_at": (timezone.now() - timedelta(minutes=5)).isoformat(),
        "source": "web",
        "external_id": f"outage-{n}",
    }


def _scored_after_event(lead_ids: list[int]) -> set[int]:
    """The leads whose newest decision was made for an event and after their newest event arrived."""
    done = set()
    for lead_id in lead_ids:
        newest_event = ActivityEvent.objects.filter(lead_id=lead_id).order_by("-created_at").first()
        decision = (
            ScoreSnapshot.objects.filter(lead_id=lead_id, trigger="event").order_by("-created_at").first()
        )
        if decision and newest_event and decision.created_at >= newest_event.created_at:
            done.add(lead_id)
    return done


def test_events_sent_while_redis_is_down_are_stored_answered_and_scored_once_it_is_back(
    live_model, broker, workers
):
    demo_load(leads=40, seed=3)
    client, _, _ = key_client("read_write")
    leads = list(Lead.objects.order_by("id")[:6])
    # Three events while Redis is up but no worker runs: their drains wait in Redis...
    for n, lead in enumerate(leads[:3]):
        assert client.post(API + "events", _event(lead, n), format="json").status_code == 201
    # ...and vanish with it (no persistence, as a crashed Redis loses what it held in memory).
    broker.stop()
    for n, lead in enumerate(leads[3:], start=3):
        response = client.post(API + "events", _event(lead, n), format="json")
        assert response.status_code == 201, response.content
        assert response.json()["created"] is True
    assert ActivityEvent.objects.filter(external_id__startswith="outage-").count() == 6
    waiting = OutboxMessage.objects.filter(topic="scoring.rescore", delivered_at__isnull=True)
    assert set(waiting.values_list("key", flat=True)) >= {str(lead.pk) for lead in leads}
    # A retry of an event already stored changes nothing and still answers, broker or not.
    again = client.post(API + "events", _event(leads[3], 3), format="json")
    assert again.status_code == 200 and again.json()["created"] is False

    broker.start()
    workers.start("after-outage")
    tasks.outbox_sweep_task.delay()  # what beat publishes every 30 s
    ids = [lead.pk for lead in leads]
    wait_until(
        lambda: _scored_after_event(ids) == set(ids),
        timeout=60,
        what="every event's lead to be rescored",
        diagnosis=lambda: f"scored: {_scored_after_event(ids)} of {ids}\n{workers.logs()}",
    )
    assert not OutboxMessage.objects.filter(topic="scoring.rescore", delivered_at__isnull=True).exists()
