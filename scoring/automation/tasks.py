"""The automation's Celery tasks: thin, each calls one service."""

from __future__ import annotations

from celery import shared_task

from . import services


class MailNotDelivered(Exception):
    """Some notification e-mails failed; the task retries with backoff (the rows say which and why)."""


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(MailNotDelivered,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def notifications_email_task(self) -> int:
    sent, failed = services.notifications_email_pending()
    if failed:
        raise MailNotDelivered(f"{failed} notification e-mail(s) failed, {sent} sent")
    return sent


@shared_task(acks_late=True)
def notifications_sweep_task() -> int:
    """The periodic safety net: e-mails whose publish was lost (a broker outage) or whose retries ran out."""
    sent, _ = services.notifications_email_pending(limit=1000)
    return sent


@shared_task(acks_late=True)
def notifications_digest_task() -> int:
    if not services.notifications_digest_due():
        return 0
    return services.notifications_digest_send()


@shared_task(acks_late=True)
def sla_breaches_task() -> int:
    return services.sla_breaches_record()
