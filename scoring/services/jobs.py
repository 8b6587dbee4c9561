"""Progress of long operations, shown in the admin, the settings page and the API's job URL."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from leadscoring.models import Lead

from .. import selectors
from ..models import Job, JobChunk, ScoringModel, ScoringProgram
from .batch import chunk_lead_ids, job_chunks_publish
from .reads import account_ids_of
from .rollup import accounts_rollup
from .scoring import leads_rescore

logger = logging.getLogger(__name__)


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


@dataclass
class ChunkOutcome:
    ran: bool  # False: the chunk had already committed (a redelivered message), nothing was done
    job_complete: bool = False


def job_chunk_start(*, chunk_id: int, worker: str = "") -> bool:
    """Note that a worker took the chunk (committed at once, so the reaper sees who holds it);
    False when it is already done or gone."""
    with transaction.atomic():
        chunk = JobChunk.objects.select_for_update().filter(pk=chunk_id).first()
        if chunk is None or chunk.done_at is not None:
            return False
        JobChunk.objects.filter(pk=chunk.pk).update(
            started_at=timezone.now(), worker=worker[:255], attempts=F("attempts") + 1
        )
        Job.objects.filter(pk=chunk.job_id, status=Job.Status.QUEUED).update(status=Job.Status.RUNNING)
    return True


def job_chunk_run(*, chunk_id: int) -> ChunkOutcome:
    """Rescore one chunk of a batch Job, at most once: its decisions and its done mark commit together.

    A message delivered again after the chunk committed (a killed worker's, or one the reaper requeued)
    finds it done and does nothing; one whose first run died before the commit finds it pending and
    redoes it. Two deliveries at once queue on the chunk's row lock. Account roll-ups wait for the Job's
    last chunk (job_batch_finish), so concurrent chunks never upsert the same AccountScore rows.
    """
    with transaction.atomic():
        chunk = JobChunk.objects.select_for_update().select_related("job").filter(pk=chunk_id).first()
        if chunk is None or chunk.done_at is not None:
            return ChunkOutcome(ran=False)
        job = chunk.job
        program = ScoringProgram.objects.get(pk=job.params["program"])
        result = leads_rescore(
            lead_ids=chunk_lead_ids(chunk=chunk),
            trigger=job.params.get("trigger", "batch"),
            program=program,
            rollup_accounts=False,
        )
        if result.errors:
            logger.error(
                "batch Job %s chunk %s: %d leads reported errors, first: %s",
                job.pk,
                chunk.number,
                len(result.errors),
                result.errors[0],
            )
        chunk.done_at = timezone.now()
        chunk.scored, chunk.failed, chunk.skipped = result.scored, result.failed, result.skipped
        chunk.errors = [list(e) for e in result.errors][:100]
        chunk.save(update_fields=["done_at", "scored", "failed", "skipped", "errors"])
        complete = _job_progress_count(job_id=job.pk)
    return ChunkOutcome(ran=True, job_complete=complete)


def _job_progress_count(*, job_id: int) -> bool:
    """Recount the Job's progress from its chunk rows (never past the total); True when all are done."""
    job = Job.objects.select_for_update().get(pk=job_id)
    # Counted after taking the Job's lock: of two chunks finishing together, the later one sees both.
    done = job.chunks.filter(done_at__isnull=False).count()
    job.units_done = min(done, job.units_total)
    job.progress = min(99, job.units_done * 100 // max(1, job.units_total))
    job.message = f"{job.units_done} of {job.units_total} chunks scored"
    if job.status == Job.Status.QUEUED:
        job.status = Job.Status.RUNNING
    job.save(update_fields=["units_done", "progress", "message", "status"])
    return job.units_done >= job.units_total


def job_batch_finish(*, job_id: int) -> Job:
    """Finish a batch Job whose chunks are all done: the account roll-up once, then `succeeded`.
    Idempotent: a finished Job, or one with a chunk still pending, is left as it is."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.status in (Job.Status.SUCCEEDED, Job.Status.FAILED):
            return job
        chunks = list(job.chunks.all())
        if any(c.done_at is None for c in chunks):
            return job
        program = ScoringProgram.objects.get(pk=job.params["program"])
        accounts = _job_accounts(job=job, chunks=chunks)
        if accounts and selectors.model_live(program=program) is not None:
            accounts_rollup(account_ids=accounts, program=program)
        errors = [e for c in chunks for e in c.errors]
        job.result = {
            "scored": sum(c.scored for c in chunks),
            "failed": sum(c.failed for c in chunks),
            "skipped": sum(c.skipped for c in chunks),
            "errors": errors[:100],
            "accounts_rolled_up": len(accounts),
        }
        # Errors (leads that failed, or a chunk that fell back to lead-by-lead scoring) are recorded on
        # the Job; it still succeeded if every chunk committed once.
        job.error = f"{len(errors)} errors while scoring; the first: {errors[0][1]}" if errors else ""
        job.units_done = len(chunks)
        job.status, job.progress, job.finished_at = Job.Status.SUCCEEDED, 100, timezone.now()
        job.message = f"{len(chunks)} of {len(chunks)} chunks scored"
        job.save()
    return job


def _job_accounts(*, job: Job, chunks: list[JobChunk]) -> list[int]:
    if not chunks:
        return []
    if all(c.lead_ids is None for c in chunks):
        # Id ranges: the accounts of every lead in them, in one query.
        return sorted(
            set(
                Lead.objects.filter(
                    id__gte=chunks[0].first_lead_id, id__lte=chunks[-1].last_lead_id, account__isnull=False
                ).values_list("account_id", flat=True)
            )
        )
    lead_ids = [lead_id for c in chunks for lead_id in chunk_lead_ids(chunk=c)]
    return sorted(set(account_ids_of(lead_ids=lead_ids)))


def batch_reap(
    *, alive_workers: set[str] | None, stalled_after: timedelta, started_timeout: timedelta
) -> dict:
    """Requeue the chunks of unfinished batch Jobs that nobody is going to finish, and finish Jobs whose
    chunks are all done. A pending chunk is requeued when the worker that took it no longer answers a
    ping (`alive_workers`; None when unknown), when it was taken longer than `started_timeout` ago (the
    broker's visibility timeout: it would redeliver it now anyway), or, never taken, when its Job has
    shown no activity for `stalled_after` (a lost publish, a broker outage, a message reserved by a
    worker that died before starting it). Requeueing is safe: a chunk runs at most once."""
    now = timezone.now()
    requeued = finished = 0
    jobs = Job.objects.filter(
        kind__in=[Job.Kind.BATCH_SCORE, Job.Kind.RESCORE_ALL],
        status__in=[Job.Status.QUEUED, Job.Status.RUNNING],
    )
    for job in jobs:
        chunks = list(job.chunks.all())
        pending = [c for c in chunks if c.done_at is None]
        if not pending:
            job_batch_finish(job_id=job.pk)
            finished += 1
            continue
        marks = [m for c in chunks for m in (c.published_at, c.started_at, c.done_at) if m]
        stalled = (max(marks) if marks else job.created_at) < now - stalled_after
        lost = {}
        for chunk in pending:
            if chunk.started_at is None:
                reason = "never started, Job stalled" if stalled else ""
            elif alive_workers is not None and chunk.worker not in alive_workers:
                reason = f"worker {chunk.worker!r} vanished"
            elif chunk.started_at < now - started_timeout:
                reason = f"started by {chunk.worker!r} too long ago"
            else:
                reason = ""
            if reason:
                lost[chunk.pk] = (chunk, reason)
        if lost:
            with transaction.atomic():
                requeued += job_chunks_publish(job=job, chunks=[chunk for chunk, _ in lost.values()])
            for chunk, reason in lost.values():
                logger.warning("batch Job %s chunk %s requeued: %s", job.pk, chunk.number, reason)
    return {"requeued": requeued, "finished": finished}
