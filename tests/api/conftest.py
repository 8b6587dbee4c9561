"""API fixtures: one client per role (token users, integration keys). The factories are in tests/factories.py;
the trained `live_model` is the shared one in tests/conftest.py."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from rest_framework.test import APIClient

from config import roles
from leadscoring.models import IntegrationKey
from tests.factories import LeadFactory, make_user, score_lead, snapshot

# The api test modules import these from here.
__all__ = ["API", "LeadFactory", "assert_error", "key_client", "score_lead", "snapshot", "token_client"]

API = "/api/v1/leadscoring/"


def token_client(user: User) -> APIClient:
    """A signed-in person's client (people use sessions; integrations use keys, the only API credential)."""
    client = APIClient()
    client.force_login(user)
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
    return make_user("olivia-ops", roles.OPS)


@pytest.fixture
def rep_user(db):
    return make_user("rachel-rep", roles.REP)


@pytest.fixture
def other_rep(db):
    return make_user("ravi-rep", roles.REP)


@pytest.fixture
def compliance_user(db):
    return make_user("carl-compliance", roles.COMPLIANCE)


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
