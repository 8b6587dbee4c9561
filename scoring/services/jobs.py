"""Progress of long operations, shown in the admin, the settings page and the API's job URL."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ..models import Job, ScoringModel


def job_progress(*, job: Job | None, model: ScoringModel | None = None, percent: int, message: str) -> None:
    if model is not None:
        ScoringModel.objects.filter(pk=model.pk).update(progress=percent, progress_message=message[:255])
    if job is not None:
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.RUNNING, progress=percent, message=message[:255]
        )


def job_finish(*, job: Job, result: dict | None = None, error: str = "") -> Job:
    job.status = Job.Status.FAILED if error else Job.Status.SUCCEEDED
    job.progress = job.progress if error else 100
    job.result, job.error, job.finished_at = result or {}, error, timezone.now()
    job.save(update_fields=["status", "progress", "result", "error", "finished_at"])
    return job


def job_chunk_done(*, job_id: int, scored: int, failed: int, errors: list) -> Job:
    """Count one finished chunk; chunks finish on many workers at once, so the row is locked."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        job.units_done += 1
        job.progress = min(100, job.units_done * 100 // max(1, job.units_total))
        totals = dict(job.result or {})
        totals["scored"] = totals.get("scored", 0) + scored
        totals["failed"] = totals.get("failed", 0) + failed
        totals["errors"] = (totals.get("errors", []) + [list(e) for e in errors])[:100]
        job.result = totals
        job.status = Job.Status.SUCCEEDED if job.units_done >= job.units_total else Job.Status.RUNNING
        if job.status == Job.Status.SUCCEEDED:
            job.finished_at = timezone.now()
        job.save(update_fields=["units_done", "progress", "result", "status", "finished_at"])
    return job
