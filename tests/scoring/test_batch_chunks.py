"""Batch Jobs of stored chunks: each chunk runs at most once, progress counts chunk rows, the reaper
requeues what nobody will finish. (The real killed-worker runs are in tests/faults.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from leadscoring.models import Lead
from scoring import services
from scoring.models import AccountScore, Job, JobChunk, ScoreSnapshot
from scoring.services import batch
from scoring.services import scoring as scoring_module

pytestmark = pytest.mark.django_db

LEASES = {"stalled_after": timedelta(minutes=1), "started_timeout": timedelta(minutes=5)}


@pytest.fixture
def book(live_model, monkeypatch):
    from leadscoring.demo.loader import demo_load

    demo_load(leads=120, seed=4)
    monkeypatch.setattr(batch, "TASK_CHUNK", 50)  # 120 leads: chunks of 50, 50 and 20
    return live_model


def _queued_job(**kwargs) -> Job:
    """A batch Job whose chunks are written but not run (the publish is left uncalled)."""
    with transaction.atomic():
        return services.leads_batch_score_start(**kwargs)


def test_all_leads_are_cut_into_id_ranges_and_a_list_into_stored_ids(book):
    ids = list(Lead.objects.order_by("id").values_list("id", flat=True))
    job = _queued_job(trigger="batch")
    ranges = list(job.chunks.values_list("first_lead_id", "last_lead_id", "lead_ids"))
    assert ranges == [(ids[0], ids[50] - 1, None), (ids[50], ids[100] - 1, None), (ids[100], ids[-1], None)]
    assert job.units_total == 3 and job.params["leads"] == 120
    picked = _queued_job(lead_ids=ids[:7])
    assert list(picked.chunks.values_list("lead_ids", flat=True)) == [ids[:7]]


def test_a_redelivered_chunk_that_committed_is_a_no_op_and_progress_never_passes_the_total(book):
    job = _queued_job(trigger="batch")
    first, second, third = job.chunks.all()
    assert services.job_chunk_run(chunk_id=first.pk).ran
    # The same message again (a redelivery after a kill, or the reaper's requeue): nothing happens.
    assert services.job_chunk_run(chunk_id=first.pk).ran is False
    job.refresh_from_db()
    assert (job.units_done, job.status, job.progress) == (1, Job.Status.RUNNING, 33)
    assert ScoreSnapshot.objects.filter(trigger="batch").count() == 50
    assert services.job_chunk_run(chunk_id=second.pk).ran
    outcome = services.job_chunk_run(chunk_id=third.pk)
    assert outcome.ran and outcome.job_complete
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING  # the account roll-up still to do
    services.job_batch_finish(job_id=job.pk)
    services.job_batch_finish(job_id=job.pk)  # a second finish changes nothing
    job.refresh_from_db()
    assert (job.units_done, job.units_total, job.progress, job.status) == (3, 3, 100, Job.Status.SUCCEEDED)
    assert job.result["scored"] == 120 and job.error == ""
    per_lead = ScoreSnapshot.objects.filter(trigger="batch").values("lead_id").annotate(n=Count("id"))
    assert len(per_lead) == 120 and {row["n"] for row in per_lead} == {1}
    # The roll-up ran once, at the end, for every account of the book.
    accounts = set(Lead.objects.filter(account__isnull=False).values_list("account_id", flat=True))
    assert set(AccountScore.objects.values_list("account_id", flat=True)) == accounts
    assert job.result["accounts_rolled_up"] == len(accounts)


def test_a_chunk_that_falls_back_to_lead_by_lead_is_logged_and_recorded_on_the_job(book, monkeypatch, caplog):
    real = scoring_module.engine_batch

    def engine_batch(*, model, frame):
        # Fault injection: scoring a whole chunk fails; one lead at a time works.
        if len(frame) > 1:
            raise RuntimeError("deadlock detected")
        return real(model=model, frame=frame)

    monkeypatch.setattr(scoring_module, "engine_batch", engine_batch)
    job = _queued_job(lead_ids=list(Lead.objects.order_by("id").values_list("id", flat=True)[:5]))
    (chunk,) = job.chunks.all()
    services.job_chunk_run(chunk_id=chunk.pk)
    job = services.job_batch_finish(job_id=job.pk)
    assert job.status == Job.Status.SUCCEEDED and job.result["scored"] == 5
    assert "scored lead by lead" in job.error and "deadlock detected" in job.error
    assert any("lead by lead" in record.getMessage() for record in caplog.records)


def test_the_reaper_requeues_a_vanished_workers_chunk_and_a_stalled_job_and_finishes_a_done_one(
    book, django_capture_on_commit_callbacks
):
    job = _queued_job(trigger="batch")
    first, second, third = job.chunks.all()
    services.job_chunk_start(chunk_id=first.pk, worker="gone@host")
    services.job_chunk_start(chunk_id=second.pk, worker="alive@host")
    JobChunk.objects.filter(pk__in=[first.pk, second.pk, third.pk]).update(published_at=timezone.now())
    with django_capture_on_commit_callbacks() as callbacks:
        result = services.batch_reap(alive_workers={"alive@host"}, **LEASES)
    assert result == {"requeued": 1, "finished": 0}  # only the chunk of the worker that vanished
    assert len(callbacks) == 1
    # Nothing has moved for longer than the lease (a lost publish, a broker outage): every pending chunk.
    # The first two were taken an hour ago by workers still alive (stuck); the third never started.
    JobChunk.objects.filter(job=job).update(
        published_at=timezone.now() - timedelta(hours=1), started_at=timezone.now() - timedelta(hours=1)
    )
    JobChunk.objects.filter(pk=third.pk).update(started_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.batch_reap(alive_workers={"alive@host", "gone@host"}, **LEASES)
    assert result["requeued"] == 3
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.result["scored"] == 120  # eager: requeued and run


def test_a_job_whose_last_chunk_committed_but_was_not_finished_is_finished_by_the_reaper(book):
    job = _queued_job(trigger="batch")
    for chunk in job.chunks.all():
        services.job_chunk_run(chunk_id=chunk.pk)  # the worker died before job_batch_finish
    assert services.batch_reap(alive_workers=None, **LEASES)["finished"] == 1
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.progress == 100
