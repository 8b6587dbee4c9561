"""The outbox: put a message in the caller's transaction; a drain, published after the commit, delivers it.

A broker that is down loses nothing: the row waits, the failed publish is logged, and the sweep (a beat
task) delivers it when the broker is back. Delivery is at least once; the handler of a topic receives a
list of messages, so a burst of requests is delivered together.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)

# A failed delivery waits 2**attempts seconds, at most an hour, before the next try.
BACKOFF_MAX_SECONDS = 3600
DRAIN_LIMIT = 1000
SWEEP_ROUNDS = 50
RETENTION = timedelta(days=7)

Handler = Callable[[list[OutboxMessage]], None]
HANDLERS: dict[str, Handler] = {}


def outbox_handler(topic: str) -> Callable[[Handler], Handler]:
    """Register the function that delivers a topic's messages (it runs outside any transaction)."""

    def register(handler: Handler) -> Handler:
        HANDLERS[topic] = handler
        return handler

    return register


def outbox_put(*, topic: str, keys: list, payload: dict | None = None) -> int:
    """Write one message per key in the caller's transaction; a waiting message of the same key is
    refreshed instead of doubled. The drain is published once the transaction commits."""
    if not keys:
        return 0
    now = timezone.now()
    rows = [
        OutboxMessage(
            topic=topic,
            key=str(key),
            payload=payload or {},
            token=uuid.uuid4(),
            requested_at=now,
            available_at=now,
            claimed_until=None,
            delivered_at=None,
            attempts=0,
            last_error="",
        )
        # One order for every writer: concurrent puts of overlapping keys then never deadlock.
        for key in sorted({str(k) for k in keys})
    ]
    # On PostgreSQL the upsert locks a waiting row until this transaction ends, so a drain skips it
    # (SKIP LOCKED) rather than delivering it before the change that caused it is visible.
    OutboxMessage.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["topic", "key"],
        update_fields=[
            "payload",
            "token",
            "requested_at",
            "available_at",
            "claimed_until",
            "delivered_at",
            "attempts",
            "last_error",
        ],
    )
    # The drain waits for the commit: before it, a worker would not see the rows (or the change).
    transaction.on_commit(_drain_publish)
    return len(rows)


def _drain_publish() -> None:
    from ..tasks import outbox_drain_task

    task_publish(outbox_drain_task, countdown=settings.OUTBOX_DRAIN_DELAY)


def task_publish(task, *args, countdown: float | None = None) -> bool:
    """Publish a Celery task; a broker that is down is logged, never raised: the caller's data is
    committed and the sweep or the reaper publishes again. True when the publish went through."""
    try:
        task.apply_async(args=args, countdown=countdown or None)
    except Exception:
        logger.exception("publishing %s failed; it will be retried by the sweep", task.name)
        return False
    return True


def outbox_drain(*, topics: list[str] | None = None, limit: int = DRAIN_LIMIT) -> int:
    """Deliver the waiting messages (up to `limit`); returns how many were delivered."""
    now = timezone.now()
    with transaction.atomic():
        waiting = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(delivered_at__isnull=True, available_at__lte=now)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        )
        if topics:
            waiting = waiting.filter(topic__in=topics)
        claimed = list(waiting.order_by("id")[:limit])
        # A drain that claimed messages and died is replaced once its claim expires (the sweep).
        lease = timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS)
        OutboxMessage.objects.filter(pk__in=[m.pk for m in claimed]).update(claimed_until=now + lease)
    by_topic: dict[str, list[OutboxMessage]] = defaultdict(list)
    for message in claimed:
        by_topic[message.topic].append(message)
    delivered = 0
    for topic, messages in by_topic.items():
        tokens = [m.token for m in messages]
        handler = HANDLERS.get(topic)
        try:
            if handler is None:
                raise LookupError(f"no outbox handler for topic {topic!r}")
            handler(messages)
        except Exception as exc:
            logger.exception("delivering %d %s messages failed", len(messages), topic)
            _delivery_failed(tokens=tokens, error=f"{type(exc).__name__}: {exc}")
            continue
        with transaction.atomic():
            # A message put again while it was being delivered has a new token: it stays waiting. One
            # being put again right now is locked by that put: skipped, never waited for (waiting
            # deadlocked against puts of several keys).
            mine = list(_unlocked(tokens).values_list("pk", flat=True))
            delivered += OutboxMessage.objects.filter(pk__in=mine, token__in=tokens).update(
                delivered_at=timezone.now(), claimed_until=None, attempts=F("attempts") + 1, last_error=""
            )
    return delivered


def _unlocked(tokens: list):
    return OutboxMessage.objects.select_for_update(skip_locked=True).filter(token__in=tokens)


def _delivery_failed(*, tokens: list, error: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        for message in _unlocked(tokens):
            wait = min(BACKOFF_MAX_SECONDS, 2 ** min(message.attempts + 1, 12))
            OutboxMessage.objects.filter(pk=message.pk).update(
                attempts=F("attempts") + 1,
                last_error=error[:2000],
                available_at=now + timedelta(seconds=wait),
                claimed_until=None,
            )


def outbox_sweep() -> int:
    """Deliver everything waiting (messages whose publish failed, or whose drain died), then forget
    messages delivered more than RETENTION ago; returns how many were delivered."""
    delivered = 0
    for _ in range(SWEEP_ROUNDS):
        count = outbox_drain()
        delivered += count
        if count == 0:
            break
    OutboxMessage.objects.filter(delivered_at__lt=timezone.now() - RETENTION).delete()
    return delivered
