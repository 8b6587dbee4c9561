"""Real processes for fault tests: a private Redis the test may stop, and Celery workers it may kill.

They run on PostgreSQL (the CI PostgreSQL + Redis leg): a worker process needs a database another
process can write at the same time. Outside CI they skip with the reason; in CI a missing redis-server
is a failure. Every process is started here and stopped by its pid, never by name.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from kombu import pools as kombu_pools

from tests.conftest import IN_CI, require

ROOT = Path(__file__).resolve().parents[2]
REDIS_PORTS = (6391, 6392, 6393)


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


class PrivateRedis:
    """A redis-server on its own port, no persistence: stop() and start() simulate an outage."""

    def __init__(self, port: int, log: Path):
        self.port, self.log, self.process = port, log, None
        self.url = f"redis://127.0.0.1:{port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--bind",
                "127.0.0.1",
            ],
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while _port_free(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the private redis-server did not start:\n" + self.log.read_text()[-2000:])
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


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
    port = next((p for p in REDIS_PORTS if _port_free(p)), None)
    require(port is not None, f"no free port among {REDIS_PORTS} for a private Redis")
    redis = PrivateRedis(port, tmp_path / "redis.log")
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def broker(private_redis):
    """Point this process's Celery app at the private Redis, for real (not eager)."""
    from config.celery import app

    saved = (app.conf.broker_url, app.conf.task_always_eager)
    _switch(app, private_redis.url, eager=False)
    app.control.purge()
    yield private_redis
    _switch(app, *saved)


def _switch(app, url: str, eager: bool) -> None:
    app.conf.broker_url, app.conf.task_always_eager = url, eager
    # Connections and producers are pooled per app: drop them so the next publish uses the new URL.
    # kombu's own registry keeps connections per URL, and a private Redis restarted on the same port
    # would hand out dead ones.
    kombu_pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


class Workers:
    """Celery workers started as real processes against the test database and the private Redis."""

    def __init__(self, redis: PrivateRedis, tmp_path: Path):
        self.redis, self.tmp_path, self.started = redis, tmp_path, []

    def start(self, name: str, concurrency: int = 1) -> subprocess.Popen:
        from config.celery import app

        db = connection.settings_dict
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "CELERY_BROKER_URL": self.redis.url,
            "MODEL_ARTIFACT_DIR": str(django_settings.MODEL_ARTIFACT_DIR),
            "OUTBOX_DRAIN_DELAY": "0",
        }
        log_path = self.tmp_path / f"worker-{name}.log"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                f"--hostname={name}@faults",
                f"--concurrency={concurrency}",
                "--pool=prefork",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=log_path.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so kill() takes the pool with it at once
        )
        process.name, process.log_path = f"{name}@faults", log_path
        self.started.append(process)
        deadline = time.monotonic() + 60
        while process.name not in {n for reply in app.control.ping(timeout=0.5) for n in reply}:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"worker {name} did not start:\n" + log_path.read_text(errors="replace")[-4000:])
        return process

    @staticmethod
    def pool_children(process: subprocess.Popen) -> list[int]:
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        """SIGKILL the whole worker, its pool children with it (as a crashed machine would)."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n" + p.log_path.read_text(errors="replace")[-3000:] for p in self.started
        )

    def stop_all(self) -> None:
        # No warm shutdown: nothing a test left running is worth waiting for, and its Redis goes too.
        for process in self.started:
            if process.poll() is None:
                Workers.kill(process)


@pytest.fixture
def workers(broker, tmp_path):
    pool = Workers(broker, tmp_path)
    yield pool
    pool.stop_all()


def wait_until(condition, *, timeout: float, what: str, diagnosis=lambda: "") -> None:
    """Poll `condition` every 20 ms; fail naming `what` after `timeout` seconds (a bound, not a timing)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}\n{diagnosis()}")
        time.sleep(0.02)
