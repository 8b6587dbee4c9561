"""Celery tasks: thin, each calls one service."""

from __future__ import annotations

from celery import shared_task

from leadscoring.models import Lead

from . import services
from .models import Job, ScoringProgram


@shared_task(acks_late=True)
def lead_rescore_task(lead_id: int, trigger: str) -> int:
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


@shared_task(acks_late=True)
def rescore_chunk_task(job_id: int, lead_ids: list[int], program_id: int, trigger: str) -> dict:
    program = ScoringProgram.objects.get(pk=program_id)
    result = services.leads_rescore(lead_ids=lead_ids, trigger=trigger, program=program)
    services.job_chunk_done(job_id=job_id, scored=result.scored, failed=result.failed, errors=result.errors)
    return {"scored": result.scored, "failed": result.failed}


@shared_task(acks_late=True)
def batch_score_task(job_id: int, chunks: list[list[int]], program_id: int, trigger: str) -> int:
    if not chunks:
        services.job_finish(job=Job.objects.get(pk=job_id), result={"scored": 0, "failed": 0})
        return 0
    for chunk in chunks:
        rescore_chunk_task.delay(job_id, chunk, program_id, trigger)
    return len(chunks)


@shared_task
def cadence_rescore_task() -> int:
    return services.leads_rescore_on_cadence().scored


@shared_task
def stale_downgrade_task() -> int:
    return services.leads_stale_downgrade()
