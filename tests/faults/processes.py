"""Real processes for fault tests and bench/faults.py: a private Redis that may be stopped, and Celery
workers that may be killed. Every process is started here and stopped by its pid, never by name."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from kombu import pools as kombu_pools

ROOT = Path(__file__).resolve().parents[2]
REDIS_PORTS = (6391, 6392, 6393)


class ProcessFailed(RuntimeError):
    pass


def port_free(port: int) -> bool:
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
        while port_free(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise ProcessFailed(
                    "the private redis-server did not start:\n" + self.log.read_text()[-2000:]
                )
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


def celery_switch(url: str, eager: bool) -> None:
    """Point this process's Celery app at a broker URL (or back to eager)."""
    from config.celery import app

    # Celery reads the CELERY_BROKER_URL variable before its own setting (the CI leg sets it).
    os.environ["CELERY_BROKER_URL"] = url
    app.conf.broker_url, app.conf.task_always_eager = url, eager
    # Connections and producers are pooled (kombu keeps a registry per URL): a private Redis
    # restarted on the same port would hand out dead ones.
    kombu_pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


class Workers:
    """Celery workers started as real processes against a database URL and the private Redis."""

    def __init__(self, redis: PrivateRedis, log_dir: Path, database_url: str, extra_env: dict | None = None):
        self.redis, self.log_dir, self.database_url = redis, log_dir, database_url
        self.extra_env, self.started = extra_env or {}, []

    def start(self, name: str, concurrency: int = 1) -> subprocess.Popen:
        from django.conf import settings

        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": self.redis.url,
            "MODEL_ARTIFACT_DIR": str(settings.MODEL_ARTIFACT_DIR),
            "OUTBOX_DRAIN_DELAY": "0",
            **self.extra_env,
        }
        log_path = self.log_dir / f"worker-{name}.log"
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
        deadline = time.monotonic() + 90
        # Ready when its log says so: a ping from this process can go unanswered after a Redis restart.
        while f"{process.name} ready." not in log_path.read_text(errors="replace"):
            time.sleep(0.1)
            if process.poll() is not None or time.monotonic() > deadline:
                Workers.kill(process)
                raise ProcessFailed(
                    f"worker {name} did not start:\n" + log_path.read_text(errors="replace")[-4000:]
                )
        return process

    @staticmethod
    def pool_children(process: subprocess.Popen) -> list[int]:
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        """SIGKILL the whole worker, its pool children with it (as a crashed machine would)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n" + p.log_path.read_text(errors="replace")[-3000:] for p in self.started
        )

    def stop_all(self) -> None:
        # No warm shutdown: nothing left running is worth waiting for, and its Redis goes too.
        for process in self.started:
            if process.poll() is None:
                Workers.kill(process)


def wait_until(condition, *, timeout: float, what: str, diagnosis=lambda: "", every: float = 0.02) -> None:
    """Poll `condition` every `every` s; raise naming `what` after `timeout` s (a bound, not a timing)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise ProcessFailed(f"timed out waiting for {what}\n{diagnosis()}")
        time.sleep(every)
