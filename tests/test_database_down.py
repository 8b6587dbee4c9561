"""PostgreSQL down: the API answers 503 with Retry-After and the JSON error, pages a readable 503 page,
and both recover when the database is back, without a restart.

Real processes: a private PostgreSQL cluster (initdb/pg_ctl on port 5442, never the shared server) and a
gunicorn serving the app on it; the cluster is stopped and started again under the running server.
"""

from __future__ import annotations

import contextlib
import glob
import http.client
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import require

ROOT = Path(__file__).resolve().parent.parent
PG_PORT = 5442
WEB_PORT = 8742


def pg_bin(name: str) -> str | None:
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found if isinstance(found, str) else (found[-1] if found else None)


def as_postgres(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    # initdb refuses to run as root: Debian's postgres user runs the cluster then.
    if os.geteuid() == 0:
        command = ["su", "postgres", "-c", " ".join(f"'{part}'" for part in command)]
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=60, **kwargs)


class PrivateCluster:
    def __init__(self, directory: Path):
        self.directory = directory
        self.data = directory / "data"
        self.pg_ctl = pg_bin("pg_ctl")

    def init(self) -> None:
        as_postgres([pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"])

    def start(self) -> None:
        options = f"-p {PG_PORT} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        as_postgres(
            [
                self.pg_ctl,
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.directory / "log"),
                "-w",
                "start",
            ]
        )

    def stop(self) -> None:
        as_postgres([self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop"])


def wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing listens on {port} after {seconds} s")


def get(path: str, headers: dict | None = None) -> tuple[int, dict, str]:
    connection = http.client.HTTPConnection("127.0.0.1", WEB_PORT, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def served_on_a_private_cluster():
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("runs in the PostgreSQL leg (DATABASE_URL=postgres://...)")
    require(bool(pg_bin("initdb") and pg_bin("pg_ctl")), "PostgreSQL's initdb and pg_ctl are not installed")
    directory = Path(tempfile.mkdtemp(prefix="ls-pg-down-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    cluster = PrivateCluster(directory)
    cluster.init()
    cluster.start()
    env = {
        **{
            k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "CELERY_BROKER_URL"}
        },
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{PG_PORT}/postgres",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "HTTPS": "false",
        "LOG_LEVEL": "ERROR",
    }
    server = None
    try:
        for app in ("leadscoring", "sessions"):
            subprocess.run(
                [sys.executable, "manage.py", "migrate", app, "--noinput", "-v0"],
                cwd=ROOT,
                env=env,
                check=True,
                timeout=120,
            )
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        server = subprocess.Popen(
            [
                gunicorn,
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{WEB_PORT}",
                "--workers",
                "1",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(WEB_PORT)
        yield cluster
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        with contextlib.suppress(subprocess.CalledProcessError):  # stopped already, if a test failed
            cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)


API_KEY = {"Authorization": "Api-Key abcdefgh.not-a-real-key"}  # looked up in the database: it must answer
SESSION = {"Cookie": "sessionid=not-a-real-session"}  # loaded from the database by the page's login check


def test_database_down_is_503_with_retry_after_then_recovers(served_on_a_private_cluster):
    cluster = served_on_a_private_cluster
    status, _, _ = get("/api/v1/leadscoring/leads", API_KEY)
    assert status == 401  # up: the key was looked up and refused
    status, _, _ = get("/leads/", SESSION)
    assert status == 302

    cluster.stop()
    try:
        status, headers, body = get("/api/v1/leadscoring/leads", API_KEY)
        assert status == 503, body[:500]
        assert int(headers["Retry-After"]) > 0
        assert headers["Content-Type"].startswith("application/json")
        assert '"code": "service_unavailable"' in body.replace('":"', '": "')

        status, headers, body = get("/leads/", SESSION)
        assert status == 503, body[:500]
        assert int(headers["Retry-After"]) > 0
        assert headers["Content-Type"].startswith("text/html")
        assert "temporarily unavailable" in body and "try again" in body
    finally:
        cluster.start()

    status, _, _ = get("/api/v1/leadscoring/leads", API_KEY)
    assert status == 401  # back without a restart
    status, _, _ = get("/leads/", SESSION)
    assert status == 302
