"""The rep productivity page (ops and managers see the team; a rep their own row) and the capacity check."""

from datetime import timedelta

import pytest
from django.utils import timezone

from leadscoring.models import Rep
from scoring.automation import services
from scoring.automation.models import SlaClock
from scoring.models import ScoringSettings
from tests.factories import make_lead, snapshot

pytestmark = pytest.mark.django_db


def _clock(lead, owner, *, met: bool):
    now = timezone.now()
    clock = SlaClock.objects.create(
        lead=lead,
        owner=owner,
        tier="Hot",
        hours=1,
        started_at=now - timedelta(hours=3),
        due_at=now - timedelta(hours=2),
    )
    if met:
        clock.stopped_at, clock.stop_reason = now - timedelta(hours=2, minutes=30), "contact"
    else:
        clock.breached_at = now - timedelta(hours=2)
    clock.save()


def test_ops_see_sla_compliance_workload_and_contacts_by_rep(client, ops, rep, other_rep, program):
    hot = make_lead(program, score=90, owner=rep)
    make_lead(program, score=10, owner=rep)
    _clock(hot, rep, met=True)
    _clock(make_lead(program, score=90, owner=rep, status="contacted"), rep, met=False)
    services.contact_log(lead=hot, rep=rep, kind="call", outcome="connected")
    client.force_login(ops)

    page = client.get("/lead-scoring-reps")

    assert page.status_code == 200
    rows = {r["name"]: r for r in page.context["data"]["reps"]}
    rita = rows["Rita Rep"]
    assert (rita["sla_met"], rita["sla_decided"], rita["sla_rate"]) == (1, 2, 0.5)
    assert (rita["workload"], rita["capacity"]) == (2, 40)  # two open Hot leads of 40 a week
    assert (rita["contacts_hot_warm"], rita["contacts_other"]) == (1, 0)
    assert page.context["data"]["median_first_contact"] == {"Hot": 0.5}
    assert set(page.context["charts"]) == {"sla", "workload", "conversion", "sla_weekly"}
    assert "Oscar Other" in rows


def test_a_rep_sees_only_their_own_row_and_a_manager_their_team(client, rep, other_rep, manager, program):
    client.force_login(other_rep)
    assert [r["name"] for r in client.get("/lead-scoring-reps").context["data"]["reps"]] == ["Oscar Other"]
    Rep.objects.create(user=manager, capacity=10)
    client.force_login(manager)
    names = [r["name"] for r in client.get("/lead-scoring-reps").context["data"]["reps"]]
    assert sorted(names) == ["Mona Manager", "Rita Rep"]


def test_the_settings_page_warns_when_hot_and_warm_volume_exceeds_capacity(client, ops, rep, program):
    now = timezone.now()
    for _ in range(3):  # 3 entries into Hot/Warm in four weeks (their first scores were Cold): 0.75 a week
        snapshot(
            make_lead(program, score=10),
            score=90,
            tier="Hot",
            previous_tier="Cool",
            at=now - timedelta(days=3),
        )
    client.force_login(ops)
    fits = client.get("/lead-scoring-settings").context["capacity"]
    assert fits["weekly"] == pytest.approx(0.75) and fits["capacity"] == 40 and fits["fits"]

    ScoringSettings.objects.update_or_create(pk=1, defaults={"hot_capacity": 0})
    Rep.objects.update(capacity=0)
    page = client.get("/lead-scoring-settings")
    assert page.context["capacity"]["fits"] is False
    assert "It does not fit" in page.content.decode()
