"""A past decision reconstructed: its model, tiers, settings and signals of that day, and a recomputation
from its stored inputs with its stored artifact that matches, or says loudly what does not."""

import shutil
from datetime import timedelta

import pytest
from django.utils import timezone

from audit.services.reconstruction import decision_reconstruct
from scoring import services
from scoring.models import ScoreSnapshot, ScoringModel, ScoringSettings, Signal, TierDefinition
from scoring.selectors import program_default
from scoring.services.decisions import DecisionRow, decisions_record
from tests.factories import ActivityEventFactory, LeadFactory, model_from_training

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(live_model, tmp_path):
    # The version's artifact is the session's: the test works on its own copy of the file.
    copy = tmp_path / "artifact.joblib"
    shutil.copyfile(live_model.artifact_path, copy)
    ScoringModel.objects.filter(pk=live_model.pk).update(artifact_path=str(copy))
    lead = LeadFactory(title="VP Sales", seniority="vp")
    for days in (1, 3, 8):
        ActivityEventFactory(
            lead=lead, kind="pricing_page", occurred_at=timezone.now() - timedelta(days=days)
        )
    decision = services.lead_rescore(lead=lead, trigger="event")
    assert decision is not None and decision.inputs
    return lead, decision, copy


def _change_everything(live_model, trained_model_values):
    program = program_default()
    for tier in TierDefinition.objects.filter(program=program):
        tier.lower_bound = max(0, tier.lower_bound - 7)
        tier.save()
    signal = Signal.objects.filter(program=program).first()
    signal.points += 10
    signal.save()
    row = ScoringSettings.load()
    row.hysteresis = 9.0
    row.save()
    ScoringModel.objects.filter(pk=live_model.pk).update(status=ScoringModel.Status.RETIRED)
    model_from_training(trained_model_values, name="newer", status=ScoringModel.Status.LIVE, version=99)


def test_a_past_decision_recomputes_to_its_recorded_score_after_model_tiers_and_signals_changed(
    scored, live_model, trained_model_values
):
    lead, decision, _ = scored
    tiers_then = [
        (t.name, t.lower_bound)
        for t in TierDefinition.objects.filter(program=program_default()).order_by("rank")
    ]
    moment = decision.created_at + timedelta(seconds=1)
    _change_everything(live_model, trained_model_values)

    result = decision_reconstruct(lead=lead, program=program_default(), at=moment)

    assert result["decision"].pk == decision.pk
    assert result["model"]["version"] == live_model.version
    assert result["model"]["artifact_sha256"] == live_model.artifact_sha256
    assert [(t["name"], t["lower_bound"]) for t in result["tiers"]] == tiers_then
    assert result["settings"]["hysteresis"] == ScoringSettings._meta.get_field("hysteresis").default
    assert result["signals"] == live_model.signals
    assert result["recomputation"]["score"] == decision.score
    assert result["recomputation"]["tier"] == decision.tier
    assert result["matches"] is True


def test_a_swapped_artifact_is_a_mismatch(scored):
    lead, decision, copy = scored
    copy.write_bytes(copy.read_bytes()[:-10] + b"0123456789")

    result = decision_reconstruct(lead=lead, program=program_default(), at=timezone.now())

    assert result["matches"] is False
    assert "does not match the sha256" in result["recomputation"]["why"]


def test_a_recorded_score_the_inputs_do_not_give_is_reported_with_what_differs(scored):
    lead, decision, _ = scored
    forged = {
        f: getattr(decision, f)
        for f in ("lead_id", "program_id", "model_id", "probability", "confidence", "subtotals", "tier")
    }
    decisions_record(
        decisions=[
            DecisionRow(
                **forged,
                score=decision.score + 5,
                top_factors=[],
                missing_signals=[],
                inputs=decision.inputs,
                previous_tier=decision.tier,
                trigger="event",
                created_at=decision.created_at + timedelta(seconds=5),
            )
        ]
    )
    at = decision.created_at + timedelta(seconds=10)
    result = decision_reconstruct(lead=lead, program=program_default(), at=at)
    assert result["decision"].pk == ScoreSnapshot.objects.latest("id").pk
    assert result["matches"] is False
    assert result["recomputation"]["differences"][0] == {
        "field": "score",
        "recorded": decision.score + 5,
        "recomputed": decision.score,
    }
    assert result["recomputation"]["why"].startswith("MISMATCH")


def test_before_the_first_decision_there_is_nothing_in_force(scored):
    lead, decision, _ = scored
    result = decision_reconstruct(
        lead=lead, program=program_default(), at=decision.created_at - timedelta(days=1)
    )
    assert result["decision"] is None and result["matches"] is None
