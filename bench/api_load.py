"""API load: the real server (gunicorn) on PostgreSQL, 32 concurrent clients on POST score and POST events.

    .venv/bin/python bench/api_load.py --seconds 20 --clients 32 --leads 10000

Creates its own database (dropped first), migrates, loads the demo (--leads), trains and deploys a first
model, makes a read-write integration key, starts gunicorn, then drives each endpoint in turn from
--clients threads for --seconds (closed loop: each client sends its next request when the last answers).
Finally times POST batch-score {"all": true} over every lead (the job runs eagerly without a broker; the
202 answers when it is done, then the job URL is polled until it reports success).

    .venv/bin/python bench/api_load.py --broker redis://127.0.0.1:6379/13 [--celery-workers 2]

runs the same with a real broker (that Redis database is flushed first) and real Celery workers: POST events
then answers after its commit and the rescoring happens in the workers (the summary reports how many tasks
were queued when the events phase ended and how long the workers took to drain them).
Prints figures as it goes and, as its LAST line, one JSON object.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
API = "/api/v1/leadscoring/"


def database_create(name: str, admin_url: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


SETUP = """
import json, sys
import django
django.setup()
from leadscoring.demo.loader import demo_load
from leadscoring.models import IntegrationKey, Lead
from scoring import selectors, services
if Lead.objects.count() < {leads}:
    demo_load(leads={leads}, seed=0, flush=True)
services.model_bootstrap(program=selectors.program_default())
key, raw = IntegrationKey.objects.create_key(name="bench", scope="read_write")
ids = list(Lead.objects.order_by("id").values_list("id", flat=True))
print(json.dumps({{"key": raw, "lead_ids": ids, "leads": len(ids)}}))
"""


def broker_flush(url: str) -> None:
    """Empty the bench's own Redis database (the one in the URL), so no earlier run's tasks are left."""
    import redis

    redis.Redis.from_url(url).flushdb()


def broker_depth(url: str) -> int:
    """Tasks waiting in the default Celery queue."""
    import redis

    return int(redis.Redis.from_url(url).llen("celery"))


def percentile(sorted_values: list[float], share: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(share * (len(sorted_values) - 1))))
    return sorted_values[index]


class Driver:
    def __init__(self, host: str, port: int, key: str):
        self.host, self.port = host, port
        self.headers = {"Authorization": f"Api-Key {key}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body=None, timeout: float = 60) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            connection.request(method, path, json.dumps(body) if body is not None else None, self.headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def run(self, *, clients: int, seconds: float, make_body, path: str, ok=(200, 201)) -> dict:
        latencies: list[float] = []
        errors = 0
        statuses: dict[int, int] = {}
        lock = threading.Lock()
        stop_at = time.perf_counter() + seconds

        def client(seed: int) -> None:
            nonlocal errors
            rng = random.Random(seed)
            mine: list[float] = []
            my_errors = 0
            my_statuses: dict[int, int] = {}
            while time.perf_counter() < stop_at:
                body = make_body(rng)
                started = time.perf_counter()
                try:
                    status, _ = self.call("POST", path, body)
                except OSError:
                    status = 0
                mine.append((time.perf_counter() - started) * 1000)
                my_statuses[status] = my_statuses.get(status, 0) + 1
                if status not in ok:
                    my_errors += 1
            with lock:
                latencies.extend(mine)
                errors += my_errors
                for status, count in my_statuses.items():
                    statuses[status] = statuses.get(status, 0) + count

        started = time.perf_counter()
        threads = [threading.Thread(target=client, args=(seed,)) for seed in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        latencies.sort()
        return {
            "requests": len(latencies),
            "errors": errors,
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "seconds": round(elapsed, 2),
            "rps": round(len(latencies) / elapsed, 1),
            "mean_ms": round(statistics.fmean(latencies), 1) if latencies else 0.0,
            "p50_ms": round(percentile(latencies, 0.50), 1),
            "p95_ms": round(percentile(latencies, 0.95), 1),
            "p99_ms": round(percentile(latencies, 0.99), 1),
        }


INDUSTRIES = ["Software", "Financial services", "Healthcare", "Manufacturing", "Retail", "Education"]
SENIORITY = ["c_level", "vp", "director", "manager", "individual", "student"]
KINDS = [
    "page_view",
    "email_open",
    "email_click",
    "pricing_page",
    "content_download",
    "webinar",
    "demo_request",
]


def score_body(rng: random.Random) -> dict:
    return {
        "lead": {
            "industry": rng.choice(INDUSTRIES),
            "employee_count": rng.randint(5, 20000),
            "seniority": rng.choice(SENIORITY),
            "email_opens_30d": rng.randint(0, 20),
            "pricing_views_7d": rng.randint(0, 5),
            "demo_requests_90d": rng.randint(0, 2),
        }
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20.0, help="per endpoint")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--database", default="leadscoring_bench_api")
    parser.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--broker", default="", help="e.g. redis://127.0.0.1:6379/13; default: eager tasks")
    parser.add_argument("--celery-workers", type=int, default=2, help="worker processes with --broker")
    args = parser.parse_args()

    # A SIGTERM (timeout, kill) still runs the finally below, so the server never outlives the bench.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    database_url = database_create(args.database, args.admin_url)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        # A production-like server refuses the development key; this one is thrown away with the run.
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "HTTPS": "false",  # plain http on loopback
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "ERROR",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        # The bench measures the server, not the throttle.
        "API_THROTTLE_INTEGRATION": "100000000/min",
        "MODEL_ARTIFACT_DIR": str(ROOT / "var" / "bench-models"),
    }
    env.pop("CELERY_BROKER_URL", None)
    env.pop("CELERY_RESULT_BACKEND", None)
    # Setup (demo load, first model) runs eagerly either way; only the server and the workers use the broker.
    setup_env = dict(env)
    if args.broker:
        env["CELERY_BROKER_URL"] = args.broker
        broker_flush(args.broker)
    started = time.perf_counter()
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=setup_env, check=True)
    setup = subprocess.run(
        [PY, "-c", SETUP.format(leads=args.leads)],
        cwd=ROOT,
        env=setup_env,
        check=True,
        capture_output=True,
        text=True,
    )
    prepared = json.loads(setup.stdout.strip().splitlines()[-1])
    print(
        f"database {args.database}: {prepared['leads']} leads, model live ({time.perf_counter() - started:.0f} s)"
    )

    server = subprocess.Popen(
        [
            str(Path(PY).parent / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--timeout",
            "900",
            "--backlog",
            "2048",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    workers = None
    if args.broker:
        workers = subprocess.Popen(
            [
                str(Path(PY).parent / "celery"),
                "-A",
                "config",
                "worker",
                "--concurrency",
                str(args.celery_workers),
                "--loglevel",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
    try:
        driver = Driver("127.0.0.1", args.port, prepared["key"])
        for _ in range(100):
            try:
                if driver.call("GET", API + "config", timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.3)
        lead_ids = prepared["lead_ids"]
        # Warm every worker (imports, the model artifact) before measuring.
        driver.run(clients=args.workers * 2, seconds=3, make_body=score_body, path=API + "score")

        results = {}
        results["score"] = driver.run(
            clients=args.clients, seconds=args.seconds, make_body=score_body, path=API + "score"
        )
        print("POST score ", json.dumps(results["score"]))

        def event_body(rng: random.Random) -> dict:
            return {
                "lead_id": rng.choice(lead_ids),
                "kind": rng.choice(KINDS),
                "occurred_at": "2026-11-20T10:00:00Z",
                "source": "bench",
                "external_id": uuid.uuid4().hex,
            }

        results["events"] = driver.run(
            clients=args.clients, seconds=args.seconds, make_body=event_body, path=API + "events"
        )
        print("POST events", json.dumps(results["events"]))
        drain = None
        if args.broker:
            queued = broker_depth(args.broker)
            drain_started = time.perf_counter()
            while broker_depth(args.broker) and time.perf_counter() - drain_started < 600:
                time.sleep(0.5)
            drain = {
                "queued_at_end": queued,
                "drain_seconds": round(time.perf_counter() - drain_started, 1),
                "left": broker_depth(args.broker),
            }
            print("rescore queue", json.dumps(drain))

        batch_started = time.perf_counter()
        status, body = driver.call("POST", API + "batch-score", {"all": True}, timeout=900)
        job_url = json.loads(body)["job_url"] if status == 202 else None
        job_status = "unknown"
        while job_url:
            job = json.loads(driver.call("GET", job_url)[1])
            job_status = job["status"]
            if job_status in ("succeeded", "failed"):
                break
            time.sleep(0.2)
        batch_seconds = time.perf_counter() - batch_started
        print(
            f"POST batch-score all ({prepared['leads']} leads): {status}, job {job_status}, {batch_seconds:.1f} s"
        )
        summary = {
            "clients": args.clients,
            "seconds_per_endpoint": args.seconds,
            "gunicorn_workers": args.workers,
            "leads": prepared["leads"],
            "database": "postgresql",
            "tasks": f"celery workers ({args.celery_workers}) on {args.broker}" if args.broker else "eager",
            "events_rescore_queue": drain,
            "score": results["score"],
            "events": results["events"],
            "batch_score_10k_seconds": round(batch_seconds, 2) if job_status == "succeeded" else None,
            "batch_score_leads": prepared["leads"],
        }
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        if workers is not None:
            os.killpg(workers.pid, signal.SIGTERM)
            workers.wait(timeout=60)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
