"""Audit hears what the CRM announces: every read of personal data becomes an access-log row."""

import pytest
from django.db import transaction

from audit.models import PersonalDataAccess
from leadscoring.services import personal_data_read_record
from tests.factories import LeadFactory, make_user

pytestmark = pytest.mark.django_db


def test_a_read_announced_by_the_crm_is_logged_once_per_lead_with_reader_and_channel():
    compliance = make_user("carla", "Compliance")
    leads = [LeadFactory(external_id="L-1"), LeadFactory(external_id="L-2")]

    personal_data_read_record(leads=leads, user=compliance, channel="export", action="subject export")

    rows = PersonalDataAccess.objects.order_by("lead_external_id")
    assert [(r.lead_id, r.lead_external_id) for r in rows] == [(leads[0].pk, "L-1"), (leads[1].pk, "L-2")]
    assert {(r.user_id, r.integration, r.channel, r.action) for r in rows} == {
        (compliance.pk, "", "export", "subject export")
    }


def test_an_integration_read_names_the_key_and_no_user():
    lead = LeadFactory()

    personal_data_read_record(leads=[lead], user=None, integration="HubSpot sync", channel="api", action="x")

    row = PersonalDataAccess.objects.get()
    assert (row.user_id, row.integration, row.channel) == (None, "HubSpot sync", "api")


def test_no_leads_read_writes_nothing_and_a_rolled_back_read_leaves_no_row():
    lead = LeadFactory()
    personal_data_read_record(leads=[], user=None, channel="page", action="empty list")
    with transaction.atomic():
        personal_data_read_record(leads=[lead], user=None, channel="page", action="rolled back")
        transaction.set_rollback(True)

    assert not PersonalDataAccess.objects.exists()
