"""Page-test fixtures: users in each role, the default program with its tiers, a live model.

The factories themselves (make_user, make_lead, tier_of) are in tests/factories.py.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from scoring.models import ScoringModel
from tests.factories import make_user, program_with_tiers


@pytest.fixture
def rep(db):
    return make_user("rita", "Rep", first_name="Rita", last_name="Rep")


@pytest.fixture
def other_rep(db):
    return make_user("oscar", "Rep", first_name="Oscar", last_name="Other")


@pytest.fixture
def ops(db):
    return make_user("olivia", "Ops", first_name="Olivia", last_name="Ops", is_staff=True)


@pytest.fixture
def compliance(db):
    return make_user("carl", "Compliance")


@pytest.fixture
def integration(db):
    return make_user("bot", "Integration")


@pytest.fixture
def program(db):
    return program_with_tiers()


@pytest.fixture
def live_model(program):
    return ScoringModel.objects.create(
        program=program,
        name="Test model",
        version=1,
        status=ScoringModel.Status.LIVE,
        metrics={"auc": 0.81, "pr_auc": 0.55, "brier": 0.12, "passed": True},
        validation_passed=True,
        trained_at=timezone.now(),
        deployed_at=timezone.now(),
    )


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
