"""Batch rescoring throughput against the database's own bulk-write rate, and event-to-snapshot latency.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/rescore.py --leads 100000

Loads the demo when the database has fewer leads than asked, makes sure a model is live, rescores every
lead (in-process, or fanned out over --workers real Celery workers when CELERY_BROKER_URL is set), then
COPYs the same snapshot rows into the same table (PostgreSQL) as the baseline; --rounds times, pipeline and
COPY alternating, each rate over all its rounds. Prints one JSON object last.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument(
        "--workers", type=int, default=0, help="real Celery workers (needs CELERY_BROKER_URL)"
    )
    parser.add_argument("--events", type=int, default=200, help="single events timed end to end")
    parser.add_argument("--rounds", type=int, default=2, help="pipeline passes, each followed by a COPY")
    parser.add_argument(
        "--notifications",
        type=int,
        default=0,
        metavar="N",
        help="also time rescoring N leads with the automation's receivers off and on (tiers churned first)",
    )
    args = parser.parse_args()

    import django

    django.setup()
    import pgtrigger
    from django.db import connection, transaction

    from leadscoring import services as crm
    from leadscoring.demo.loader import demo_load
    from leadscoring.models import Lead
    from scoring import selectors, services
    from scoring.models import DECISION_LOG_TRIGGER, Job, ScoreSnapshot

    if Lead.objects.count() < args.leads:
        demo_load(leads=args.leads, seed=0, flush=True)
    program = selectors.program_default()
    services.model_bootstrap(program=program)
    model = selectors.model_live(program=program)
    lead_ids = list(Lead.objects.order_by("id").values_list("id", flat=True)[: args.leads])

    def copy_baseline(snapshots: int) -> float | None:
        """COPY the last pass's snapshot rows back into the same table (same FKs, indexes, row width,
        commit included), then delete the copies so the audit trail stays true. Rows per second."""
        if connection.vendor != "postgresql" or not snapshots:
            return None
        columns = [f.column for f in ScoreSnapshot._meta.concrete_fields if f.column != "id"]
        names = ", ".join(columns)
        with connection.cursor() as cursor:
            buffer = io.BytesIO()
            last = ScoreSnapshot.objects.order_by("-id").values_list("id", flat=True)[snapshots - 1]
            with cursor.cursor.copy(
                f"COPY (SELECT {names} FROM scoring_scoresnapshot WHERE id >= {last}) TO STDOUT"
            ) as copy:
                for chunk in copy:
                    buffer.write(chunk)
        payload = buffer.getvalue()
        top_before_copy = ScoreSnapshot.objects.order_by("-id").values_list("id", flat=True).first()
        copy_started = time.perf_counter()
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY scoring_scoresnapshot ({names}) FROM STDIN") as copy,
        ):
            copy.write(payload)
        copy_seconds = time.perf_counter() - copy_started
        # The baseline's rows are copies of real decisions: remove them so the audit trail stays true.
        with pgtrigger.ignore(DECISION_LOG_TRIGGER), connection.cursor() as cursor:
            cursor.execute("DELETE FROM scoring_scoresnapshot WHERE id > %s", [top_before_copy])
        return snapshots / copy_seconds

    def pipeline_pass() -> tuple[float, int]:
        before = ScoreSnapshot.objects.count()
        workers = []
        started = time.perf_counter()
        if args.workers and os.environ.get("CELERY_BROKER_URL"):
            for n in range(args.workers):
                workers.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "celery",
                            "-A",
                            "config",
                            "worker",
                            "--concurrency=1",
                            "-n",
                            f"bench{n}@%h",
                            "--loglevel=WARNING",
                            "--without-gossip",
                            "--without-mingle",
                        ],
                        cwd=ROOT,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )
            time.sleep(5)
            started = time.perf_counter()
            with transaction.atomic():
                job = services.leads_batch_score_start(lead_ids=lead_ids)
            while job.status not in (Job.Status.SUCCEEDED, Job.Status.FAILED):
                time.sleep(0.5)
                job.refresh_from_db()
            for worker in workers:
                worker.terminate()
        else:
            # As a batch runs it: chunks without the roll-up, then the roll-up once.
            services.leads_rescore(lead_ids=lead_ids, trigger="batch", rollup_accounts=False)
            services.accounts_rollup(program=program)
        return time.perf_counter() - started, ScoreSnapshot.objects.count() - before

    # Pipeline and COPY alternate, so the machine's drift between runs hits both ends of the ratio.
    passes, copies = [], []
    for _ in range(args.rounds):
        seconds, snapshots = pipeline_pass()
        passes.append(seconds)
        rate = copy_baseline(snapshots)
        if rate:
            copies.append(rate)
    # Rates over all rounds: total work over total time, for the pipeline and for COPY alike.
    seconds = sum(passes) / len(passes)
    copy_rows_per_s = len(copies) / sum(1 / c for c in copies) if copies else None

    latencies = []
    leads = list(Lead.objects.order_by("?").values_list("id", flat=True)[: args.events])
    from django.utils import timezone

    for n, lead_id in enumerate(leads):
        lead = Lead.objects.get(pk=lead_id)
        t0 = time.perf_counter()
        with transaction.atomic():
            crm.event_record(
                lead=lead,
                kind="pricing_page",
                occurred_at=timezone.now(),
                source="bench",
                external_id=f"bench-{time.time_ns()}-{n}",
            )
        latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()

    automation = notifications_compare(lead_ids[: args.notifications], program) if args.notifications else {}

    def pct(q):
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1) if latencies else None

    print(
        json.dumps(
            {
                "db": connection.vendor,
                "model": f"v{model.version} {model.metrics.get('model')}",
                "leads": len(lead_ids),
                "snapshots": snapshots,
                "seconds": round(seconds, 2),
                "pass_seconds": [round(p, 2) for p in passes],
                "copy_rows_per_s_by_round": [round(c, 1) for c in copies],
                "leads_per_s": round(len(lead_ids) / seconds, 1),
                "workers": args.workers or 1,
                "copy_rows_per_s": round(copy_rows_per_s, 1) if copy_rows_per_s else None,
                "ratio_to_copy": round(len(lead_ids) / seconds / copy_rows_per_s, 3)
                if copy_rows_per_s
                else None,
                "event_to_snapshot_p50_ms": pct(0.50),
                "event_to_snapshot_p95_ms": pct(0.95),
                **automation,
            }
        )
    )


def notifications_compare(lead_ids: list[int], program, rounds: int = 2) -> dict:
    """leads/s of in-process rescoring with the automation's receivers off and on, alternated, twice:
    as the data stands (a rescore that changes few tiers), and with churn: before every timed run each
    lead's current tier is rotated (Hot->Warm->Cool->Cold->Hot), untimed, so nearly every decision is a
    tier change, the receivers' worst case (notices, clocks, assignments).

    The e-mail task is published to Celery's in-memory broker, not run inline: in production the publish
    is all that happens in the scoring process (a worker sends the mail).
    """
    from django.conf import settings
    from django.db.models import Case, Value, When

    from config.celery import app
    from scoring import services
    from scoring.automation.models import Notification
    from scoring.models import LeadScore

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    app.conf.task_always_eager = False  # publish to memory://, as a real broker would take it
    rotate = Case(
        When(tier="Hot", then=Value("Warm")),
        When(tier="Warm", then=Value("Cool")),
        When(tier="Cool", then=Value("Cold")),
        default=Value("Hot"),
    )
    rates = {(churn, enabled): [] for churn in (False, True) for enabled in (False, True)}
    notices_before = Notification.objects.count()
    for churn in (False, True):
        for _ in range(rounds):
            for enabled in (False, True):
                if churn:
                    LeadScore.objects.filter(program=program, lead_id__in=lead_ids).update(tier=rotate)
                settings.LEADSCORING_AUTOMATION = enabled
                started = time.perf_counter()
                services.leads_rescore(lead_ids=lead_ids, trigger="batch")
                rates[(churn, enabled)].append(len(lead_ids) / (time.perf_counter() - started))
    settings.LEADSCORING_AUTOMATION = True
    app.conf.task_always_eager = True
    best = {key: max(values) for key, values in rates.items()}
    return {
        "automation_leads": len(lead_ids),
        "automation_off_leads_per_s": round(best[(False, False)], 1),
        "automation_on_leads_per_s": round(best[(False, True)], 1),
        "automation_on_ratio": round(best[(False, True)] / best[(False, False)], 3),
        "automation_churn_off_leads_per_s": round(best[(True, False)], 1),
        "automation_churn_on_leads_per_s": round(best[(True, True)], 1),
        "automation_churn_on_ratio": round(best[(True, True)] / best[(True, False)], 3),
        "automation_notifications": Notification.objects.count() - notices_before,
    }


if __name__ == "__main__":
    main()
