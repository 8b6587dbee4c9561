"""Fixtures for the automation: reps with calendars and a manager, ops, the default program's tiers, and
`decide`, which records decisions through the one decision writer (so the receivers run as in production)."""

from __future__ import annotations

from datetime import time

import pytest
from django.utils import timezone

from leadscoring.models import Rep
from scoring.services.decisions import DecisionRow, decisions_record
from tests.factories import make_user, program_with_tiers


@pytest.fixture
def program(db):
    return program_with_tiers()


@pytest.fixture
def manager(db):
    return make_user("mona", "Rep", first_name="Mona", last_name="Manager", email="mona@example.com")


@pytest.fixture
def rep(db, manager):
    user = make_user("rita", "Rep", first_name="Rita", last_name="Rep", email="rita@example.com")
    Rep.objects.create(user=user, territory="UK", capacity=40, manager=manager, time_zone="Europe/London")
    return user


@pytest.fixture
def other_rep(db):
    user = make_user("oscar", "Rep", first_name="Oscar", last_name="Other", email="oscar@example.com")
    Rep.objects.create(user=user, territory="Germany", capacity=40, time_zone="Europe/Berlin")
    return user


@pytest.fixture
def ops(db):
    return make_user("olivia", "Ops", first_name="Olivia", email="olivia@example.com", is_staff=True)


def decision(
    lead, *, tier: str, previous: str, score: float = 80.0, trigger: str = "event", at=None, factors=None
):
    return DecisionRow(
        lead_id=lead.pk,
        program_id=lead.scores.first().program_id if lead.scores.exists() else _default_program_id(),
        model_id=None,
        score=score,
        tier=tier,
        previous_tier=previous,
        probability=0.4,
        confidence=0.7,
        subtotals={},
        top_factors=factors or [{"signal": "demo_requests_90d", "label": "Demo requests", "points": 14.2}],
        missing_signals=[],
        trigger=trigger,
        created_at=at or timezone.now(),
    )


def _default_program_id() -> int:
    from scoring.selectors import program_default

    return program_default().pk


@pytest.fixture
def decide():
    """decide(lead, tier=..., previous=...) records one decision through the decision writer."""

    def record(lead, **kwargs):
        decisions_record(decisions=[decision(lead, **kwargs)])

    return record


WORKDAY = (time(9, 0), time(17, 0))
