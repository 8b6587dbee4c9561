import os
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio loop in the main thread; the ORM must still be usable in tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# The shared data sits beside the checkout (../shared); a clone elsewhere finds it through
# LEADSCORING_SHARED_DATA or at the workplace's fixed /work/shared.
_CANDIDATES = [
    Path(os.environ["LEADSCORING_SHARED_DATA"]) if os.environ.get("LEADSCORING_SHARED_DATA") else None,
    Path(__file__).resolve().parents[2] / "shared" / "data",
    Path("/work/shared/data"),
]
SHARED_DATA = next((p for p in _CANDIDATES if p and p.exists()), _CANDIDATES[1])
X_EDUCATION_CSV = SHARED_DATA / "x-education" / "leads.csv"


def require(condition: bool, reason: str) -> None:
    """Skip outside CI when a real dependency is missing; in CI its absence is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def x_education_csv() -> Path:
    require(X_EDUCATION_CSV.exists(), f"the X Education file is not at {X_EDUCATION_CSV}")
    return X_EDUCATION_CSV


@pytest.fixture(autouse=True)
def _unhashed_static_files(settings):
    # The manifest storage needs collectstatic; tests render pages without it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _default_configuration(request):
    """Transactional tests flush every table, data migrations included: put the defaults back."""
    marker = request.node.get_closest_marker("django_db")
    uses = set(request.fixturenames)
    if marker is None and not uses & {"db", "transactional_db", "live_server"}:
        return
    transactional = (
        "live_server" in uses
        or "transactional_db" in uses
        or bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    from scoring.services import defaults_ensure

    defaults_ensure()


@pytest.fixture(autouse=True)
def _celery_in_process(request):
    """Tasks run in-process in tests, broker or not; tests marked celery_worker use a real worker."""
    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
