"""The outbox: rows in the change's transaction, coalesced per key, delivered at least once, never lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from leadscoring import services as crm
from leadscoring.models import Lead
from scoring.integrations import outbox
from scoring.models import OutboxMessage, ScoreSnapshot

pytestmark = pytest.mark.django_db

TOPIC = "tests.outbox"


@pytest.fixture
def delivered(monkeypatch):
    """A handler for a test topic that records what it was given."""
    calls: list[list[str]] = []
    monkeypatch.setitem(
        outbox.HANDLERS, TOPIC, lambda messages: calls.append(sorted(m.key for m in messages))
    )
    return calls


def test_puts_of_one_key_are_one_message_delivered_once(delivered):
    for _ in range(3):
        outbox.outbox_put(topic=TOPIC, keys=[7, 8], payload={"n": 1})
    assert OutboxMessage.objects.filter(topic=TOPIC).count() == 2
    assert outbox.outbox_drain() == 2
    assert delivered == [["7", "8"]]
    assert outbox.outbox_drain() == 0  # delivered is delivered


def test_a_message_put_again_during_its_delivery_stays_waiting(delivered, monkeypatch):
    def deliver_and_meanwhile_put_again(messages):
        delivered.append([m.key for m in messages])
        outbox.outbox_put(topic=TOPIC, keys=[7])  # an event arrived while the rescore ran

    monkeypatch.setitem(outbox.HANDLERS, TOPIC, deliver_and_meanwhile_put_again)
    outbox.outbox_put(topic=TOPIC, keys=[7])
    assert outbox.outbox_drain() == 0  # not marked delivered: its token changed
    assert OutboxMessage.objects.get(topic=TOPIC).delivered_at is None
    outbox.outbox_drain()
    assert delivered == [["7"], ["7"]]


def test_a_failed_delivery_waits_with_backoff_and_the_sweep_delivers_it_later(delivered, monkeypatch):
    monkeypatch.setitem(outbox.HANDLERS, TOPIC, lambda messages: 1 / 0)
    outbox.outbox_put(topic=TOPIC, keys=[1])
    assert outbox.outbox_drain() == 0
    message = OutboxMessage.objects.get(topic=TOPIC)
    assert message.attempts == 1 and "ZeroDivisionError" in message.last_error
    assert message.available_at > timezone.now()  # 2 s later, then 4, 8, ... up to an hour
    OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now() - timedelta(seconds=1))
    monkeypatch.setitem(outbox.HANDLERS, TOPIC, lambda messages: delivered.append([m.key for m in messages]))
    assert outbox.outbox_sweep() == 1
    assert delivered == [["1"]]


def test_a_rolled_back_change_leaves_no_message(delivered):
    with transaction.atomic():
        outbox.outbox_put(topic=TOPIC, keys=[1])
        transaction.set_rollback(True)
    assert not OutboxMessage.objects.exists()


def _event(lead: Lead, n: int) -> dict:
    return {
        "lead": lead,
        "kind": "pricing_page",
        "occurred_at": timezone.now() - timedelta(minutes=n),
        "source": "web",
        "external_id": f"burst-{n}",
    }


def test_ten_events_in_one_request_cost_one_rescore(live_model, django_capture_on_commit_callbacks):
    lead = Lead.objects.create(external_id="BURST-1")
    with django_capture_on_commit_callbacks(execute=True):
        crm.events_record(events=[_event(lead, n) for n in range(10)])
    assert lead.events.count() == 10
    assert ScoreSnapshot.objects.filter(lead=lead, trigger="event").count() == 1


def test_ten_requests_within_the_drain_delay_cost_one_rescore(live_model, django_capture_on_commit_callbacks):
    lead = Lead.objects.create(external_id="BURST-2")
    drains = []
    for n in range(10):
        # Ten requests, each its own transaction; their drains run OUTBOX_DRAIN_DELAY (1 s) later.
        with django_capture_on_commit_callbacks() as callbacks:
            crm.event_record(lead=lead, **{k: v for k, v in _event(lead, n).items() if k != "lead"})
        drains.extend(callbacks)
    assert len(drains) == 10
    for drain in drains:
        drain()
    assert ScoreSnapshot.objects.filter(lead=lead, trigger="event").count() == 1
