"""A lead marked "do not process" is never scored, and its page says so."""

import pytest

from scoring import services
from scoring.models import LeadScore, ScoreSnapshot
from tests.factories import LeadFactory, make_user

pytestmark = pytest.mark.django_db


def test_a_do_not_process_lead_is_left_out_of_scoring_while_its_neighbour_is_scored(live_model):
    refused, consenting = LeadFactory(do_not_process=True), LeadFactory()

    result = services.leads_rescore(lead_ids=[refused.pk, consenting.pk], trigger="batch")

    assert (result.scored, result.skipped) == (1, 1)
    assert not ScoreSnapshot.objects.filter(lead=refused).exists()
    assert not LeadScore.objects.filter(lead=refused).exists()
    assert ScoreSnapshot.objects.filter(lead=consenting).count() == 1
    assert services.lead_rescore(lead=refused, trigger="event") is None


def test_the_lead_page_says_the_person_is_not_processed(client):
    lead = LeadFactory(do_not_process=True)
    client.force_login(make_user("olivia", "Ops"))
    page = client.get(f"/leads/{lead.pk}/")
    assert page.status_code == 200
    assert "Do not process" in page.content.decode()
