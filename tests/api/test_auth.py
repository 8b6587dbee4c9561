"""Who may call: integration keys (hashed, revocable, expiring, scoped) and sessions; throttled per caller."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from leadscoring.models import IntegrationKey

from .conftest import API, assert_error, key_client

pytestmark = pytest.mark.django_db


def test_no_credential_is_401_with_an_api_key_challenge(anonymous):
    response = anonymous.get(API + "leads")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Api-Key"


def test_an_unknown_key_is_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Api-Key abcdefgh.not-a-real-key")
    assert_error(client.get(API + "leads"), 401, "authentication_failed")


def test_a_revoked_key_is_refused():
    client, key, _ = key_client(IntegrationKey.Scope.READ_WRITE)
    assert client.get(API + "leads").status_code == 200
    key.revoked = True
    key.save()
    assert_error(client.get(API + "leads"), 401)


def test_an_expired_key_is_refused():
    client, key, _ = key_client(IntegrationKey.Scope.READ_WRITE)
    key.expiry_date = timezone.now() - timedelta(minutes=1)
    key.save()
    error = assert_error(client.get(API + "leads"), 401)
    assert "expired" in error["message"]


def test_a_read_only_key_reads_but_never_writes(integration_ro):
    assert integration_ro.get(API + "leads").status_code == 200
    error = assert_error(integration_ro.post(API + "leads", {"external_id": "X1"}, format="json"), 403)
    assert "read-only" in error["message"]


def test_token_and_session_authenticate(ops, ops_user):
    assert ops.get(API + "config").status_code == 200
    session = APIClient(enforce_csrf_checks=True)
    session.force_login(ops_user)
    assert session.get(API + "config").status_code == 200
    # Session writes need the CSRF token, like any form post.
    assert_error(session.put(API + "config", {}, format="json"), 403)


def test_a_drf_token_is_no_credential_any_more():
    # Tokens were stored in plaintext; people sign in (session), integrations use hashed keys.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef")
    assert_error(client.get(API + "leads"), 401)


def test_throttling_is_per_key_and_answers_429(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"integration": "3/min", "user": "3/min"},
    }
    first, _, _ = key_client(IntegrationKey.Scope.READ_ONLY, name="first")
    second, _, _ = key_client(IntegrationKey.Scope.READ_ONLY, name="second")
    assert [first.get(API + "leads").status_code for _ in range(3)] == [200, 200, 200]
    response = first.get(API + "leads")
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    # Another integration's bucket is its own.
    assert second.get(API + "leads").status_code == 200


def test_integration_key_is_listed_and_revocable_in_the_admin(admin_client):
    _, key, _ = key_client(IntegrationKey.Scope.READ_WRITE, name="hubspot")
    page = admin_client.get("/admin/leadscoring/integrationkey/")
    assert page.status_code == 200 and b"hubspot" in page.content
    change = admin_client.get(f"/admin/leadscoring/integrationkey/{key.pk}/change/")
    assert change.status_code == 200 and b"revoked" in change.content
