"""The test factories (factory_boy), shared by every test package, and the few builders made of them:
users in role groups, the default program with its tiers, leads with a current LeadScore and their
ScoreSnapshot history, and model versions."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from datetime import timedelta

import factory
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.db.models import Max
from django.utils import timezone
from factory.django import DjangoModelFactory

from leadscoring.models import Account, ActivityEvent, Lead
from scoring.engine.contracts import MissingSignal
from scoring.models import LeadScore, ScoreSnapshot, ScoringModel, TierDefinition
from scoring.selectors import program_default

_seq = itertools.count(1)


class UserFactory(DjangoModelFactory):
    """A user whose password is "pw-<username>", in the role groups passed as `roles=[...]`."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.LazyAttribute(lambda user: make_password(f"pw-{user.username}"))

    @factory.post_generation
    def roles(user, create, extracted, **kwargs):
        for role in extracted or ():
            user.groups.add(Group.objects.get_or_create(name=role)[0])


class AccountFactory(DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Company {n}")
    industry = "Software"
    employee_count = 120
    country = "UK"


class LeadFactory(DjangoModelFactory):
    class Meta:
        model = Lead

    external_id = factory.Sequence(lambda n: f"CRM-{n:05d}")
    email = factory.Sequence(lambda n: f"lead{n}@example.com")
    first_name = "Ada"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    account = factory.SubFactory(AccountFactory)
    source = "webinar"
    country = "UK"


class ActivityEventFactory(DjangoModelFactory):
    class Meta:
        model = ActivityEvent

    lead = factory.SubFactory(LeadFactory)
    kind = "pricing_page"
    occurred_at = factory.LazyFunction(timezone.now)
    source = "web"
    external_id = factory.Sequence(lambda n: f"E{n}")


class ScoringModelFactory(DjangoModelFactory):
    """A model version's row, live by default; the next free version number of its program."""

    class Meta:
        model = ScoringModel

    program = factory.LazyFunction(program_default)
    name = "Test model"
    version = factory.LazyAttribute(
        lambda row: (
            (ScoringModel.objects.filter(program=row.program).aggregate(Max("version"))["version__max"] or 0)
            + 1
        )
    )
    status = ScoringModel.Status.LIVE
    trained_at = factory.LazyFunction(timezone.now)
    deployed_at = factory.LazyFunction(timezone.now)


def model_from_training(values: dict, **fields) -> ScoringModel:
    """A version row carrying what a training stored (`values`), with `fields` on top; the JSON is
    copied, so a test that edits its row's metrics or signals leaves the next test's alone."""
    return ScoringModelFactory(**{**copy.deepcopy(values), **fields})


def missing_signal(key: str, label: str = "") -> dict:
    """A missing signal as decisions store it (`engine.contracts.MissingSignal`), labelled with the
    signal's name."""
    name = label or key.replace("_", " ").capitalize()
    return MissingSignal(signal=key, label=name, down=-3.0, up=5.0).to_dict()


class LeadScoreFactory(DjangoModelFactory):
    """A current score written directly (the scoring services are tested on their own)."""

    class Meta:
        model = LeadScore

    lead = factory.SubFactory(LeadFactory)
    program = factory.LazyFunction(program_default)
    score = 50.0
    tier = "Warm"
    probability = factory.LazyAttribute(lambda row: row.score / 200)
    confidence = 0.7
    subtotals = factory.LazyAttribute(lambda row: {"firmographic": row.score / 2, "intent": row.score / 2})
    top_factors = factory.LazyFunction(
        lambda: [{"signal": "demo_requests_90d", "label": "Demo requests", "points": 10.0}]
    )
    missing_signals = factory.LazyFunction(lambda: [missing_signal("budget")])
    scored_at = factory.LazyFunction(timezone.now)
    tier_since = factory.SelfAttribute("scored_at")


class ScoreSnapshotFactory(DjangoModelFactory):
    class Meta:
        model = ScoreSnapshot

    lead = factory.SubFactory(LeadFactory)
    program = factory.LazyFunction(program_default)
    score = 50.0
    tier = "Warm"
    trigger = "event"
    created_at = factory.LazyFunction(timezone.now)


def make_user(username: str, *roles: str, **extra) -> User:
    """A user (password "pw-<username>") in the named role groups."""
    return UserFactory(username=username, roles=roles, **extra)


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


def score_lead(lead: Lead, *, score: float, tier: str, days_ago: float = 0, **fields) -> LeadScore:
    """The lead's current score in the default program, written directly (replacing one it has)."""
    LeadScore.objects.filter(lead=lead, program=program_default()).delete()
    return LeadScoreFactory(
        lead=lead, score=score, tier=tier, scored_at=timezone.now() - timedelta(days=days_ago), **fields
    )


def snapshot(lead: Lead, *, score: float, tier: str, at, trigger: str = "event", **fields) -> ScoreSnapshot:
    fields.setdefault("inputs", {"pricing_views_7d": 2})
    return ScoreSnapshotFactory(lead=lead, score=score, tier=tier, created_at=at, trigger=trigger, **fields)


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
    lead = LeadFactory(
        external_id=f"L{n:05d}",
        first_name=fields.pop("first_name", f"Lead{n}"),
        last_name=fields.pop("last_name", "Tester"),
        email=fields.pop("email", f"lead{n}@example.com"),
        account=fields.pop("account", None),
        owner=owner,
        status=status,
        source=source,
        country=country,
        revenue=revenue,
        created_at=now - timedelta(days=created_days_ago),
        **fields,
    )
    namer = tier_namer(program)
    history = history or [(min(created_days_ago, 1), score, "created")]
    # As the services record them: a model decision's previous tier is the model's last tier, an
    # override's the tier shown before it.
    previous_model = previous_shown = ""
    for days_ago, value, trigger in history:
        value_tier = namer(value)
        ScoreSnapshotFactory(
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
    LeadScoreFactory(
        lead=lead,
        program=program,
        model=model,
        score=score,
        tier=namer(score),
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
        missing_signals=[
            missing_signal("budget"),
            missing_signal("timeline_days", "Purchase timeline (days)"),
        ],
        trend="rising",
        scored_at=now - timedelta(hours=2),
        tier_since=now - timedelta(minutes=30),
    )
    ActivityEventFactory(lead=lead, occurred_at=now - timedelta(hours=3), external_id=f"E{n}")
    return lead
