"""Accounts, deals and activity events: the same rules, plus references and idempotent events."""

import datetime as dt

import pytest

from leadscoring.importing import ImportFileError, accounts_import, deals_import, events_import, leads_import
from leadscoring.models import Account, ActivityEvent, Deal, Lead

from .import_files import csv_write, mapping_write

pytestmark = pytest.mark.django_db


def test_a_bad_whole_number_is_reported_with_row_column_value_and_why(tmp_path):
    header = ["Account ID", "Company", "Employee Count", "Segment"]
    rows = [[f"A-{n}", f"Company {n}", "120", "Mid"] for n in range(20)]
    rows[15][2] = "ten"  # file row 17: the header is row 1
    mapping = {"id": "Account ID", "fields": {"name": "Company", "employee_count": "Employee Count"}}

    result = accounts_import(
        path=csv_write(tmp_path / "accounts.csv", header, rows),
        mapping=mapping_write(tmp_path / "m.json", mapping),
    )

    assert [str(e) for e in result.errors] == [
        'row 17, column "Employee Count", value "ten": not a whole number'
    ]
    assert Account.objects.count() == 19
    assert Account.objects.get(external_id="A-0").attributes == {"Segment": "Mid"}


def test_account_lists_and_choices_are_read_from_text(tmp_path):
    header = ["external_id", "name", "technology_stack", "stage", "annual_revenue"]
    rows = [["A-1", "Acme", "Salesforce; HubSpot", "Growth", "1,250,000"], ["A-2", "Beta", "", "huge", "x"]]
    result = accounts_import(path=csv_write(tmp_path / "a.csv", header, rows))
    acme = Account.objects.get()
    assert (acme.technology_stack, acme.stage, str(acme.annual_revenue)) == (
        ["Salesforce", "HubSpot"],
        "growth",
        "1250000.00",
    )
    assert [str(e) for e in result.errors] == [
        'row 3, column "stage", value "huge": not one of: startup, growth, mature, enterprise, public',
        'row 3, column "annual_revenue", value "x": not a number',
    ]


def test_an_account_name_is_required_in_every_row(tmp_path):
    result = accounts_import(path=csv_write(tmp_path / "a.csv", ["external_id", "name"], [["A-1", " "]]))
    assert [str(e) for e in result.errors] == ['row 2, column "name", value " ": a value is required']


# --- deals ---------------------------------------------------------------------------------

DEAL_HEADER = ["Deal ID", "Account", "Lead", "Amount", "Result", "Opened", "Closed"]
DEAL_MAPPING = {
    "entity": "deal",
    "id": "Deal ID",
    "date": "Opened",
    "outcome": {"column": "Result", "won": ["Closed Won"], "lost": ["Closed Lost"], "open": ["In progress"]},
    "fields": {
        "account_external_id": "Account",
        "lead_external_id": "Lead",
        "amount": "Amount",
        "closed_on": "Closed",
    },
}


@pytest.fixture
def crm(tmp_path):
    accounts_import(path=csv_write(tmp_path / "a.csv", ["external_id", "name"], [["A-1", "Acme"]]))
    leads_import(path=csv_write(tmp_path / "l.csv", ["external_id", "email"], [["L-1", "ana@acme.com"]]))


def test_deals_reference_account_and_lead_and_map_the_outcome(tmp_path, crm):
    rows = [
        ["D-1", "A-1", "L-1", "5000", "Closed Won", "2024-01-10", "2024-03-01"],
        ["D-2", "A-1", "", "800", "Closed Lost", "2024-02-01", "2024-02-20"],
        ["D-3", "A-1", "L-1", "", "In progress", "2024-04-01", ""],
        ["D-4", "A-1", "L-1", "", "", "2024-04-01", ""],
    ]
    result = deals_import(
        path=csv_write(tmp_path / "d.csv", DEAL_HEADER, rows),
        mapping=mapping_write(tmp_path / "m.json", DEAL_MAPPING),
    )
    assert result.rejected == 0
    deals = {d.external_id: d for d in Deal.objects.select_related("account", "lead")}
    assert {k: d.outcome for k, d in deals.items()} == {
        "D-1": "won",
        "D-2": "lost",
        "D-3": "open",
        "D-4": "open",
    }
    assert (deals["D-1"].account.name, deals["D-1"].lead.email, deals["D-2"].lead) == (
        "Acme",
        "ana@acme.com",
        None,
    )
    assert deals["D-1"].sales_cycle_days == (dt.date(2024, 3, 1) - dt.date(2024, 1, 10)).days


def test_a_deal_closed_before_it_was_created_or_naming_unknown_records_is_refused(tmp_path, crm):
    rows = [
        ["D-1", "A-1", "L-1", "5000", "Closed Won", "2024-03-10", "2024-03-01"],
        ["D-2", "A-404", "L-404", "800", "Closed Lost", "2024-02-01", "2024-02-20"],
        ["D-3", "A-1", "L-1", "100", "Closed Won", "2024-02-01", "2024-02-20"],
    ]
    result = deals_import(
        path=csv_write(tmp_path / "d.csv", DEAL_HEADER, rows),
        mapping=mapping_write(tmp_path / "m.json", DEAL_MAPPING),
    )
    assert [str(e) for e in result.errors] == [
        'row 2, column "Closed", value "2024-03-01": before the created date 2024-03-10',
        'row 3, column "Account", value "A-404": no account with this id in source system "crm"',
        'row 3, column "Lead", value "L-404": no lead with this id in source system "crm"',
    ]
    assert list(Deal.objects.values_list("external_id", flat=True)) == ["D-3"]


# --- events --------------------------------------------------------------------------------

EVENT_HEADER = ["Event ID", "Prospect", "Type", "When", "Page", "Campaign"]
EVENT_MAPPING = {
    "entity": "event",
    "id": "Event ID",
    "date": "When",
    "fields": {"lead_external_id": "Prospect", "kind": "Type", "url": "Page"},
}


def event_rows():
    return [
        ["E-1", "L-1", "Page view", "2024-05-01T09:30:00Z", "/pricing", "spring"],
        ["E-2", "L-1", "email_open", "2024-05-02 10:00:00", "", "spring"],
    ]


def test_events_reference_their_lead_by_a_configurable_column(tmp_path, crm):
    result = events_import(
        path=csv_write(tmp_path / "e.csv", EVENT_HEADER, event_rows()),
        mapping=mapping_write(tmp_path / "m.json", EVENT_MAPPING),
    )
    assert (result.created, result.rejected) == (2, 0)
    view = ActivityEvent.objects.get(external_id="E-1")
    assert (view.lead.external_id, view.kind, view.url, view.source) == (
        "L-1",
        "page_view",
        "/pricing",
        "crm",
    )
    assert view.occurred_at == dt.datetime(2024, 5, 1, 9, 30, tzinfo=dt.UTC)
    assert view.properties == {"Campaign": "spring"}


def test_resending_events_is_a_no_op_not_a_duplicate(tmp_path, crm):
    mapping = mapping_write(tmp_path / "m.json", EVENT_MAPPING)
    events_import(path=csv_write(tmp_path / "e.csv", EVENT_HEADER, event_rows()), mapping=mapping)
    history = ActivityEvent.history.count()
    rows = event_rows()
    rows[0][5] = "summer"  # even a changed copy of an event already held changes nothing
    twice = rows + [rows[1]]

    again = events_import(path=csv_write(tmp_path / "e2.csv", EVENT_HEADER, twice), mapping=mapping)

    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 3, 0)
    assert ActivityEvent.objects.count() == 2
    assert ActivityEvent.history.count() == history
    assert ActivityEvent.objects.get(external_id="E-1").properties == {"Campaign": "spring"}


def test_an_event_for_an_unknown_lead_or_of_an_unknown_kind_is_a_row_error(tmp_path, crm):
    rows = event_rows()
    rows[0][1] = "L-404"
    rows[1][2] = "smoke signal"
    rows.append(["E-3", "L-1", "demo request", "yesterday", "", ""])
    result = events_import(
        path=csv_write(tmp_path / "e.csv", EVENT_HEADER, rows),
        mapping=mapping_write(tmp_path / "m.json", EVENT_MAPPING),
    )
    assert result.created == 0
    messages = [str(e) for e in result.errors]
    assert (
        messages[0] == 'row 2, column "Prospect", value "L-404": no lead with this id in source system "crm"'
    )
    assert messages[1].startswith('row 3, column "Type", value "smoke signal": not one of: email_open, ')
    assert messages[2] == (
        'row 4, column "When", value "yesterday": not a date-time (expected ISO 8601, e.g. 2024-05-01T09:30:00Z)'
    )


def test_a_mapping_for_another_entity_is_refused(tmp_path):
    path = csv_write(tmp_path / "e.csv", EVENT_HEADER, event_rows())
    with pytest.raises(ImportFileError, match=r'is for deals, not events: its "entity" says so'):
        events_import(path=path, mapping=mapping_write(tmp_path / "m.json", DEAL_MAPPING))


def test_events_need_a_lead_column(tmp_path):
    path = csv_write(tmp_path / "e.csv", ["external_id", "kind", "occurred_at"], [])
    with pytest.raises(ImportFileError, match='no column feeds the required field "lead_external_id"'):
        events_import(path=path)


def test_lead_history_is_untouched_by_event_imports(tmp_path, crm):
    events_import(
        path=csv_write(tmp_path / "e.csv", EVENT_HEADER, event_rows()),
        mapping=mapping_write(tmp_path / "m.json", EVENT_MAPPING),
    )
    assert Lead.history.count() == 1


def test_an_event_dated_far_in_the_future_is_a_row_error_and_the_others_are_kept(tmp_path, crm):
    rows = event_rows()
    rows[1][3] = "2099-01-01T00:00:00Z"
    result = events_import(
        path=csv_write(tmp_path / "e.csv", EVENT_HEADER, rows),
        mapping=mapping_write(tmp_path / "m.json", EVENT_MAPPING),
    )
    assert (result.created, result.rejected) == (1, 1)
    message = str(result.errors[0])
    assert message.startswith('row 3, column "When", value "2099-01-01T00:00:00+00:00": ')
    assert "in the future" in message
