"""The outbox: one row per thing that must happen after a commit, written in the commit's transaction."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class OutboxMessage(models.Model):
    """A request to deliver something (a rescore, a webhook, a CRM write) once its transaction commits.

    One row per (topic, key): putting a message whose key is already waiting updates that row instead of
    adding one, so a burst of requests for one lead is one delivery. `token` changes on every put; a
    delivery marks the row delivered only if its token is still the one it claimed, so a request that
    arrived while it was being delivered is delivered again, never lost. Delivery is at least once:
    `token` is the idempotency key a receiver can de-duplicate on.
    """

    topic = models.CharField(max_length=64)
    key = models.CharField(max_length=255, help_text="What coalesces: a lead id, a webhook event id.")
    payload = models.JSONField(default=dict, blank=True)
    token = models.UUIDField(default=uuid.uuid4, help_text="Changes on every put; the idempotency key.")
    requested_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(default=timezone.now, help_text="Not delivered before.")
    claimed_until = models.DateTimeField(null=True, blank=True, help_text="A drain is delivering it.")
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "key"], name="outbox_unique_topic_key")]
        indexes = [
            models.Index(
                fields=["available_at"],
                name="outbox_pending",
                condition=models.Q(delivered_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.key}: {'delivered' if self.delivered_at else 'pending'}"
