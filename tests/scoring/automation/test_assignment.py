"""Assignment: territory and capacity decide, every choice explains itself, and a full team means the pool."""

import pytest

from leadscoring.models import Rep
from scoring.automation import services
from scoring.automation.models import Assignment, Notification
from tests.factories import AccountFactory, make_lead

pytestmark = pytest.mark.django_db


def test_an_unassigned_lead_turning_hot_goes_to_the_rep_of_its_territory(rep, other_rep, program, decide):
    lead = make_lead(program, score=60, owner=None, country="UK")
    decide(lead, tier="Hot", previous="Warm")
    lead.refresh_from_db()
    assert lead.owner == rep
    assignment = Assignment.objects.get(lead=lead)
    assert assignment.rep == rep and assignment.method == "automatic"
    assert "territory UK" in assignment.reasons
    assert "0 of 40 capacity used" in assignment.reasons
    # The lead's history carries the reasons with the owner change.
    assert lead.history.first().history_change_reason.startswith("territory UK; 0 of 40 capacity used")
    # The new owner is told, with the reasons.
    assert "Assigned to you: territory UK" in Notification.objects.get(recipient=rep).body


def test_industry_expertise_counts(rep, other_rep, program, decide):
    Rep.objects.filter(user=other_rep).update(industries=["Banking"])
    lead = make_lead(
        program,
        score=60,
        owner=None,
        country="France",
        account=AccountFactory(industry="Banking", country="France"),
    )
    decide(lead, tier="Warm", previous="Cool")
    assert Assignment.objects.get(lead=lead).rep == other_rep
    assert "industry expertise in Banking" in Assignment.objects.get(lead=lead).reasons


def test_a_rep_at_capacity_gets_none(rep, other_rep, program, decide):
    Rep.objects.filter(user=rep).update(capacity=1)
    make_lead(program, score=90, owner=rep)  # one open Hot lead: full
    lead = make_lead(program, score=60, owner=None, country="UK")
    decide(lead, tier="Hot", previous="Warm")
    assert Assignment.objects.get(lead=lead).rep == other_rep


def test_nobody_with_room_leaves_the_lead_in_the_pool_and_tells_ops(rep, other_rep, ops, program, decide):
    Rep.objects.update(capacity=1)
    make_lead(program, score=90, owner=rep)
    make_lead(program, score=90, owner=other_rep)
    lead = make_lead(program, score=60, owner=None, country="UK")
    decide(lead, tier="Hot", previous="Warm")
    lead.refresh_from_db()
    assert lead.owner is None
    pool = Assignment.objects.get(lead=lead)
    assert pool.rep is None and "no active rep has room" in pool.reasons[0]
    assert Notification.objects.get(kind="unassigned").recipient == ops


def test_ties_go_round_robin(rep, other_rep, program, decide):
    Rep.objects.update(territory="")
    first = make_lead(program, score=60, owner=None, country="Spain")
    second = make_lead(program, score=60, owner=None, country="Spain")
    decide(first, tier="Hot", previous="Warm")
    decide(second, tier="Hot", previous="Warm")
    owners = {Assignment.objects.get(lead=first).rep, Assignment.objects.get(lead=second).rep}
    assert owners == {rep, other_rep}


def test_a_cold_lead_stays_in_the_pool_without_an_assignment(rep, program, decide):
    lead = make_lead(program, score=10, owner=None, country="UK")
    decide(lead, tier="Cold", previous="Cool")
    assert not Assignment.objects.exists()


def test_ops_reassign_by_hand_and_it_is_recorded(rep, other_rep, ops, program, decide):
    lead = make_lead(program, score=60, owner=rep)
    decide(lead, tier="Hot", previous="Warm")
    services.lead_reassign(lead=lead, rep_user=other_rep, actor=ops, reason="Rita is on leave")
    lead.refresh_from_db()
    assert lead.owner == other_rep
    row = Assignment.objects.get(lead=lead)
    assert row.method == "manual" and "Rita is on leave" in row.reasons
    running = lead.sla_clocks.get(stopped_at__isnull=True)
    assert running.owner == other_rep
