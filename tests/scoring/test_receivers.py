"""Scoring's reaction to the CRM's signals: what it queues, what it writes, and that nothing leaves early."""

import pytest
from django.db import transaction
from django.utils import timezone

from leadscoring import services as crm
from leadscoring.importing import leads_import
from leadscoring.models import Lead
from leadscoring.signals import events_recorded, leads_changed
from scoring.models import Job, LeadScore, OutboxMessage, ScoreSnapshot

from ..leadscoring.import_files import csv_write

pytestmark = pytest.mark.django_db


def test_a_bulk_change_writes_its_job_in_the_transaction_and_publishes_after_commit(
    django_capture_on_commit_callbacks,
):
    leads = [Lead.objects.create(external_id=f"L-{n}") for n in range(3)]
    ids = [lead.pk for lead in leads]
    with django_capture_on_commit_callbacks() as callbacks:
        leads_changed.send(sender=Lead, lead_ids=ids, created=True, bulk=True)
        job = Job.objects.get()  # the Job is a row of the change's own transaction
        assert job.params == {"leads": 3, "program": job.params["program"], "trigger": "created"}
        assert job.kind == Job.Kind.BATCH_SCORE and job.status == Job.Status.QUEUED
    assert len(callbacks) == 1  # the publish, waiting for the commit
    with django_capture_on_commit_callbacks(execute=True):
        callbacks[0]()  # the fan-out, which publishes the chunks after its own commit
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED  # no live model: nothing scored, the Job still finishes


def test_events_of_a_bulk_load_are_one_job_too(django_capture_on_commit_callbacks):
    lead = Lead.objects.create(external_id="L-1")
    with django_capture_on_commit_callbacks() as callbacks:
        events_recorded.send(sender=Lead, lead_ids=[lead.pk], bulk=True)
    assert len(callbacks) == 1
    assert Job.objects.get().params["trigger"] == "created"


def test_single_changes_are_outbox_rows_one_per_lead_drained_after_commit(django_capture_on_commit_callbacks):
    first, second = Lead.objects.create(external_id="L-1"), Lead.objects.create(external_id="L-2")
    with django_capture_on_commit_callbacks() as callbacks:
        events_recorded.send(sender=Lead, lead_ids=[first.pk, second.pk], bulk=False)
        leads_changed.send(sender=Lead, lead_ids=[first.pk], created=False, bulk=False)
        # The requests are rows of the change's own transaction; the first lead's two are one row.
        waiting = dict(OutboxMessage.objects.filter(topic="scoring.rescore").values_list("key", "payload"))
        assert waiting == {str(first.pk): {"trigger": "updated"}, str(second.pk): {"trigger": "event"}}
    assert {c.__name__ for c in callbacks} == {"_drain_publish"}  # drains, published after the commit
    assert not Job.objects.exists()


def test_a_change_that_rolls_back_queues_and_writes_nothing(tmp_path, django_capture_on_commit_callbacks):
    path = csv_write(tmp_path / "l.csv", ["external_id", "email"], [["L-9", "z@x.com"]])
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        lead, _ = crm.lead_upsert(source_system="api", external_id="A-1", fields={"email": "a@x.com"})
        crm.event_record(
            lead=lead, kind="page_view", occurred_at=timezone.now(), source="web", external_id="e-1"
        )
        leads_import(path=path)
        transaction.set_rollback(True)
    assert callbacks == []
    assert not Job.objects.exists() and not OutboxMessage.objects.exists()
    assert not Lead.objects.exists()
    assert not ScoreSnapshot.objects.exists() and not LeadScore.objects.exists()
