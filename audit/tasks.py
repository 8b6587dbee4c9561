"""Celery tasks: thin, each calls one service."""

from __future__ import annotations

from celery import shared_task

from .services.decision_log import decision_log_seal
from .services.retention import retention_apply


@shared_task(acks_late=True)
def decision_log_seal_task() -> int:
    return decision_log_seal()


@shared_task(acks_late=True)
def retention_apply_task() -> dict:
    return retention_apply(dry_run=False).counts
