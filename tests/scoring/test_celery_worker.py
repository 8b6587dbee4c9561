"""Batch rescoring fans out over a real Celery worker through Redis (the PostgreSQL CI run)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, transaction

from leadscoring.demo.loader import demo_load
from leadscoring.models import Lead
from scoring import services
from scoring.models import Job, LeadScore, ScoringModel
from tests.conftest import IN_CI
from tests.factories import model_from_training

pytestmark = pytest.mark.celery_worker

BROKER = os.environ.get("CELERY_BROKER_URL", "")


@pytest.fixture
def worker(tmp_path, settings):
    if not BROKER:
        if IN_CI and connection.vendor == "postgresql":
            pytest.fail("the PostgreSQL CI run must set CELERY_BROKER_URL to a real Redis")
        pytest.skip("no CELERY_BROKER_URL: tasks run eagerly in-process (set it to test a real worker)")
    settings.MODEL_ARTIFACT_DIR = tmp_path
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    else:
        url = f"sqlite:///{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": BROKER,
        "MODEL_ARTIFACT_DIR": str(tmp_path),
    }
    root = Path(__file__).resolve().parents[2]
    log_path = tmp_path / "worker.log"
    log = log_path.open("wb")
    from config.celery import app

    # Drop messages left by earlier runs before the worker starts. The worker must not purge at start-up
    # (no --purge): its purge runs seconds later, after Django and the tasks are imported, and a test
    # that is quick to publish (late in a full run, with everything already imported and warm) saw its
    # batch task deleted by it and the Job stay queued forever.
    app.control.purge()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--concurrency=2",
            "--pool=prefork",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    process.log_path = log_path
    # Publish only once the worker answers: the test then never depends on how long start-up takes.
    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log.close()
            pytest.fail("the Celery worker did not start:\n" + log_path.read_text(errors="replace")[-4000:])
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def _diagnosis(worker, job) -> str:
    """What the worker logged, what sits in the broker and how the test process's app is configured."""
    from config.celery import app
    from scoring.tasks import batch_score_task

    lines = [
        f"job {job.pk}: status={job.status} units={job.units_done}/{job.units_total} error={job.error!r}"
    ]
    conf = app.conf
    lines.append(
        f"app={app!r} task.app={batch_score_task.app!r} broker_url={conf.broker_url!r} "
        f"always_eager={conf.task_always_eager!r} default_queue={conf.task_default_queue!r} "
        f"routes={conf.task_routes!r} queues={conf.task_queues!r}"
    )
    try:
        with app.connection_for_write() as conn:
            lines.append(f"write connection: {conn.as_uri()}")
            client = conn.default_channel.client
            for key in client.keys("*"):
                kind = client.type(key).decode()
                size = client.llen(key) if kind == "list" else "-"
                lines.append(f"  redis {key!r} {kind} {size}")
    except Exception as exc:  # noqa: BLE001 - a diagnosis must not hide the failure it explains
        lines.append(f"broker state unavailable: {type(exc).__name__}: {exc}")
    lines.append("worker log (tail):")
    lines.append(worker.log_path.read_text(errors="replace")[-4000:])
    return "\n".join(lines)


@pytest.mark.django_db(transaction=True)
def test_batch_rescoring_runs_on_real_workers(worker, monkeypatch, trained_model_values):
    demo_load(leads=300, seed=5)
    # The session's trained version, made live: this tests the workers, not training (a model trained
    # on 300 demo leads is sometimes, rightly, refused as no better than the base rate).
    model = model_from_training(trained_model_values, name="w", status=ScoringModel.Status.LIVE)
    from scoring.services import batch

    monkeypatch.setattr(batch, "TASK_CHUNK", 100)  # several chunks, so the fan-out is exercised
    with transaction.atomic():
        job = services.leads_batch_score_start()
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in (Job.Status.SUCCEEDED, Job.Status.FAILED):
            break
        assert worker.poll() is None, _diagnosis(worker, job)
        time.sleep(0.5)
    assert job.status == Job.Status.SUCCEEDED, _diagnosis(worker, job)
    assert job.units_total == 3 and job.units_done == 3
    assert job.result["scored"] == Lead.objects.count() == LeadScore.objects.filter(model=model).count()
