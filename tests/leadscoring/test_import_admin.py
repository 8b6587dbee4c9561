"""The admin's import (django-import-export): dry-run preview and per-row errors, same rules as the commands."""

import pytest
import tablib
from django.urls import reverse

from leadscoring.models import ActivityEvent, Deal, Lead
from leadscoring.resources import AccountResource, ActivityEventResource, DealResource, LeadResource

pytestmark = pytest.mark.django_db


def dataset(header, rows):
    return tablib.Dataset(*rows, headers=header)


def row_messages(result) -> list[str]:
    return [message for row in result.refused_rows for message in row.messages]


def test_lead_preview_reports_each_bad_row_with_the_commands_message_and_saves_nothing():
    data = dataset(
        ["external_id", "email", "timeline_days", "Industry"],
        [["L-1", "a@example.com", "30", "SaaS"], ["L-2", "b@example.com", "ten", "SaaS"]],
    )
    result = LeadResource().import_data(data, dry_run=True)
    assert not result.has_validation_errors()  # the valid row can still be imported
    assert row_messages(result) == ['row 3, column "timeline_days", value "ten": not a whole number']
    assert [(r.file_row, r.import_type) for r in result.rows] == [(2, "new"), (3, "skip")]
    assert result.valid_count == 1
    assert Lead.objects.count() == 0


def test_lead_import_keeps_attributes_and_a_reimport_is_skipped_as_unchanged():
    data = dataset(["external_id", "email", "Industry"], [["L-1", "a@example.com", "SaaS"]])
    first = LeadResource().import_data(data, dry_run=False)
    assert not first.has_errors() and not first.has_validation_errors()
    lead = Lead.objects.get()
    assert (lead.source_system, lead.attributes) == ("crm", {"Industry": "SaaS"})

    again = LeadResource().import_data(data, dry_run=False)
    assert [r.import_type for r in again.rows] == ["skip"]
    assert lead.history.count() == 1

    changed = dataset(["external_id", "email", "Industry"], [["L-1", "a@example.com", "Retail"]])
    update = LeadResource().import_data(changed, dry_run=False)
    assert [r.import_type for r in update.rows] == ["update"]
    assert Lead.objects.get().attributes == {"Industry": "Retail"}
    assert lead.history.count() == 2


def test_a_file_missing_a_required_column_is_one_clear_error_not_a_traceback():
    result = AccountResource().import_data(dataset(["name"], [["Acme"]]), dry_run=True)
    assert [str(e.error) for e in result.base_errors] == [
        'the file: no column feeds the required field "external_id": '
        'name a column "external_id" or map one to it in the mapping\'s "fields"'
    ]
    assert result.base_errors[0].traceback == ""
    assert result.rows == []


def test_event_and_deal_resources_resolve_references_and_ignore_resent_events():
    LeadResource().import_data(dataset(["external_id"], [["L-1"]]), dry_run=False)
    events = dataset(
        ["external_id", "lead_external_id", "kind", "occurred_at"],
        [
            ["E-1", "L-1", "email_open", "2024-05-01"],
            ["E-1", "L-1", "email_open", "2024-05-01"],
            ["E-2", "L-9", "email_open", "2024-05-01"],
        ],
    )
    result = ActivityEventResource().import_data(events, dry_run=False)
    assert [r.import_type for r in result.rows] == ["new", "skip", "skip"]
    assert row_messages(result) == [
        'row 4, column "lead_external_id", value "L-9": no lead with this id in source system "crm"'
    ]
    # The bad row is refused, the good one kept: a re-import changes nothing.
    assert ActivityEvent.objects.count() == 1
    again = ActivityEventResource().import_data(dataset(events.headers, events[:2]), dry_run=False)
    assert [r.import_type for r in again.rows] == ["skip", "skip"]
    assert ActivityEvent.objects.count() == 1

    deals = dataset(
        ["external_id", "lead_external_id", "created_on", "closed_on", "outcome"],
        [
            ["D-1", "L-1", "2024-01-01", "2024-02-01", "Won"],
            ["D-2", "L-1", "2024-03-01", "2024-02-01", "lost"],
        ],
    )
    result = DealResource().import_data(deals, dry_run=True)
    assert row_messages(result) == [
        'row 3, column "closed_on", value "2024-02-01": before the created date 2024-03-01'
    ]
    DealResource().import_data(dataset(deals.headers, deals[:1]), dry_run=False)
    assert Deal.objects.get().lead.external_id == "L-1"


def test_admin_import_page_previews_a_csv_with_its_row_errors(admin_client):
    csv_text = "external_id,email,timeline_days\nL-1,a@example.com,30\nL-2,b@example.com,ten\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("leads.csv", csv_text.encode(), content_type="text/csv")
    response = admin_client.post(
        reverse("admin:leadscoring_lead_import"),
        {"resource": 0, "format": 0, "import_file": upload},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "not a whole number" in page
    assert "row 3, column &quot;timeline_days&quot;, value &quot;ten&quot;" in page
    assert Lead.objects.count() == 0


def upload(name: str, text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_admin_import_with_some_bad_rows_imports_the_valid_ones_on_confirm(admin_client):
    csv_text = (
        "external_id,email,timeline_days\n"
        "L-1,a@example.com,30\n"
        "L-2,b@example.com,ten\n"
        "L-3,c@example.com,45\n"
        "L-4,not-an-email,10\n"
    )
    preview = admin_client.post(
        reverse("admin:leadscoring_lead_import"),
        {"resource": 0, "format": 0, "import_file": upload("leads.csv", csv_text)},
    )
    page = preview.content.decode()
    assert "Import the 2 valid rows" in page
    assert "2 rows cannot be imported" in page
    # The preview numbers rows as the file and the messages do: L-1 is row 2, L-3 row 4.
    assert '<tr class="new">\n        <td>2</td>' in page and '<tr class="new">\n        <td>4</td>' in page
    assert "<td>3</td><td><div>row 3, column &quot;timeline_days&quot;" in page
    assert "<td>5</td><td><div>row 5, column &quot;email&quot;" in page
    assert Lead.objects.count() == 0

    confirm = preview.context["confirm_form"]
    data = {name: confirm[name].value() for name in confirm.fields}
    done = admin_client.post(reverse("admin:leadscoring_lead_process_import"), data, follow=True)
    assert sorted(Lead.objects.values_list("external_id", flat=True)) == ["L-1", "L-3"]
    shown = [str(m) for m in done.context["messages"]]
    assert shown[0].startswith("Import finished: 2 new, 0 updated, 0 unchanged leads; 2 rows refused.")
    assert shown[1] == 'row 3, column "timeline_days", value "ten": not a whole number'
    assert shown[2].startswith('row 5, column "email", value "not-an-email"')


def test_admin_import_page_offers_to_confirm_a_clean_preview(admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "leads.csv", b"external_id,email\nL-1,a@example.com\n", content_type="text/csv"
    )
    response = admin_client.post(
        reverse("admin:leadscoring_lead_import"), {"resource": 0, "format": 0, "import_file": upload}
    )
    assert "Import the 1 valid row" in response.content.decode()
    assert Lead.objects.count() == 0
