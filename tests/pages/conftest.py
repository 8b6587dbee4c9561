"""Simple factories for the page tests: users in each role, leads with a current score and its snapshots."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from leadscoring.models import ActivityEvent, Lead
from scoring.models import LeadScore, ScoreSnapshot, ScoringModel, TierDefinition
from scoring.selectors import program_default

_seq = itertools.count(1)
PLOTLY_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "scoring.charts.PlotlyJsFinder",
]


@pytest.fixture(autouse=True)
def _static_for_tests(settings):
    # live_server and the test client serve unhashed names: no manifest in tests.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    if "scoring.charts.PlotlyJsFinder" not in settings.STATICFILES_FINDERS:
        settings.STATICFILES_FINDERS = PLOTLY_FINDERS


def make_user(username: str, *roles: str, **extra) -> User:
    user = User.objects.create_user(username=username, password="pw-" + username, **extra)
    for role in roles:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


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
    program = program_default()
    if not TierDefinition.objects.filter(program=program).exists():
        from scoring.defaults import DEFAULT_TIERS

        for name, rank, lower, colour, sla, action, cadence in DEFAULT_TIERS:
            TierDefinition.objects.create(
                program=program,
                name=name,
                rank=rank,
                lower_bound=lower,
                colour=colour,
                sla_hours=sla,
                recommended_action=action,
                cadence_days=cadence,
            )
    return program


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


def tier_of(score: float, program) -> str:
    for tier in TierDefinition.objects.filter(program=program).order_by("rank"):
        if score >= tier.lower_bound:
            return tier.name
    return "Cold"


def make_lead(
    program,
    *,
    score: float,
    owner=None,
    status: str = Lead.Status.NEW,
    source: str = "Web",
    country: str = "Germany",
    created_days_ago: int = 5,
    history: list[tuple[int, float, str]] | None = None,
    revenue=None,
    model=None,
    **fields,
) -> Lead:
    """A lead with its current LeadScore and snapshots; `history` is [(days_ago, score, trigger)], oldest first."""
    n = next(_seq)
    now = timezone.now()
    lead = Lead.objects.create(
        external_id=f"L{n:05d}",
        first_name=fields.pop("first_name", f"Lead{n}"),
        last_name=fields.pop("last_name", "Tester"),
        email=fields.pop("email", f"lead{n}@example.com"),
        owner=owner,
        status=status,
        source=source,
        country=country,
        revenue=revenue,
        created_at=now - timedelta(days=created_days_ago),
        **fields,
    )
    tier = tier_of(score, program)
    history = history or [(min(created_days_ago, 1), score, "created")]
    # As the services record them: a model decision's previous tier is the model's last tier, an
    # override's the tier shown before it.
    previous_model = previous_shown = ""
    for days_ago, value, trigger in history:
        value_tier = tier_of(value, program)
        ScoreSnapshot.objects.create(
            lead=lead,
            program=program,
            model=model,
            score=value,
            tier=value_tier,
            previous_tier=previous_shown if trigger == "manual" else previous_model,
            trigger=trigger,
            reason="" if trigger != "event" else "Pricing page view",
            subtotals={"firmographic": 20.0, "intent": value / 3},
            top_factors=[],
            created_at=now - timedelta(days=days_ago),
        )
        previous_shown = value_tier
        if trigger != "manual":
            previous_model = value_tier
    LeadScore.objects.create(
        lead=lead,
        program=program,
        model=model,
        score=score,
        tier=tier,
        probability=score / 120,
        confidence=0.7,
        subtotals={
            "firmographic": 20.0,
            "behavioral": 10.0,
            "engagement": 8.0,
            "intent": score / 3,
            "negative": -2.0,
        },
        top_factors=[
            {
                "signal": "pricing_views_7d",
                "label": "Viewed the pricing page 3 times this week",
                "points": 12.5,
            },
            {"signal": "seniority", "label": "Decision maker (VP)", "points": 8.0},
            {"signal": "bounces_90d", "label": "An email bounced", "points": -3.0},
        ],
        missing_signals=["budget", "timeline_days"],
        trend="rising",
        scored_at=now - timedelta(hours=2),
        tier_since=now - timedelta(minutes=30),
    )
    ActivityEvent.objects.create(
        lead=lead,
        kind="pricing_page",
        occurred_at=now - timedelta(hours=3),
        source="web",
        external_id=f"E{n}",
    )
    return lead


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
