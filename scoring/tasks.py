"""Celery tasks: thin, each calls one service."""

from __future__ import annotations

from datetime import timedelta

from celery import current_app, shared_task
from django.conf import settings

from leadscoring.models import Lead

from . import services
from .integrations import outbox
from .models import Job, JobChunk


@shared_task(acks_late=True)
def lead_rescore_task(lead_id: int, trigger: str) -> int:
    # Nothing publishes this any more (rescore requests go through the outbox); it stays one release so
    # that messages a broker still holds from before the upgrade are run, not refused as unknown tasks.
    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is None:
        return 0
    return 1 if services.lead_rescore(lead=lead, trigger=trigger) else 0


@shared_task(acks_late=True)
def model_train_task(job_id: int) -> str:
    job = Job.objects.select_related("model").get(pk=job_id)
    try:
        model = services.model_train(model=job.model, job=job)
    except Exception as exc:
        services.job_finish(job=job, error=f"{type(exc).__name__}: {exc}")
        return "failed"
    services.job_finish(job=job, result={"model": model.pk, "status": model.status, "metrics": model.metrics})
    return model.status


@shared_task(bind=True, acks_late=True)
def rescore_chunk_task(self, chunk_id: int) -> bool:
    """One chunk of a batch Job, named by its id: the leads are in the chunk's row, not the message."""
    if not services.job_chunk_start(chunk_id=chunk_id, worker=self.request.hostname or ""):
        return False
    outcome = services.job_chunk_run(chunk_id=chunk_id)
    if outcome.job_complete:
        services.job_batch_finish(job_id=JobChunk.objects.get(pk=chunk_id).job_id)
    return outcome.ran


@shared_task(acks_late=True)
def batch_score_task(job_id: int) -> int:
    job = Job.objects.get(pk=job_id)
    if not job.units_total:
        services.job_batch_finish(job_id=job_id)
        return 0
    return services.job_chunks_publish(job=job)


@shared_task
def batch_reap_task() -> dict:
    """Beat: requeue chunks of batch Jobs whose worker vanished or that stalled."""
    if current_app.conf.task_always_eager:
        alive = None  # in-process: no worker to vanish
    else:
        alive = {name for reply in current_app.control.ping(timeout=1.0) for name in reply}
    return services.batch_reap(
        alive_workers=alive,
        stalled_after=timedelta(seconds=settings.BATCH_STALL_SECONDS),
        started_timeout=timedelta(seconds=settings.CELERY_VISIBILITY_TIMEOUT),
    )


@shared_task(acks_late=True)
def outbox_drain_task() -> int:
    """Published after each commit that put outbox messages: deliver what waits."""
    return outbox.outbox_drain()


@shared_task
def outbox_sweep_task() -> int:
    """Beat: deliver outbox messages whose publish failed (a broker outage) or whose drain died."""
    return outbox.outbox_sweep()


@shared_task
def cadence_rescore_task() -> int:
    return services.leads_rescore_on_cadence().scored


@shared_task
def stale_downgrade_task() -> int:
    return services.leads_stale_downgrade()
