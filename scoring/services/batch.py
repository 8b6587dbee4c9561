"""Batch rescoring: fanned out over workers in chunks, each chunk one task."""

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
