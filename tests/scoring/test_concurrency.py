"""Concurrent writers must not lose updates: real commits, real threads, the real database."""

import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from leadscoring import services as crm
from leadscoring.demo.loader import demo_load
from leadscoring.models import Lead
from scoring import services
from scoring.models import ScoreSnapshot
from tests.conftest import TRAINING_DEMO


@pytest.mark.django_db(transaction=True)
def test_two_events_arriving_together_are_both_in_the_final_score(trained_model):
    """Concurrent writers: each event commits, then rescoring follows; neither update is lost."""
    demo_load(**TRAINING_DEMO)
    services.model_deploy(model=trained_model, override_reason="test", rescore=False)
    lead = Lead.objects.filter(status="new").order_by("id").first()
    barrier = threading.Barrier(2)
    errors = []

    def send(n):
        try:
            barrier.wait()
            with transaction.atomic():
                crm.event_record(
                    lead=lead,
                    kind="trial_signup",
                    occurred_at=timezone.now(),
                    source="web",
                    external_id=f"race-{n}",
                    rescore=False,
                )
            services.lead_rescore(lead=lead, trigger="event")
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    final = ScoreSnapshot.objects.filter(lead=lead).order_by("-created_at", "-id").first()
    assert final.inputs["trial_signups_90d"] == lead.events.filter(kind="trial_signup").count()
    assert lead.events.filter(external_id__startswith="race-").count() == 2
