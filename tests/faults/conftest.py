"""Fixtures for fault tests: a private Redis the test may stop, Celery workers it may kill.

They run on PostgreSQL (the CI PostgreSQL + Redis leg): a worker process needs a database another
process can write at the same time. Outside CI they skip with the reason; in CI a missing redis-server
is a failure.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.db import connection

from tests.conftest import IN_CI, require

from .processes import REDIS_PORTS, PrivateRedis, Workers, celery_switch, port_free


@pytest.fixture(autouse=True)
def _eager_until_the_broker_switch():
    """Data a test loads before `broker` is scored in-process, even in the CI leg whose settings name
    the shared Redis (these tests carry the celery_worker mark, so tests/conftest.py leaves them be)."""
    from config.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture
def private_redis(tmp_path):
    if connection.vendor != "postgresql":
        if IN_CI and os.environ.get("DATABASE_URL", "").startswith("postgres"):
            pytest.fail("fault tests must run in the PostgreSQL CI leg")
        pytest.skip(
            "fault tests run on PostgreSQL (set DATABASE_URL): worker processes write beside the test"
        )
    require(
        shutil.which("redis-server") is not None,
        "redis-server is not installed (apt-get install redis-server)",
    )
    port = next((p for p in REDIS_PORTS if port_free(p)), None)
    require(port is not None, f"no free port among {REDIS_PORTS} for a private Redis")
    redis = PrivateRedis(port, tmp_path / "redis.log")
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def broker(private_redis):
    """Point this process's Celery app at the private Redis, for real (not eager)."""
    from config.celery import app

    saved, saved_variable = (
        (app.conf.broker_url, app.conf.task_always_eager),
        os.environ.get("CELERY_BROKER_URL"),
    )
    celery_switch(private_redis.url, eager=False)
    app.control.purge()
    yield private_redis
    celery_switch(*saved)
    if saved_variable is None:
        os.environ.pop("CELERY_BROKER_URL", None)
    else:
        os.environ["CELERY_BROKER_URL"] = saved_variable


def tests_database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def worker_env() -> dict:
    return {}


@pytest.fixture
def workers(broker, tmp_path, worker_env):
    pool = Workers(broker, tmp_path, tests_database_url(), worker_env)
    yield pool
    pool.stop_all()
