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
# The demo history the session's model is trained on; tests that score it load the same one.
TRAINING_DEMO = {"leads": 600, "seed": 7}


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


@pytest.fixture(scope="session")
def _model_artifact_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(autouse=True)
def _model_artifacts_in_tmp(settings, _model_artifact_dir):
    # Training writes its artifact under MODEL_ARTIFACT_DIR, by default inside the checkout.
    settings.MODEL_ARTIFACT_DIR = _model_artifact_dir


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # PBKDF2's deliberate slowness costs about a second for every user a fixture creates.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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


# Model fields that describe the version itself, not what training produced.
# (The version number stays: the report and the artifact's name carry it.)
_VERSION_FIELDS = {"id", "program_id", "name", "replaces_id", "created_by_id", "created_at", "deployed_at"}


@pytest.fixture(scope="session")
def trained_model_values(django_db_setup, django_db_blocker, _model_artifact_dir) -> dict:
    """What the training service stores on a version, trained once for the session on TRAINING_DEMO
    (rolled back; the artifact file stays): for tests that need a trained model but do not test training."""
    from django.db import transaction
    from django.test import override_settings

    from leadscoring.demo.loader import demo_load
    from scoring import selectors, services
    from scoring.models import ScoringModel

    with (
        django_db_blocker.unblock(),
        override_settings(MODEL_ARTIFACT_DIR=_model_artifact_dir),
        transaction.atomic(),
    ):
        services.defaults_ensure()
        demo_load(**TRAINING_DEMO)
        model = services.model_create(
            program=selectors.program_default(), name="session", model_type="logistic_regression"
        )
        model = services.model_train(model=model)
        values = {
            field.attname: getattr(model, field.attname)
            for field in ScoringModel._meta.concrete_fields
            if field.attname not in _VERSION_FIELDS
        }
        transaction.set_rollback(True)
    return values


@pytest.fixture
def trained_model(trained_model_values):
    """A trained, not yet deployed version of the default program, backed by the session's artifact."""
    from tests.factories import model_from_training

    return model_from_training(trained_model_values, name="trained", deployed_at=None)


@pytest.fixture
def live_model(db, trained_model_values):
    """A live version of the default program backed by the session's artifact (it scores for real)."""
    from scoring.models import ScoringModel
    from tests.factories import model_from_training

    return model_from_training(trained_model_values, name="live", status=ScoringModel.Status.LIVE)
