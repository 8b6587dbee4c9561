"""The soak: concurrent event clients, a batch rescoring and a training run, one worker killed half-way.

Shared by tests/faults/test_soak.py (small, bounded) and bench/faults.py (larger). `soak_run` needs a
book with a live model, this process's Celery app pointed at the private Redis, and a Workers pool; it
returns the figures: events sent / stored / duplicated / lost, leads whose current score differs from
a fresh rescore, leads the batch skipped and leads with more than one batch decision.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from .processes import wait_until

PREFIX = "soak-"


@dataclass
class SoakPlan:
    clients: int = 4
    requests_per_client: int = 15
    list_size: int = 5  # every third request sends a list of this many events (the batch form)
    hot_leads: int = 5  # a share of the events lands on these few leads (contention)
    chunk: int = 50
    seed: int = 1
    timeout: float = 120.0


@dataclass
class ClientLog:
    sent: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)


def _client():
    from rest_framework.test import APIClient

    from leadscoring.models import IntegrationKey

    _, raw = IntegrationKey.objects.create_key(name="soak", scope=IntegrationKey.Scope.READ_WRITE)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def _events_client(number: int, plan: SoakPlan, lead_ids: list[int], log: ClientLog, stop: threading.Event):
    from django.core.cache import cache

    rng = random.Random(plan.seed * 1000 + number)
    client = _client()
    hot = lead_ids[: plan.hot_leads]
    try:
        for request in range(plan.requests_per_client):
            if stop.is_set():
                break
            cache.clear()  # the soak measures loss, not the throttle
            size = plan.list_size if request % 3 == 2 else 1
            items = []
            for item in range(size):
                lead_id = rng.choice(hot) if rng.random() < 0.4 else rng.choice(lead_ids)
                external_id = f"{PREFIX}{number}-{request}-{item}"
                items.append(
                    {
                        "lead_id": lead_id,
                        "kind": rng.choice(["pricing_page", "webinar", "email_click"]),
                        "occurred_at": (timezone.now() - timedelta(minutes=rng.randint(1, 600))).isoformat(),
                        "source": "soak",
                        "external_id": external_id,
                    }
                )
            body = items if size > 1 else items[0]
            for attempt in range(2 if rng.random() < 0.2 else 1):  # some clients retry a sent request
                response = client.post("/api/v1/leadscoring/events", body, format="json")
                if response.status_code not in (200, 201):
                    log.errors.append(f"{response.status_code}: {response.content[:200]!r}")
                elif attempt == 0:
                    log.sent.update(item["external_id"] for item in items)
    finally:
        connection.close()


def _fresh_differences(program) -> int:
    """Leads whose current score is not what scoring them now, from scratch, gives (to 0.01 point)."""
    from scoring import selectors
    from scoring.features import lead_signal_frame
    from scoring.models import LeadScore
    from scoring.services.scoring import engine_score

    model = selectors.model_live(program=program)
    current = dict(LeadScore.objects.filter(program=program).values_list("lead_id", "score"))
    ids = sorted(current)
    frame = lead_signal_frame(
        lead_ids=ids, signals=selectors.signals_of_model(model=model), as_of=timezone.now()
    )
    fresh = engine_score(model=model, frame=frame)["score"].round(2)
    return int(sum(1 for lead_id in ids if abs(float(fresh.loc[lead_id]) - current[lead_id]) > 0.011))


def soak_run(*, plan: SoakPlan, workers, redis) -> dict:
    from leadscoring.models import ActivityEvent, Lead
    from scoring import selectors, services, tasks
    from scoring.models import Job, OutboxMessage, ScoreSnapshot
    from scoring.services import batch

    program = selectors.program_default()
    lead_ids = list(Lead.objects.order_by("id").values_list("id", flat=True))
    first = workers.start("soak-a")
    workers.start("soak-b")
    batch.TASK_CHUNK = plan.chunk

    logs = [ClientLog() for _ in range(plan.clients)]
    stop = threading.Event()
    clients = [
        threading.Thread(target=_events_client, args=(n, plan, lead_ids, logs[n], stop), daemon=True)
        for n in range(plan.clients)
    ]
    trainer_errors: list[str] = []

    def train() -> None:
        try:
            candidate = services.model_create(program=program, name="soak", model_type="logistic_regression")
            services.model_train(model=candidate)
        except Exception as exc:  # noqa: BLE001 - reported in the figures, never hidden
            trainer_errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    trainer = threading.Thread(target=train, daemon=True)
    for thread in clients:
        thread.start()
    trainer.start()
    with transaction.atomic():
        job = services.leads_batch_score_start(trigger="batch", program=program)
    started = job.created_at

    def half_done() -> bool:
        job.refresh_from_db()
        return job.units_done * 2 >= job.units_total

    wait_until(half_done, timeout=plan.timeout, what="half the batch", diagnosis=workers.logs)
    workers.kill(first)
    workers.start("soak-c")
    tasks.batch_reap_task.apply()  # beat's reaper: soak-a no longer answers

    for thread in clients:
        thread.join(timeout=plan.timeout)
    trainer.join(timeout=plan.timeout)
    stop.set()

    def job_finished() -> bool:
        tasks.batch_reap_task.apply()  # beat's reaper, here once a second
        return Job.objects.get(pk=job.pk).status in (Job.Status.SUCCEEDED, Job.Status.FAILED)

    wait_until(job_finished, timeout=plan.timeout, what="the batch Job", diagnosis=workers.logs, every=1.0)

    def outbox_empty() -> bool:
        tasks.outbox_sweep_task.delay()  # what beat does every 30 s
        return not OutboxMessage.objects.filter(delivered_at__isnull=True).exists()

    wait_until(
        outbox_empty, timeout=plan.timeout, what="the outbox to drain", diagnosis=workers.logs, every=1.0
    )
    # The last drains' rescores commit before their rows are marked delivered: nothing left running.
    sent = set().union(*(log.sent for log in logs))
    stored = list(ActivityEvent.objects.filter(source="soak").values_list("external_id", flat=True))
    batch_decisions = (
        ScoreSnapshot.objects.filter(trigger="batch", created_at__gte=started)
        .values("lead_id")
        .annotate(n=Count("id"))
    )
    per_lead = {row["lead_id"]: row["n"] for row in batch_decisions}
    job.refresh_from_db()
    return {
        "events_sent": len(sent),
        "events_stored": len(set(stored)),
        "events_duplicated": len(stored) - len(set(stored)),
        "events_lost": len(sent - set(stored)),
        "leads_differing": _fresh_differences(program),
        "leads_skipped": sum(1 for lead_id in lead_ids if lead_id not in per_lead),
        "decisions_duplicated": sum(1 for n in per_lead.values() if n > 1),
        "request_errors": sum(len(log.errors) for log in logs),
        "training_errors": trainer_errors,
        "job": {"status": job.status, "units_done": job.units_done, "units_total": job.units_total},
    }
