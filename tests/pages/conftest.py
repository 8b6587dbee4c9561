"""Page-test fixtures: users in each role, the default program with its tiers, a live version's row.

The factories themselves (make_user, make_lead, tier_of) are in tests/factories.py.
"""

from __future__ import annotations

import pytest

from tests.factories import ScoringModelFactory, make_user, program_with_tiers


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
def live_model_row(program):
    """A live version as the pages show it: fixed metrics, no artifact (nothing on these pages scores;
    tests that score use the trained `live_model`)."""
    return ScoringModelFactory(
        program=program,
        name="Test model",
        version=1,
        metrics={"auc": 0.81, "pr_auc": 0.55, "brier": 0.12, "passed": True},
        validation_passed=True,
    )


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
