"""One writer of decisions: every trigger records its ScoreSnapshot rows through decisions.py, all filled alike."""

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from leadscoring import services as crm
from leadscoring.models import Account, Lead
from scoring import selectors, services
from scoring.models import LeadScore, ScoreSnapshot
from scoring.services.decisions import DECISION_COLUMNS, DecisionRow, decisions_record

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
DIMENSIONS = {"firmographic", "behavioral", "engagement", "intent", "negative"}


def test_every_trigger_writes_decisions_with_the_same_fields_filled(
    live_model,
    django_capture_on_commit_callbacks,
):
    program = selectors.program_default()
    ops = User.objects.create(username="ops")
    lead = Lead.objects.create(external_id="L-1", account=Account.objects.create(name="Acme"), country="UK")
    long_ago = timezone.now() - timedelta(days=400)

    with django_capture_on_commit_callbacks(execute=True):
        crm.event_record(
            lead=lead, kind="demo_request", occurred_at=long_ago, source="web", external_id="e-1"
        )
    services.leads_rescore(lead_ids=[lead.pk], trigger="batch")
    LeadScore.objects.filter(lead=lead).update(scored_at=long_ago)  # due on any tier's cadence
    services.leads_rescore_on_cadence(program=program)
    Lead.objects.filter(pk=lead.pk).update(created_at=long_ago)
    LeadScore.objects.filter(lead=lead).update(
        tier="Hot", tier_since=long_ago
    )  # stale, above the lowest tier
    assert services.leads_stale_downgrade(program=program) == 1
    services.lead_override(lead=lead, tier="Cold", reason="  asked to stop  ", actor=ops)

    rows = list(ScoreSnapshot.objects.filter(lead=lead).order_by("id").values(*DECISION_COLUMNS))
    assert [row["trigger"] for row in rows] == ["event", "batch", "cadence", "stale", "manual"]
    signal_keys = {s["key"] for s in live_model.signals}
    for row, previous in zip(rows, [None, *rows[:-1]], strict=False):
        assert (row["lead_id"], row["program_id"], row["model_id"]) == (lead.pk, program.pk, live_model.pk)
        assert 0 <= row["score"] <= 100 and row["tier"] in {"Hot", "Warm", "Cool", "Cold"}
        assert row["previous_tier"] == (
            "" if previous is None else previous["tier"] if row["trigger"] != "stale" else "Hot"
        )
        assert row["probability"] is not None and row["confidence"] is not None
        assert set(row["subtotals"]) >= DIMENSIONS
        assert isinstance(row["top_factors"], list) and isinstance(row["missing_signals"], list)
        assert row["created_at"] is not None
    scored, restated = rows[:3], rows[3:]
    for row in scored:  # decisions that read signals carry them
        assert set(row["inputs"]) == signal_keys and row["reason"] == "" and row["actor_id"] is None
    for row in restated:  # decisions that restate a score read none, and say why
        assert row["inputs"] == {} and row["reason"]
        assert (row["probability"], row["subtotals"]) == (scored[-1]["probability"], scored[-1]["subtotals"])
    assert restated[0]["reason"].startswith("no activity for") and restated[0]["tier"] == "Warm"
    assert (restated[1]["reason"], restated[1]["actor_id"], restated[1]["tier"]) == (
        "asked to stop",
        ops.pk,
        "Cold",
    )


def test_the_writer_stores_a_row_as_built_and_clips_the_reason():
    program = selectors.program_default()
    lead = Lead.objects.create(external_id="L-2")
    now = timezone.now()
    decision = DecisionRow(
        lead_id=lead.pk,
        program_id=program.pk,
        model_id=None,
        score=41.5,
        tier="Cool",
        probability=None,
        confidence=0.25,
        subtotals={"intent": 4.0},
        top_factors=[{"signal": "x", "effect": 1.0}],
        missing_signals=("budget",),
        trigger="replay",
        reason="r" * 300,
        created_at=now,
    )
    assert decisions_record(decisions=[decision]) == 1
    stored = ScoreSnapshot.objects.get()
    assert (stored.score, stored.tier, stored.previous_tier, stored.confidence) == (41.5, "Cool", "", 0.25)
    assert (stored.subtotals, stored.missing_signals, stored.inputs) == ({"intent": 4.0}, ["budget"], {})
    assert stored.reason == "r" * 255 and stored.created_at == now


def test_no_other_module_writes_decisions():
    """ScoreSnapshot rows are made only in scoring/services/decisions.py (the product's packages, not tests)."""
    writers = set()
    for package in ("leadscoring", "scoring", "audit", "config"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            source = path.read_text(encoding="utf-8")
            for node in ast.walk(ast.parse(source)):
                writes = False
                if isinstance(node, ast.Call):  # ScoreSnapshot(...) or ScoreSnapshot.objects.create(...)
                    target = node.func
                    writes = (isinstance(target, ast.Name) and target.id == "ScoreSnapshot") or (
                        isinstance(target, ast.Attribute)
                        and target.attr in {"create", "bulk_create", "get_or_create", "update_or_create"}
                        and "ScoreSnapshot" in ast.unparse(target.value)
                    )
                elif isinstance(node, ast.Constant) and isinstance(node.value, str):  # raw COPY / INSERT
                    sql = node.value.lstrip().upper()
                    writes = sql.startswith(("COPY", "INSERT")) and "ScoreSnapshot" in source
                if writes:
                    writers.add(path.relative_to(ROOT).as_posix())
    assert writers == {"scoring/services/decisions.py"}


def test_every_decision_written_is_announced_once_with_its_tier_change(live_model):
    from scoring.signals import decisions_recorded

    heard = []

    def listen(sender, *, decisions, **kwargs):
        heard.extend((d.lead_id, d.previous_tier, d.tier, d.trigger) for d in decisions)

    decisions_recorded.connect(listen, dispatch_uid="test.listen")
    try:
        lead = Lead.objects.create(external_id="L-sig", account=Account.objects.create(name="Acme"))
        services.leads_rescore(lead_ids=[lead.pk], trigger="batch")
        services.leads_rescore(lead_ids=[lead.pk], trigger="batch")
    finally:
        decisions_recorded.disconnect(dispatch_uid="test.listen")
    snapshots = list(ScoreSnapshot.objects.filter(lead=lead).order_by("id"))
    assert [(s.lead_id, s.previous_tier, s.tier, s.trigger) for s in snapshots] == heard
    assert heard[0][1] == "" and heard[1][1] == heard[1][2]
