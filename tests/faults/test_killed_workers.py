"""A batch survives a SIGKILLed worker: every lead rescored once, the Job done once, nothing duplicated.

Before: the whole worker killed left its chunk in Redis's unacked set for an hour and the Job `running`
at 9/10; the pool child killed (as the OOM killer does) got the message acknowledged and dropped.
"""

from __future__ import annotations

import os
import signal

import pytest
from django.db import transaction
from django.db.models import Count

from leadscoring.demo.loader import demo_load
from leadscoring.models import Lead
from scoring import services, tasks
from scoring.models import Job, JobChunk, LeadScore, ScoreSnapshot
from scoring.services import batch

from .processes import wait_until

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

LEADS = 400


@pytest.fixture
def book(live_model, monkeypatch):
    demo_load(leads=LEADS, seed=7)  # eager and before the broker switch: rescored in-process
    monkeypatch.setattr(batch, "TASK_CHUNK", 50)  # eight chunks: a kill lands mid-Job
    return live_model


def _start_batch() -> Job:
    with transaction.atomic():
        return services.leads_batch_score_start(trigger="batch")


def _chunk_in_flight(job: Job) -> JobChunk | None:
    return JobChunk.objects.filter(job=job, started_at__isnull=False, done_at__isnull=True).first()


def _job_state(job: Job, workers) -> str:
    job.refresh_from_db()
    chunks = list(JobChunk.objects.filter(job=job).values_list("number", "attempts", "worker", "done_at"))
    return f"job {job.pk} {job.status} {job.units_done}/{job.units_total} {job.error!r}\n{chunks}\n{workers.logs()}"


def _assert_rescored_exactly_once(job: Job) -> None:
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert (job.units_done, job.units_total, job.progress) == (8, 8, 100)
    assert JobChunk.objects.filter(job=job, done_at__isnull=True).count() == 0
    # One batch decision per lead: none skipped, none doubled by a redelivered chunk.
    per_lead = ScoreSnapshot.objects.filter(trigger="batch").values("lead_id").annotate(n=Count("id"))
    assert {row["n"] for row in per_lead} == {1}
    assert len(per_lead) == Lead.objects.count() == LEADS
    assert job.result["scored"] == LEADS
    assert LeadScore.objects.filter(scored_at__gte=job.created_at).count() == LEADS


def test_a_whole_worker_killed_mid_chunk_is_replaced_and_its_chunk_redone_once(book, workers):
    first = workers.start("first")
    job = _start_batch()
    wait_until(lambda: _chunk_in_flight(job) is not None, timeout=60, what="a chunk in flight")
    killed = _chunk_in_flight(job)
    workers.kill(first)
    assert JobChunk.objects.get(pk=killed.pk).done_at is None  # its transaction died with the worker
    workers.start("second")
    # Beat's reaper: the chunk's worker no longer answers a ping, so the chunk is requeued now rather
    # than after the broker's visibility timeout.
    reaped = tasks.batch_reap_task.apply().get()
    assert reaped["requeued"] >= 1
    wait_until(
        lambda: Job.objects.get(pk=job.pk).status != Job.Status.RUNNING,
        timeout=120,
        what="the Job to finish",
        diagnosis=lambda: _job_state(job, workers),
    )
    _assert_rescored_exactly_once(job)
    killed.refresh_from_db()
    assert killed.attempts == 2 and killed.worker == "second@faults"


def test_a_pool_child_killed_mid_chunk_gives_the_chunk_back_and_it_is_redone_once(book, workers):
    worker = workers.start("solo")
    job = _start_batch()
    wait_until(lambda: _chunk_in_flight(job) is not None, timeout=60, what="a chunk in flight")
    killed = _chunk_in_flight(job)
    (child,) = workers.pool_children(worker)
    os.kill(child, signal.SIGKILL)  # what the OOM killer does; the worker itself lives on
    wait_until(
        lambda: Job.objects.get(pk=job.pk).status != Job.Status.RUNNING,
        timeout=120,
        what="the Job to finish",
        diagnosis=lambda: _job_state(job, workers),
    )
    assert worker.poll() is None
    _assert_rescored_exactly_once(job)
    killed.refresh_from_db()
    assert killed.attempts == 2  # given back by reject_on_worker_lost, not dropped
