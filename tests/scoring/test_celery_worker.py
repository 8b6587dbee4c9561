"""Batch rescoring fans out over a real Celery worker through Redis (the PostgreSQL CI run)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from leadscoring.demo.loader import demo_load
from leadscoring.models import Lead
from scoring import selectors, services
from scoring.models import Job, LeadScore
from tests.conftest import IN_CI

pytestmark = pytest.mark.celery_worker

BROKER = os.environ.get("CELERY_BROKER_URL", "")


@pytest.fixture
def worker(tmp_path):
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
    from config.celery import app

    # Drop messages left by earlier runs before the worker starts (a --purge at worker start-up would
    # race with the test's own task on a slow machine).
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
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--purge",
        ],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.mark.django_db(transaction=True)
def test_batch_rescoring_runs_on_real_workers(worker, monkeypatch):
    demo_load(leads=300, seed=5)
    program = selectors.program_default()
    model = services.model_train(
        model=services.model_create(program=program, name="w", model_type="logistic_regression")
    )
    services.model_deploy(model=model, override_reason="worker test", rescore=False)
    from scoring.services import batch

    monkeypatch.setattr(batch, "TASK_CHUNK", 100)  # several chunks, so the fan-out is exercised
    with transaction.atomic():
        job = services.leads_batch_score_start()
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in (Job.Status.SUCCEEDED, Job.Status.FAILED):
            break
        assert worker.poll() is None, worker.stderr.read().decode()[-2000:]
        time.sleep(0.5)
    assert job.status == Job.Status.SUCCEEDED, job.error or job.result
    assert job.units_total == 3 and job.units_done == 3
    assert job.result["scored"] == Lead.objects.count() == LeadScore.objects.filter(model=model).count()
