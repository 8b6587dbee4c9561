"""With DEBUG off the app is production: a real SECRET_KEY or no start, pages and static files served
without a manual step, `check --deploy` clean, one kind of API key in the admin, no plaintext tokens.

The settings are read once per process, so each production case runs in a fresh one.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from leadscoring.models import IntegrationKey

ROOT = Path(__file__).resolve().parent.parent


def run(code_or_args: list[str], **env) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    base.pop("DATABASE_URL", None)  # SQLite: these processes read no data
    base["DATABASE_URL"] = f"sqlite:///{ROOT / 'var' / 'settings-check.sqlite3'}"
    return subprocess.run(
        [sys.executable, *code_or_args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def real_key() -> str:
    return secrets.token_urlsafe(50)


SERVE = ["-c", "import config.wsgi"]  # what gunicorn and runserver load


def test_debug_off_without_a_secret_key_refuses_to_start():
    result = run(SERVE, DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is unset or too short" in result.stderr
    assert run(["-c", "import config.asgi"], DEBUG="false").returncode != 0


def test_debug_off_with_the_development_key_or_a_short_one_refuses_to_start():
    for key in (settings.DEV_SECRET_KEY, "short-key"):
        result = run(SERVE, DEBUG="false", SECRET_KEY=key)
        assert result.returncode != 0 and "SECRET_KEY" in result.stderr
    assert run(SERVE, DEBUG="false", SECRET_KEY=real_key()).returncode == 0


def test_check_deploy_is_clean_with_debug_off():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], DEBUG="false", SECRET_KEY=real_key()
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_development_still_runs_over_http_with_the_dev_key():
    result = run(SERVE, DEBUG="true")
    assert result.returncode == 0, result.stderr


PAGE_AND_STATIC = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.test import Client
client = Client()
page = client.get("/accounts/login/", secure=True)
plain = client.get("/accounts/login/")
static = client.get("/static/css/app.css", secure=True)
print(page.status_code, plain.status_code, plain.get("Location", ""), static.status_code,
      page.get("Strict-Transport-Security", ""))
"""


def test_debug_off_pages_and_static_files_are_served_without_collectstatic():
    result = run(["-c", PAGE_AND_STATIC], DEBUG="false", SECRET_KEY=real_key())
    assert result.returncode == 0, result.stderr[-2000:]
    page, plain, location, static, hsts = result.stdout.split(maxsplit=4)
    assert page == "200", result.stderr[-2000:]
    assert (plain, location) == ("301", "https://testserver/accounts/login/")
    assert static == "200"
    assert "max-age=31536000" in hsts


@pytest.mark.django_db
def test_only_integration_keys_can_be_made_in_the_admin(admin_client):
    index = admin_client.get("/admin/").content.decode()
    assert "/admin/leadscoring/integrationkey/" in index
    assert "/admin/rest_framework_api_key/" not in index
    assert admin_client.get("/admin/rest_framework_api_key/apikey/add/").status_code == 404


@pytest.mark.django_db
def test_credentials_are_hashed_at_rest_and_drf_tokens_are_gone():
    key, raw = IntegrationKey.objects.create_key(name="crm", scope=IntegrationKey.Scope.READ_ONLY)
    stored = IntegrationKey.objects.filter(pk=key.pk).values_list("hashed_key", flat=True).get()
    assert raw not in stored and raw.split(".")[1] not in stored
    assert "rest_framework.authtoken" not in settings.INSTALLED_APPS
    auth = settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]
    assert "rest_framework.authentication.TokenAuthentication" not in auth
