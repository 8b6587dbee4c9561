"""Queueing rescoring: single changes through the outbox, many leads as a batch Job of stored chunks.

Both write only inside the caller's transaction and publish after its commit, so a worker never looks
for a lead (or a Job) that is not there yet, a rolled-back change queues nothing, and a broker that is
down loses nothing (the outbox sweep and the batch reaper publish again).
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from leadscoring.models import Lead

from .. import selectors
from ..integrations.outbox import outbox_handler, outbox_put, task_publish
from ..models import Job, JobChunk, ScoringProgram
from .scoring import leads_rescore

TASK_CHUNK = 2000
RESCORE_TOPIC = "scoring.rescore"


def leads_batch_score_start(
    *,
    lead_ids: list[int] | None = None,
    actor=None,
    trigger: str = "batch",
    program: ScoringProgram | None = None,
) -> Job:
    """Queue rescoring of the given leads (all leads when None) in chunks; returns the Job to poll."""
    from ..tasks import batch_score_task

    program = program or selectors.program_default()
    if lead_ids is None:
        bounds, count = _id_ranges(TASK_CHUNK)
        chunks = [JobChunk(number=n, first_lead_id=lo, last_lead_id=hi) for n, (lo, hi) in enumerate(bounds)]
    else:
        ids = sorted(set(lead_ids))
        count = len(ids)
        chunks = [
            JobChunk(number=n, first_lead_id=part[0], last_lead_id=part[-1], lead_ids=part)
            for n, part in enumerate(ids[i : i + TASK_CHUNK] for i in range(0, len(ids), TASK_CHUNK))
        ]
    job = Job.objects.create(
        kind=Job.Kind.BATCH_SCORE if lead_ids is not None else Job.Kind.RESCORE_ALL,
        created_by=actor,
        units_total=len(chunks),
        params={"leads": count, "program": program.pk, "trigger": trigger},
    )
    for chunk in chunks:
        chunk.job = job
    JobChunk.objects.bulk_create(chunks)
    transaction.on_commit(lambda: task_publish(batch_score_task, job.pk))
    return job


def _id_ranges(size: int) -> tuple[list[tuple[int, int]], int]:
    """Every lead in id order cut into ranges of `size` leads: [(first id, last id)], and the count.
    One query returns every size-th id, so a million leads never come into memory."""
    count = Lead.objects.count()
    if not count:
        return [], 0
    starts = sorted(
        Lead.objects.annotate(position=Window(RowNumber(), order_by=F("id").asc()))
        .filter(position__in=list(range(1, count + 1, size)))
        .values_list("id", flat=True)
    )
    last_id = Lead.objects.order_by("-id").values_list("id", flat=True).first()
    ends = [following - 1 for following in starts[1:]] + [last_id]
    return list(zip(starts, ends, strict=True)), count


def chunk_lead_ids(*, chunk: JobChunk) -> list[int]:
    """The leads a chunk covers, today: its stored list, or the leads now in its id range."""
    if chunk.lead_ids is not None:
        return list(chunk.lead_ids)
    return list(
        Lead.objects.filter(id__gte=chunk.first_lead_id, id__lte=chunk.last_lead_id)
        .order_by("id")
        .values_list("id", flat=True)
    )


def job_chunks_publish(*, job: Job, chunks: list[JobChunk] | None = None) -> int:
    """Publish the Job's pending chunks (or the given ones) after the commit; returns how many."""
    from ..tasks import rescore_chunk_task

    chunks = chunks if chunks is not None else list(job.chunks.filter(done_at__isnull=True))
    if not chunks:
        return 0
    JobChunk.objects.filter(pk__in=[c.pk for c in chunks]).update(published_at=timezone.now())
    ids = [c.pk for c in chunks]
    transaction.on_commit(lambda: [task_publish(rescore_chunk_task, chunk_id) for chunk_id in ids])
    return len(ids)


def leads_rescore_queue(*, lead_ids: list[int], trigger: str) -> None:
    """Ask for these leads to be rescored: one outbox message per lead, written in the caller's
    transaction; requests for a lead still waiting are one rescore."""
    outbox_put(topic=RESCORE_TOPIC, keys=lead_ids, payload={"trigger": trigger})


@outbox_handler(RESCORE_TOPIC)
def rescore_requests_deliver(messages) -> None:
    """Rescore the leads of a drain's rescore requests, grouped by trigger (one set-based call each)."""
    by_trigger: dict[str, list[int]] = defaultdict(list)
    for message in messages:
        by_trigger[message.payload.get("trigger") or "event"].append(int(message.key))
    for trigger, lead_ids in by_trigger.items():
        leads_rescore(lead_ids=lead_ids, trigger=trigger)
