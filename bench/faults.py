"""Faults, measured: the soak (event clients, a batch rescoring and a training run at once, one worker
SIGKILLed half-way through the batch) and the time an event request takes while Redis is down.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ls_faults .venv/bin/python bench/faults.py --leads 2000

Needs PostgreSQL and redis-server; starts its own Redis (port 6391-6393) and Celery workers, and stops
them by pid. Flushes and reloads the demo in the given database. Prints one JSON object last:
events_sent, events_stored, events_duplicated, events_lost, leads_differing (current score against a
fresh rescore), leads_skipped and decisions_duplicated (the batch the worker was killed in), and the
slowest event request while Redis was down (outage_request_ms_max) with its status codes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=40, help="requests per client")
    parser.add_argument("--chunk", type=int, default=200, help="leads per batch chunk")
    parser.add_argument("--outage-events", type=int, default=10)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("bench/faults.py needs DATABASE_URL on PostgreSQL (worker processes write beside it)")

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from leadscoring.demo.loader import demo_load
    from leadscoring.models import Lead
    from scoring import selectors, services
    from tests.faults.processes import REDIS_PORTS, PrivateRedis, Workers, celery_switch, port_free
    from tests.faults.soak import SoakPlan, _client, soak_run

    call_command("migrate", verbosity=0)
    services.defaults_ensure()
    demo_load(leads=args.leads, seed=0, flush=True)
    program = selectors.program_default()
    services.model_bootstrap(program=program)
    settings.BATCH_STALL_SECONDS = 5  # the reaper runs once a second below, as beat would each minute

    logs = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    port = next(p for p in REDIS_PORTS if port_free(p))
    redis = PrivateRedis(port, logs / "redis.log")
    redis.start()
    celery_switch(redis.url, eager=False)
    workers = Workers(redis, logs, os.environ["DATABASE_URL"], {"OUTBOX_CLAIM_SECONDS": "5"})
    try:
        started = time.perf_counter()
        plan = SoakPlan(
            clients=args.clients, requests_per_client=args.requests, chunk=args.chunk, timeout=600
        )
        figures = soak_run(plan=plan, workers=workers, redis=redis)
        figures["soak_s"] = round(time.perf_counter() - started, 1)

        # Redis down while events arrive: each request's time and status.
        client = _client()
        lead_ids = list(Lead.objects.order_by("id").values_list("id", flat=True)[: args.outage_events])
        redis.stop()
        times, codes = [], []
        for n, lead_id in enumerate(lead_ids):
            body = {
                "lead_id": lead_id,
                "kind": "pricing_page",
                "occurred_at": (timezone.now() - timedelta(minutes=1)).isoformat(),
                "source": "bench-outage",
                "external_id": f"outage-{n}-{time.time_ns()}",
            }
            t0 = time.perf_counter()
            codes.append(client.post("/api/v1/leadscoring/events", body, format="json").status_code)
            times.append((time.perf_counter() - t0) * 1000)
        redis.start()
        figures["outage_request_ms_max"] = round(max(times), 1)
        figures["outage_request_ms_median"] = round(sorted(times)[len(times) // 2], 1)
        figures["outage_status_codes"] = sorted(set(codes))
        figures.update(leads=args.leads, clients=args.clients, requests_per_client=args.requests)
    finally:
        workers.stop_all()
        redis.stop()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
