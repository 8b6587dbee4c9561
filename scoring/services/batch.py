"""Queueing rescoring: one lead as its own task, many as a batch fanned out over workers in chunks.

Both write nothing outside the caller's transaction and publish only after its commit, so a worker never
looks for a lead (or a Job) that is not there yet, and a rolled-back change queues nothing.
"""

from __future__ import annotations

from django.db import transaction

from leadscoring.models import Lead

from .. import selectors
from ..models import Job, ScoringProgram

TASK_CHUNK = 2000


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
    ids = (
        sorted(set(lead_ids))
        if lead_ids is not None
        else list(Lead.objects.order_by("id").values_list("id", flat=True))
    )
    chunks = [ids[i : i + TASK_CHUNK] for i in range(0, len(ids), TASK_CHUNK)]
    job = Job.objects.create(
        kind=Job.Kind.BATCH_SCORE if lead_ids is not None else Job.Kind.RESCORE_ALL,
        created_by=actor,
        units_total=len(chunks),
        params={"leads": len(ids), "program": program.pk, "trigger": trigger},
    )
    transaction.on_commit(lambda: batch_score_task.delay(job.pk, chunks, program.pk, trigger))
    return job


def leads_rescore_queue(*, lead_ids: list[int], trigger: str) -> None:
    """Queue one rescoring task per lead, each published after the commit."""
    from ..tasks import lead_rescore_task

    for lead_id in lead_ids:
        # Bind the id now: the callbacks run after the loop has moved on.
        transaction.on_commit(lambda lead_id=lead_id: lead_rescore_task.delay(lead_id, trigger))
