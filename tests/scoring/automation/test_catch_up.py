"""Catching up: leads already Hot or Warm before the automation ran get an owner and a clock, once."""

import pytest
from django.core.management import call_command

from scoring.automation import services
from scoring.automation.models import Assignment, SlaClock
from tests.factories import make_lead

pytestmark = pytest.mark.django_db


def test_leads_already_hot_are_assigned_and_clocked_once(rep, other_rep, program):
    hot = make_lead(program, score=90, owner=None, country="UK")
    owned_hot = make_lead(program, score=90, owner=other_rep, country="Germany")
    cold = make_lead(program, score=5, owner=None, country="UK")
    closed = make_lead(program, score=90, owner=None, country="UK", status="converted")
    assert not Assignment.objects.exists() and not SlaClock.objects.exists()

    done = services.automation_catch_up()

    hot.refresh_from_db()
    assert hot.owner == rep and "territory UK" in Assignment.objects.get(lead=hot).reasons
    assert set(SlaClock.objects.filter(stopped_at__isnull=True).values_list("lead_id", flat=True)) == {
        hot.pk,
        owned_hot.pk,
    }
    assert not Assignment.objects.filter(lead__in=[cold, closed]).exists()
    assert done == {"assigned": 1, "pooled": 0, "clocks_started": 2}
    # A second run finds nothing to do.
    assert services.automation_catch_up() == {"assigned": 0, "pooled": 0, "clocks_started": 0}
    assert SlaClock.objects.count() == 2 and Assignment.objects.count() == 1


def test_the_command_reports_what_it_did(rep, program, capsys):
    make_lead(program, score=90, owner=None, country="UK")
    call_command("automation_catch_up")
    assert "Assigned 1 leads, 0 left in the pool (ops told), 1 SLA clocks started." in capsys.readouterr().out
