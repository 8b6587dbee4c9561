"""The Compliance page, the streamed exports, the reconstruct page, sign-in activity and throttling."""

import csv
import io
import json
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from audit.models import ExportLog, UserActivity
from audit.services.exports import export_stream
from leadscoring.models import Lead
from scoring.selectors import program_default
from tests.factories import LeadFactory, make_lead, make_user, program_with_tiers, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def compliance(client):
    user = make_user("carla", "Compliance")
    client.force_login(user)
    return user


def _body(response) -> str:
    return b"".join(response.streaming_content).decode()


def test_the_decisions_csv_streams_every_decision_of_the_range_with_formula_cells_neutralised(
    client, compliance
):
    lead = LeadFactory()
    for days in (1, 2, 3):
        snapshot(
            lead,
            score=50 + days,
            tier="Warm",
            at=timezone.now() - timedelta(days=days),
            reason="=cmd|' /C calc'!A0",
        )
    snapshot(lead, score=10, tier="Cold", at=timezone.now() - timedelta(days=200))
    today = date.today()

    response = client.get(f"/compliance/exports/decisions.csv?from={today - timedelta(days=10)}&to={today}")

    assert response.status_code == 200 and response.streaming
    rows = list(csv.DictReader(io.StringIO(_body(response))))
    assert sorted(float(r["score"]) for r in rows) == [51.0, 52.0, 53.0]
    assert {r["reason"] for r in rows} == {"'=cmd|' /C calc'!A0"}
    log = ExportLog.objects.get(kind="decisions.csv")
    assert log.rows == 3 and len(log.sha256) == 64 and log.params["complete"] is True


def test_the_json_export_is_one_document_and_its_hash_is_the_bytes_sent(compliance):
    import hashlib

    lead = LeadFactory()
    snapshot(lead, score=70, tier="Hot", at=timezone.now())
    chunks = list(
        export_stream(
            kind="decisions",
            fmt="json",
            program=program_default(),
            start=date.today(),
            end=date.today(),
            user=compliance,
        )
    )
    payload = b"".join(chunks)
    document = json.loads(payload)
    assert [r["score"] for r in document["rows"]] == [70.0]
    assert ExportLog.objects.get().sha256 == hashlib.sha256(payload).hexdigest()


def test_config_changes_export_carries_field_level_diffs(client, compliance):
    from scoring.models import TierDefinition

    program_with_tiers()
    tier = TierDefinition.objects.filter(program=program_default()).order_by("rank").first()
    before = tier.lower_bound
    tier.lower_bound = before + 1
    tier.save()
    response = client.get(f"/compliance/exports/config_changes.csv?from={date.today()}&to={date.today()}")
    rows = [r for r in csv.DictReader(io.StringIO(_body(response))) if r["type"] == "changed"]
    assert json.loads(rows[-1]["changes"]) == {"lower_bound": [before, before + 1]}


def test_the_compliance_page_finds_a_person_and_erases_them_on_confirmation(client, compliance):
    lead = make_lead(program_with_tiers(), score=40, email="page@example.com")
    page = client.get("/compliance/", {"person": "page@example.com"})
    assert page.status_code == 200 and "person-found" in page.content.decode()

    client.post(f"/compliance/leads/{lead.pk}/erase", {"confirm": "no"})
    assert Lead.objects.get(pk=lead.pk).erased_at is None
    client.post(f"/compliance/leads/{lead.pk}/erase", {"confirm": "erase", "request_ref": "DSR-3"})
    assert Lead.objects.get(pk=lead.pk).erased_at is not None

    exported = client.get(f"/compliance/leads/{lead.pk}/export?bundle=zip")
    assert exported.status_code == 200 and exported["Content-Type"] == "application/zip"
    report = client.get("/compliance/report")
    assert report.status_code == 200 and "@media print" in report.content.decode()


def test_a_rep_is_refused_the_compliance_page_and_its_exports(client):
    client.force_login(make_user("rita", "Rep"))
    assert client.get("/compliance/").status_code == 403
    assert client.get("/compliance/exports/decisions.csv").status_code == 403


def test_the_reconstruct_page_answers_a_bad_moment_with_a_readable_400(client, compliance):
    lead = LeadFactory()
    page = client.get(f"/compliance/leads/{lead.pk}/reconstruct", {"at": "soon"})
    assert page.status_code == 400 and "is not a date and time" in page.content.decode()


def test_failed_sign_ins_are_logged_and_throttled_after_five(client, settings):
    cache.clear()
    make_user("victor", "Ops")
    for _ in range(5):
        client.post("/accounts/login/", {"username": "victor", "password": "wrong"}, REMOTE_ADDR="10.9.8.7")
    locked = client.post(
        "/accounts/login/", {"username": "victor", "password": "pw-victor"}, REMOTE_ADDR="10.9.8.7"
    )

    assert locked.status_code == 429  # the right password no longer helps from that address
    kinds = list(UserActivity.objects.filter(username="victor").values_list("kind", flat=True))
    # Five wrong passwords, then the refused right one: each a failed sign-in from that address.
    assert kinds.count("login_failed") == 6 and "locked_out" in kinds and "login" not in kinds
    assert UserActivity.objects.filter(kind="login_failed", ip="10.9.8.7").count() == 6

    client.post("/accounts/login/", {"username": "victor", "password": "pw-victor"}, REMOTE_ADDR="10.1.1.1")
    assert UserActivity.objects.filter(username="victor", kind="login", ip="10.1.1.1").exists()
