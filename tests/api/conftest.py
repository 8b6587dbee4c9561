"""API fixtures: one client per role (token users, integration keys) and scored leads made directly."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import factory
import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from config import roles
from leadscoring.models import Account, IntegrationKey, Lead
from scoring import selectors
from scoring.models import LeadScore, ScoreSnapshot

API = "/api/v1/leadscoring/"


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Company {n}")
    industry = "Software"
    employee_count = 120
    country = "UK"


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    external_id = factory.Sequence(lambda n: f"CRM-{n:05d}")
    email = factory.Sequence(lambda n: f"lead{n}@example.com")
    first_name = "Ada"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    account = factory.SubFactory(AccountFactory)
    source = "webinar"
    country = "UK"


def score_lead(lead: Lead, *, score: float, tier: str, days_ago: float = 0, **fields) -> LeadScore:
    """A current score written directly (the scoring services are tested on their own)."""
    when = timezone.now() - timedelta(days=days_ago)
    defaults = {
        "score": score,
        "tier": tier,
        "probability": score / 200,
        "confidence": 0.7,
        "subtotals": {"firmographic": score / 2, "intent": score / 2},
        "top_factors": [{"signal": "demo_requests_90d", "label": "Demo requests", "effect": 10.0}],
        "missing_signals": ["budget"],
        "scored_at": when,
        "tier_since": when,
        **fields,
    }
    row, _ = LeadScore.objects.update_or_create(
        lead=lead, program=selectors.program_default(), defaults=defaults
    )
    return row


def snapshot(lead: Lead, *, score: float, tier: str, at, trigger: str = "event", **fields) -> ScoreSnapshot:
    return ScoreSnapshot.objects.create(
        lead=lead,
        program=selectors.program_default(),
        score=score,
        tier=tier,
        trigger=trigger,
        created_at=at,
        inputs={"pricing_views_7d": 2},
        **fields,
    )


def user_with_role(username: str, *role_names: str, **extra) -> User:
    user = User.objects.create_user(username, password="pw-not-used", **extra)
    for name in role_names:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


def token_client(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def key_client(scope: str, name: str = "crm-sync") -> tuple[APIClient, IntegrationKey, str]:
    key, raw = IntegrationKey.objects.create_key(name=name, scope=scope)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client, key, raw


@pytest.fixture(autouse=True)
def _fresh_throttle_buckets():
    # Throttle counters live in the cache; each test starts with empty buckets.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ops_user(db):
    return user_with_role("olivia-ops", roles.OPS)


@pytest.fixture
def rep_user(db):
    return user_with_role("rachel-rep", roles.REP)


@pytest.fixture
def other_rep(db):
    return user_with_role("ravi-rep", roles.REP)


@pytest.fixture
def compliance_user(db):
    return user_with_role("carl-compliance", roles.COMPLIANCE)


@pytest.fixture
def ops(ops_user):
    return token_client(ops_user)


@pytest.fixture
def rep(rep_user):
    return token_client(rep_user)


@pytest.fixture
def compliance(compliance_user):
    return token_client(compliance_user)


@pytest.fixture
def integration(db):
    """A read-write integration key's client."""
    return key_client(IntegrationKey.Scope.READ_WRITE)[0]


@pytest.fixture
def integration_ro(db):
    return key_client(IntegrationKey.Scope.READ_ONLY, name="bi-dashboard")[0]


@pytest.fixture
def anonymous():
    return APIClient()


@pytest.fixture
def clients(ops, rep, compliance, integration, integration_ro, anonymous):
    return {
        "ops": ops,
        "rep": rep,
        "compliance": compliance,
        "integration": integration,
        "integration_ro": integration_ro,
        "anonymous": anonymous,
    }


def assert_error(response, status_code: int, code: str | None = None) -> dict:
    """Every error is JSON in the one shape, with the right status."""
    assert response.status_code == status_code, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message", "fields"} <= set(body["error"])
    assert isinstance(body["error"]["fields"], dict)
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]


TRAINED_FIELDS = (
    "kind",
    "model_type",
    "signals",
    "thresholds",
    "metrics",
    "report",
    "artifact_path",
    "artifact_sha256",
    "validation_passed",
    "outcome_definition",
    "trained_on",
)


@pytest.fixture(scope="session")
def trained_model_fields(django_db_setup, django_db_blocker, tmp_path_factory):
    """Train one small model for the whole session (on demo data, rolled back) and keep its artifact."""
    from django.db import transaction
    from django.test import override_settings

    from leadscoring.demo.loader import demo_load
    from scoring import services

    artifacts = tmp_path_factory.mktemp("models")
    with django_db_blocker.unblock(), override_settings(MODEL_ARTIFACT_DIR=artifacts), transaction.atomic():
        demo_load(leads=400, seed=7)
        model = services.model_create(
            program=selectors.program_default(), name="session", model_type="logistic_regression"
        )
        model = services.model_train(model=model)
        fields = {name: getattr(model, name) for name in TRAINED_FIELDS}
        transaction.set_rollback(True)
    return fields


@pytest.fixture
def live_model(db, trained_model_fields, settings):
    """A live version backed by the session's artifact."""
    from scoring.models import ScoringModel

    settings.MODEL_ARTIFACT_DIR = Path(trained_model_fields["artifact_path"]).parent
    now = timezone.now()
    return ScoringModel.objects.create(
        program=selectors.program_default(),
        name="live",
        version=ScoringModel.objects.count() + 1,
        status=ScoringModel.Status.LIVE,
        trained_at=now,
        deployed_at=now,
        **trained_model_fields,
    )
