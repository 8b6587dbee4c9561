"""History replay: the live model's scores at past moments, from what was known then, dated then."""

from datetime import timedelta

import pytest
from django.utils import timezone

from leadscoring.demo.loader import demo_load
from leadscoring.models import Lead
from scoring import analytics, selectors, services
from scoring.features import lead_signal_frame
from scoring.models import ScoreSnapshot
from tests.conftest import TRAINING_DEMO

pytestmark = pytest.mark.django_db


@pytest.fixture
def deployed(trained_model):
    demo_load(**TRAINING_DEMO)
    model = services.model_deploy(model=trained_model, override_reason="test", rescore=False)
    return model.program, model


def _near(value, recorded):
    """`value` as pytest.approx when it is a number (the decision log keeps 4 decimal places)."""
    return pytest.approx(float(value), abs=1e-4) if isinstance(recorded, int | float) else value


def test_replay_scores_each_past_moment_from_what_was_known_then(deployed):
    program, model = deployed
    started = timezone.now()
    result = services.scores_replay(program=program, days=60, every_days=20)
    moments = [started - timedelta(days=d) for d in (60, 40, 20)]
    expected = sum(Lead.objects.filter(created_at__lt=m).count() for m in moments)
    assert result.scored == expected > 0
    decisions = ScoreSnapshot.objects.filter(program=program)
    assert decisions.count() == expected
    assert set(decisions.values_list("trigger", flat=True)) == {"replay"}
    # Dated at their moment, and the log says so.
    for moment in moments:
        at = decisions.filter(
            created_at__range=(moment - timedelta(seconds=30), moment + timedelta(seconds=30))
        )
        assert at.count() == Lead.objects.filter(created_at__lt=at.first().created_at).count()
        assert at.first().reason.endswith(f"as of {at.first().created_at:%Y-%m-%d}")
    # The inputs are the signals as of the moment: no later event is read.
    signals = selectors.signals_of_model(model=model)
    oldest = list(decisions.order_by("created_at", "id")[:40])
    # One frame per moment (a replayed moment scores each lead once), rather than one per decision.
    frames_then = {
        moment: lead_signal_frame(
            lead_ids=[d.lead_id for d in oldest if d.created_at == moment], signals=signals, as_of=moment
        )
        for moment in {d.created_at for d in oldest}
    }
    frame_now = lead_signal_frame(lead_ids=sorted({d.lead_id for d in oldest}), signals=signals)
    differs = 0
    for decision in oldest:
        then = frames_then[decision.created_at].loc[decision.lead_id]
        now = frame_now.loc[decision.lead_id]
        recorded = {k: v for k, v in decision.inputs.items() if v is not None}
        assert recorded == {k: _near(v, recorded[k]) for k, v in then.to_dict().items() if k in recorded}
        differs += not then.equals(now)  # NaN-aware
    assert differs > 0
    # Each lead's chain of tiers links up, so the dashboard's tier migration can read it.
    for lead_id in decisions.values_list("lead_id", flat=True).distinct()[:50]:
        chain = list(decisions.filter(lead_id=lead_id).order_by("id").values_list("previous_tier", "tier"))
        assert chain[0][0] == ""
        assert all(prev == before[1] for (prev, _), before in zip(chain[1:], chain, strict=False))


def test_replay_feeds_the_tier_migration_and_refuses_to_run_twice(deployed):
    program, _ = deployed
    services.scores_replay(program=program, days=60, every_days=20)
    services.leads_rescore(lead_ids=list(Lead.objects.values_list("pk", flat=True)), trigger="batch")
    today = timezone.localdate()
    migration = analytics.tier_migration(program=program, start=today - timedelta(days=30), end=today)
    assert migration["total"] == Lead.objects.count()
    scored_before = Lead.objects.filter(created_at__lt=timezone.now() - timedelta(days=40)).count()
    assert sum(f["leads"] for f in migration["flows"] if f["from"] != "New") == scored_before
    with pytest.raises(services.ReplayRefused):
        services.scores_replay(program=program, days=60, every_days=20)
