"""Plain factory functions shared by the page and browser tests: users in each role, the default
program with its tiers, and leads with a current LeadScore and their ScoreSnapshot history."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth.models import Group, User
from django.utils import timezone

from leadscoring.models import ActivityEvent, Lead
from scoring.models import LeadScore, ScoreSnapshot, TierDefinition
from scoring.selectors import program_default

_seq = itertools.count(1)


def make_user(username: str, *roles: str, **extra) -> User:
    """A user (password "pw-<username>") in the named role groups."""
    user = User.objects.create_user(username=username, password="pw-" + username, **extra)
    for role in roles:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def program_with_tiers():
    """The default program with the default tiers and signals (the services' own seeding, idempotent)."""
    from scoring.services import program_seed

    program = program_default()
    program_seed(program=program)
    return program


def tier_namer(program) -> Callable[[float], str]:
    """score -> tier name for the program's tiers as they are now (one query, for building many rows)."""
    tiers = list(TierDefinition.objects.filter(program=program).order_by("rank"))

    def name(score: float) -> str:
        return next((tier.name for tier in tiers if score >= tier.lower_bound), "Cold")

    return name


def tier_of(score: float, program) -> str:
    return tier_namer(program)(score)


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
