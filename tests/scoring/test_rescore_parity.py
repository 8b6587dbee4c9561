"""The set-based rescoring pipeline decides exactly what the per-lead-object path it replaced decided."""

from datetime import timedelta

import numpy as np
import pytest
from django.db import transaction
from django.utils import timezone

from leadscoring.demo.loader import demo_load
from leadscoring.demo.process import DEMO_NOW
from leadscoring.models import ActivityEvent, Lead
from scoring import selectors, services
from scoring.models import AccountScore, LeadScore, ScoreSnapshot, ScoringSettings, Trend
from scoring.services.reads import cutoffs_for
from tests.conftest import TRAINING_DEMO
from tests.factories import model_from_training
from tests.scoring.reference_rescore import reference_rescore

SCORE_FIELDS = (
    "lead_id",
    "model_id",
    "score",
    "tier",
    "probability",
    "confidence",
    "subtotals",
    "top_factors",
    "missing_signals",
    "trend",
    "scored_at",
    "tier_since",
    "override_score",
    "override_tier",
    "override_reason",
)
DECISION_FIELDS = (
    "lead_id",
    "model_id",
    "score",
    "tier",
    "previous_tier",
    "probability",
    "confidence",
    "subtotals",
    "top_factors",
    "missing_signals",
    "inputs",
    "trigger",
    "created_at",
)
ACCOUNT_FIELDS = ("account_id", "score", "tier", "best_lead_score", "active_contacts", "scored_leads")


def _state(since_id: int) -> dict:
    return {
        "scores": {r["lead_id"]: r for r in LeadScore.objects.values(*SCORE_FIELDS)},
        "decisions": {
            r["lead_id"]: r for r in ScoreSnapshot.objects.filter(id__gt=since_id).values(*DECISION_FIELDS)
        },
        "accounts": {
            r["account_id"]: r
            for r in AccountScore.objects.values(*ACCOUNT_FIELDS, "best_lead__scores__score")
        },
    }


def _close(a, b) -> bool:
    """Equal, floats to 1e-9 (the SQL aggregate and pandas may differ in the last bits of an age)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-9
    return a == b


@pytest.fixture
def book(db, trained_model_values):
    """The demo book scored once at the demo's moment, then a month on: fresh activity for some leads
    (rising scores, active contacts), stale downgrades for the quiet ones, and pinned tiers for others."""
    demo_load(**TRAINING_DEMO)
    model = model_from_training(trained_model_values, name="parity", deployed_at=None)
    services.model_deploy(model=model, override_reason="parity test", rescore=False)
    ScoringSettings.objects.filter(pk=ScoringSettings.load().pk).update(stale_after_days=30, hysteresis=4.0)
    ids = list(Lead.objects.order_by("id").values_list("id", flat=True))
    services.leads_rescore(lead_ids=ids, trigger="batch", as_of=DEMO_NOW)
    now = timezone.now()
    active = ids[::9]
    ActivityEvent.objects.bulk_create(
        ActivityEvent(
            lead_id=lead_id,
            kind=kind,
            occurred_at=now - timedelta(hours=hours),
            external_id=f"p{lead_id}-{n}",
        )
        for lead_id in active
        for n, (kind, hours) in enumerate(
            [
                ("pricing_page", 2),
                ("pricing_page", 30),
                ("demo_request", 5),
                ("email_reply", 20),
                ("webinar", 40),
            ]
        )
    )
    moved = services.leads_stale_downgrade(now=now)
    for lead in Lead.objects.filter(id__in=ids[3::41]):
        services.lead_override(lead=lead, tier="Hot", reason="parity: rep knows better", actor=None)
    return {"ids": ids, "now": now, "stale_moved": moved}


@pytest.mark.django_db
def test_set_based_rescoring_matches_the_reference_path(book):
    ids, now = book["ids"], book["now"]
    top = ScoreSnapshot.objects.order_by("-id").values_list("id", flat=True).first()
    with transaction.atomic():
        reference_rescore(lead_ids=ids, trigger="batch", as_of=now, now=now)
        expected = _state(top)
        transaction.set_rollback(True)
    result = services.leads_rescore(lead_ids=ids, trigger="batch", as_of=now)
    actual = _state(top)

    assert result.scored == len(ids) and not result.failed
    assert len(expected["decisions"]) == len(ids) == len(actual["decisions"])
    for kind in ("scores", "decisions"):
        assert expected[kind].keys() == actual[kind].keys()
        differing = [k for k in expected[kind] if not _close(expected[kind][k], actual[kind][k])]
        assert not differing, (kind, expected[kind][differing[0]], actual[kind][differing[0]])
    assert expected["accounts"].keys() == actual["accounts"].keys()
    for account_id, row in expected["accounts"].items():
        # Among equal best scores either lead is the account's best: the best lead's score is compared.
        assert actual["accounts"][account_id] == row

    # The book exercised what it claims: tier changes, tiers held by hysteresis, stale downgrades,
    # overrides left alone, trends both ways and accounts with several active contacts.
    decisions = list(actual["decisions"].values())
    assert book["stale_moved"] > 0
    assert sum(d["tier"] != d["previous_tier"] for d in decisions) > 0
    cutoffs = cutoffs_for(program=selectors.program_default())
    scores = np.array([d["score"] for d in decisions])
    earned = cutoffs.tier_of(scores)
    assert sum(d["tier"] != e for d, e in zip(decisions, earned, strict=True)) > 0
    assert {Trend.RISING, Trend.FALLING} <= {s["trend"] for s in actual["scores"].values()}
    assert sum(bool(s["override_tier"]) for s in actual["scores"].values()) == len(ids[3::41])
    assert max(a["active_contacts"] for a in actual["accounts"].values()) >= 2
