"""The soak, bounded: event clients, a batch rescoring and a training run at once, a worker killed
half-way. Afterwards every event is stored once, no lead skipped, no decision duplicated, and every
current score equals a fresh rescore. bench/faults.py runs the same at a larger size."""

from __future__ import annotations

import pytest

from leadscoring.demo.loader import demo_load

from .soak import SoakPlan, soak_run

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_env():
    # A drain killed with the worker gives its claim back after 5 s instead of 2 minutes.
    return {"OUTBOX_CLAIM_SECONDS": "5"}


@pytest.fixture
def book(live_model, settings):
    demo_load(leads=300, seed=11)  # eager, before the broker switch
    # The reaper (run once a second here, as beat would each minute) requeues a chunk the killed worker
    # had reserved but not started once the Job has been idle 5 s.
    settings.BATCH_STALL_SECONDS = 5
    return live_model


def test_soak_loses_nothing_skips_nothing_and_duplicates_nothing(book, workers, monkeypatch):
    from scoring.services import batch

    monkeypatch.setattr(batch, "TASK_CHUNK", batch.TASK_CHUNK)  # the soak sets it; put it back after
    figures = soak_run(plan=SoakPlan(), workers=workers, redis=workers.redis)
    assert figures["events_sent"] > 0 and figures["request_errors"] == 0, figures
    assert figures["job"] == {"status": "succeeded", "units_done": 6, "units_total": 6}, figures
    assert {
        key: figures[key]
        for key in (
            "events_duplicated",
            "events_lost",
            "leads_differing",
            "leads_skipped",
            "decisions_duplicated",
        )
    } == dict.fromkeys(
        ("events_duplicated", "events_lost", "leads_differing", "leads_skipped", "decisions_duplicated"), 0
    ), figures
    assert figures["events_stored"] == figures["events_sent"]
    assert figures["training_errors"] == []
