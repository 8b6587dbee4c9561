"""The person endpoints: export (JSON, zip of CSVs, logged), erase (compliance only), reconstruct."""

import csv
import io
import json
import zipfile

import pytest
from django.core.management import call_command

from audit.models import ExportLog, PersonalDataAccess
from leadscoring.models import Lead
from scoring.models import ScoreSnapshot
from tests.api.conftest import API, token_client
from tests.factories import LeadFactory, make_lead, make_user, program_with_tiers

pytestmark = pytest.mark.django_db


@pytest.fixture
def compliance():
    return make_user("carl-compliance", "Compliance")


@pytest.fixture
def person():
    lead = make_lead(
        program_with_tiers(),
        score=64,
        history=[(9, 50, "batch"), (2, 64, "event")],
        email="ines@example.com",
        attributes={"Notes": '=HYPERLINK("http://evil")'},
    )
    return lead


def test_export_holds_the_lead_its_history_events_and_decisions_and_is_logged(compliance, person):
    response = token_client(compliance).get(f"{API}leads/{person.pk}/export")

    assert response.status_code == 200
    document = json.loads(response.content)
    sections = document["sections"]
    assert sections["lead"][0]["email"] == "ines@example.com"
    assert len(sections["lead_history"]) >= 1
    assert len(sections["scoring_scoresnapshot"]) == ScoreSnapshot.objects.filter(lead=person).count() >= 2
    assert "leadscoring_activityevent" in sections and "scoring_leadscore" in sections
    assert document["counts"]["scoring_scoresnapshot"] == len(sections["scoring_scoresnapshot"])
    log = ExportLog.objects.get()
    assert (log.kind, log.params, log.user) == ("person.json", {"lead_id": person.pk}, compliance)
    import hashlib

    assert log.sha256 == hashlib.sha256(response.content).hexdigest()
    assert PersonalDataAccess.objects.filter(lead=person, channel="export").count() == 1


def test_the_zip_export_is_one_csv_per_section_with_formula_cells_neutralised(compliance, person):
    response = token_client(compliance).get(f"{API}leads/{person.pk}/export?bundle=zip")

    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert {"lead.csv", "lead_history.csv", "scoring_scoresnapshot.csv"} <= set(archive.namelist())
    rows = list(csv.DictReader(io.StringIO(archive.read("lead.csv").decode())))
    assert rows[0]["email"] == "ines@example.com"
    assert json.loads(rows[0]["attributes"].lstrip("'"))["Notes"].startswith("=HYPERLINK")
    assert not any(
        cell.startswith(("=", "+", "@"))
        for name in archive.namelist()
        for line in csv.reader(io.StringIO(archive.read(name).decode()))
        for cell in line
    )


def test_only_compliance_may_erase_and_the_answer_says_what_was_wiped(compliance, person):
    ops = make_user("olivia-ops", "Ops")
    refused = token_client(ops).post(f"{API}leads/{person.pk}/erase", {}, format="json")
    assert refused.status_code == 403
    assert Lead.objects.get(pk=person.pk).email == "ines@example.com"

    response = token_client(compliance).post(
        f"{API}leads/{person.pk}/erase", {"request_ref": "DSR-1"}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["lead_id"] == person.pk and body["already_erased"] is False
    assert body["wiped"]["lead fields"] >= 1
    assert Lead.objects.get(pk=person.pk).email == ""


def test_bad_input_is_a_json_error_naming_the_field(compliance, person):
    client = token_client(compliance)
    response = client.get(f"{API}leads/{person.pk}/reconstruct?at=yesterday")
    assert response.status_code == 400 and "at" in json.dumps(response.json())
    response = client.get(f"{API}leads/{person.pk}/export?bundle=pdf")
    assert response.status_code == 400 and "bundle" in json.dumps(response.json())
    assert client.get(f"{API}leads/999999/export").status_code == 404


def test_reconstruct_answers_the_decision_in_force_with_matches(compliance, person):
    decision = ScoreSnapshot.objects.filter(lead=person).order_by("created_at").first()
    at = decision.created_at.isoformat()
    response = token_client(compliance).get(f"{API}leads/{person.pk}/reconstruct", {"at": at})
    assert response.status_code == 200
    body = response.json()
    assert body["decision"]["score"] == decision.score
    # Fixture decisions have no model version: nothing to recompute, and it says so.
    assert body["matches"] is None and body["recomputation"]["why"]


def test_export_person_command_writes_the_json_and_the_zip(tmp_path):
    lead = LeadFactory(email="cmd@example.com")
    call_command("export_person", "cmd@example.com", "--out", str(tmp_path))
    assert json.loads((tmp_path / f"lead-{lead.pk}.json").read_text())["lead_id"] == lead.pk
    assert zipfile.is_zipfile(tmp_path / f"lead-{lead.pk}.zip")
