"""Schemathesis against our own OpenAPI schema: no 5xx, and every response conforms to the schema.

Bounded and deterministic: a fixed number of examples per operation, derandomized, as a superuser (who
passes every role check, so each operation is exercised past its permissions).
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from leadscoring.models import IntegrationKey

from .conftest import LeadFactory, score_lead

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


# Loaded at collection (pytest-django has set Django up by then); the schema view needs no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def superuser_headers(db, django_user_model, settings):
    # The WSGI handler would close the test's connection between requests (its transaction with it).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"integration": "100000/min", "user": "100000/min"},
    }
    key, raw = IntegrationKey.objects.create_key(name="fuzz", scope=IntegrationKey.Scope.READ_WRITE)
    admin = key.user
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    for index in range(3):
        score_lead(LeadFactory(owner=admin if index == 0 else None), score=30.0 * index, tier="Cool")
    yield {"Authorization": f"Api-Key {raw}"}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_and_never_fails(case, superuser_headers):
    case.call_and_validate(headers=superuser_headers, checks=CHECKS)
