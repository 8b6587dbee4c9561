"""Erasing a person leaves their e-mail and phone nowhere in the database, keeps every decision and
dashboard figure, records the erasure, and refuses to bring the person back by import or API."""

from datetime import date, timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from audit.models import DecisionRedaction, Erasure, PersonalDataAccess
from audit.services.decision_log import decision_log_seal, decision_log_verify
from audit.services.erasure import person_erase
from leadscoring import services as crm
from leadscoring.models import ActivityEvent, Deal, Lead
from scoring.analytics.dashboard import kpis
from scoring.models import LeadFeedback, ScoreSnapshot
from scoring.services.decisions import DecisionRow, decisions_record
from tests.factories import make_lead, make_user, program_with_tiers

pytestmark = pytest.mark.django_db

EMAIL, PHONE = "Maria.Lopez@Example.org", "+44 20 7946 0958"


def _database_text() -> str:
    """Every row of every table, as text: what a dump of the database would hold."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks).lower()


def _person(program, compliance):
    lead = make_lead(
        program,
        score=72,
        history=[(20, 40, "batch"), (5, 72, "event")],
        email=EMAIL,
        first_name="Maria",
        last_name="Lopez",
        phone=PHONE,
        need="Call Maria on +44 20 7946 0958 after 5pm",
        attributes={"Lead Source": "Google", "City": "London", "Notes": "maria.lopez@example.org"},
    )
    # History rows with the personal fields, through the CRM's own write path.
    crm.lead_upsert(
        source_system=lead.source_system, external_id=lead.external_id, fields={"title": "CTO of Lopez Ltd"}
    )
    crm.event_record(
        lead=lead,
        kind="page_view",
        occurred_at=timezone.now(),
        source="web",
        external_id="pv-1",
        url=f"https://example.com/pricing?email={EMAIL}&utm=x",
        properties={"form": {"phone": PHONE}},
        rescore=False,
    )
    Deal.objects.create(lead=lead, name="Maria Lopez renewal", created_on=date.today())
    LeadFeedback.objects.create(lead=lead, user=compliance, verdict="good", reason="Maria Lopez replied")
    decisions_record(
        decisions=[
            DecisionRow(
                lead_id=lead.pk,
                program_id=program.pk,
                model_id=None,
                score=72.0,
                tier="Warm",
                probability=None,
                confidence=None,
                subtotals={},
                top_factors=[{"signal": "email", "label": f"E-mail is {EMAIL}", "points": 1.0}],
                missing_signals=[],
                inputs={"email": EMAIL},
                trigger="manual",
                created_at=timezone.now(),
            )
        ]
    )
    crm.personal_data_read_record(leads=[lead], user=compliance, channel="api", action="leads.detail")
    LogEntry.objects.log_action(
        user_id=compliance.pk,
        content_type_id=ContentType.objects.get_for_model(Lead).pk,
        object_id=lead.pk,
        object_repr=str(lead),
        action_flag=CHANGE,
    )
    return lead


def test_after_erasure_no_personal_value_is_left_anywhere_and_decisions_and_figures_stand():
    program = program_with_tiers()
    compliance = make_user("carl", "Compliance")
    lead = _person(program, compliance)
    bystander = make_lead(program, score=30, email="keep@example.com", phone="+1 555 0100")
    decision_log_seal()
    text = _database_text()
    assert EMAIL.lower() in text and PHONE in text  # the search can see them before
    decisions = ScoreSnapshot.objects.count()
    start, end = date.today() - timedelta(days=60), date.today()
    figures = kpis(program=program, start=start, end=end)

    result = person_erase(lead=lead, actor=compliance, request_ref="DSR-2026-17")

    text = _database_text()
    for value in (EMAIL.lower(), PHONE, "442079460958", "lopez"):
        assert value not in text, value
    assert "keep@example.com" in text  # only the person asked about is erased
    assert ScoreSnapshot.objects.count() == decisions
    assert kpis(program=program, start=start, end=end) == figures
    lead.refresh_from_db()
    assert (lead.email, lead.phone, lead.first_name, lead.do_not_process) == ("", "", "", True)
    assert lead.attributes == {"Lead Source": "Google"}
    event = ActivityEvent.objects.get(lead=lead, external_id="pv-1")
    assert (event.url, event.properties) == ("https://example.com/pricing", {})
    assert Lead.history.filter(id=lead.pk).count() >= 3
    erasure = Erasure.objects.get(lead_id=lead.pk)
    assert (erasure.user, erasure.request_ref) == (compliance, "DSR-2026-17")
    assert erasure.wiped["decisions redacted"] == 1 == result.wiped["decisions redacted"]
    assert erasure.wiped["lead history rows"] == 2 and erasure.wiped["events"] >= 1
    assert PersonalDataAccess.objects.get(lead=lead).lead_external_id == f"erased-{lead.pk}"
    bystander.refresh_from_db()
    assert bystander.email == "keep@example.com"
    # The redaction is the one sanctioned change: the chain still verifies, through its record.
    assert DecisionRedaction.objects.count() == 1
    report = decision_log_verify()
    assert report.ok and report.programs[0].redacted == 1


def test_an_erased_person_is_refused_by_the_api_write_and_by_a_reimport(tmp_path, settings):
    lead = make_lead(program_with_tiers(), score=50, email="ex@example.com")
    source, external_id = lead.source_system, lead.external_id
    person_erase(lead=lead)

    with pytest.raises(ValidationError) as refused:
        crm.lead_upsert(source_system=source, external_id=external_id, fields={"email": "ex@example.com"})
    assert "erased" in str(refused.value.message_dict["external_id"])

    from leadscoring.importing.services import leads_import

    csv = tmp_path / "leads.csv"
    csv.write_text(f"external_id,email\n{external_id},ex@example.com\nNEW-1,new@example.com\n")
    result = leads_import(path=csv, source_system=source)
    assert result.created == 1
    assert [e.reason for e in result.errors] == [
        "this person was erased at their request; their record may not be recreated"
    ]
    assert not Lead.objects.filter(email="ex@example.com").exists()

    settings.ERASED_PERSON_REIMPORT = True  # where ops allow it, a new record is created
    again, created = crm.lead_upsert(source_system=source, external_id=external_id, fields={})
    assert created and again.pk != lead.pk


def test_erase_person_command_finds_the_person_by_email_and_a_second_erasure_changes_nothing():
    lead = make_lead(program_with_tiers(), score=50, email="cmd@example.com")
    call_command("erase_person", "cmd@example.com", "--request", "DSR-9")
    lead.refresh_from_db()
    assert lead.erased_at is not None and lead.email == ""
    assert person_erase(lead=lead).already_erased
    assert Erasure.objects.filter(lead_id=lead.pk).count() == 1


def test_deleting_a_lead_in_the_admin_erases_it_and_its_decisions_stay(client):
    lead = make_lead(program_with_tiers(), score=55, history=[(3, 55, "event")], email="adm@example.com")
    decisions = ScoreSnapshot.objects.filter(lead=lead).count()
    root = make_user("root", is_superuser=True, is_staff=True)
    client.force_login(root)

    confirm = client.get(f"/admin/leadscoring/lead/{lead.pk}/delete/")
    assert confirm.status_code == 200 and "decisions kept" in confirm.content.decode()
    client.post(f"/admin/leadscoring/lead/{lead.pk}/delete/", {"post": "yes"})

    lead.refresh_from_db()
    assert lead.email == "" and lead.erased_at is not None
    assert ScoreSnapshot.objects.filter(lead=lead).count() == decisions >= 1
    assert Erasure.objects.get(lead_id=lead.pk).user == root
