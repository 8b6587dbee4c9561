"""The lead importer: per-row reasons, nothing valid lost, upsert by external id, history."""

import pytest

from leadscoring.importing import ImportFileError, leads_import
from leadscoring.models import Lead

from .import_files import csv_read, csv_write, mapping_write

pytestmark = pytest.mark.django_db

CRM_MAPPING = {
    "entity": "lead",
    "id": "Lead ID",
    "outcome": {"column": "Stage", "won": ["Won"], "lost": ["Lost"]},
    "missing_values": ["Select", "n/a"],
    "fields": {"email": "E-mail", "country": "Country", "timeline_days": "Timeline", "budget": "Budget"},
    "post_outcome": ["Close Notes"],
    "ignore": ["Internal Row"],
}
HEADER = [
    "Lead ID",
    "E-mail",
    "Country",
    "Timeline",
    "Budget",
    "Stage",
    "Industry",
    "Close Notes",
    "Internal Row",
]


def crm_rows(count: int) -> list[list]:
    return [
        [
            f"L-{n}",
            f"lead{n}@example.com",
            "India",
            str(n % 90),
            "1200.50",
            ["Won", "Lost"][n % 2],
            "SaaS",
            "",
            n,
        ]
        for n in range(count)
    ]


def test_ten_thousand_rows_with_three_bad_keep_the_rest_and_report_each(tmp_path):
    rows = crm_rows(10_000)
    # Data row i (0-based) is file row i + 2: the header is row 1.
    rows[15][3] = "ten"  # file row 17
    rows[4_999][1] = "not-an-email"  # file row 5001
    rows[9_999][4] = "-5"  # file row 10001
    path = csv_write(tmp_path / "leads.csv", HEADER, rows)
    mapping = mapping_write(tmp_path / "mapping.json", CRM_MAPPING)

    result = leads_import(path=path, mapping=mapping, errors_path=tmp_path / "errors.csv")

    assert (result.rows_read, result.created, result.rejected) == (10_000, 9_997, 3)
    assert Lead.objects.count() == 9_997
    assert [str(e) for e in result.errors] == [
        'row 17, column "Timeline", value "ten": not a whole number',
        'row 5001, column "E-mail", value "not-an-email": not a valid e-mail address',
        'row 10001, column "Budget", value "-5": must not be negative',
    ]
    written = csv_read(result.errors_path)
    assert list(written[0]) == [*HEADER, "row", "error"]
    assert [(r["row"], r["Lead ID"], r["Timeline"]) for r in written] == [
        ("17", "L-15", "ten"),
        ("5001", "L-4999", "90" if 4999 % 90 == 0 else str(4999 % 90)),
        ("10001", "L-9999", str(9999 % 90)),
    ]
    assert written[0]["error"] == 'row 17, column "Timeline", value "ten": not a whole number'


def test_reimport_of_the_same_file_updates_nothing_and_writes_no_history(tmp_path):
    path = csv_write(tmp_path / "leads.csv", HEADER, crm_rows(50))
    mapping = mapping_write(tmp_path / "mapping.json", CRM_MAPPING)
    leads_import(path=path, mapping=mapping)
    history_before = Lead.history.count()

    again = leads_import(path=path, mapping=mapping)

    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 50, 0)
    assert Lead.objects.count() == 50
    assert Lead.history.count() == history_before == 50


def test_reimport_with_a_changed_value_updates_and_history_shows_the_change(tmp_path):
    mapping = mapping_write(tmp_path / "mapping.json", CRM_MAPPING)
    rows = crm_rows(3)
    leads_import(path=csv_write(tmp_path / "a.csv", HEADER, rows), mapping=mapping)
    rows[1][2] = "Germany"

    again = leads_import(path=csv_write(tmp_path / "b.csv", HEADER, rows), mapping=mapping)

    assert (again.created, again.updated, again.unchanged) == (0, 1, 2)
    lead = Lead.objects.get(external_id="L-1")
    assert lead.country == "Germany"
    newest, first = lead.history.order_by("-history_id")[:2]
    assert lead.history.count() == 2
    assert newest.history_type == "~"
    assert newest.history_change_reason == "import b.csv"
    changes = {(c.field, c.old, c.new) for c in newest.diff_against(first).changes}
    assert changes == {("country", "India", "Germany")}


def test_unmapped_columns_land_in_attributes_and_missing_values_become_empty(tmp_path):
    rows = [["L-1", "a@example.com", "Select", "n/a", "", "Won", "SaaS", "Signed after demo", "7"]]
    path = csv_write(tmp_path / "leads.csv", HEADER, rows)

    leads_import(path=path, mapping=mapping_write(tmp_path / "m.json", CRM_MAPPING))

    lead = Lead.objects.get()
    assert (lead.country, lead.timeline_days, lead.budget) == ("", None, None)
    # Post-outcome columns are kept (the engine leaves them out); ignored columns are dropped.
    assert lead.attributes == {"Industry": "SaaS", "Close Notes": "Signed after demo"}


def test_attribute_numbers_are_kept_as_numbers_only_when_exact(tmp_path):
    header = ["external_id", "Visits", "Time on site", "Zip"]
    path = csv_write(tmp_path / "leads.csv", header, [["L-1", "5", "2.5", "00123"]])
    leads_import(path=path)
    assert Lead.objects.get().attributes == {"Visits": 5, "Time on site": 2.5, "Zip": "00123"}


def test_outcome_won_is_converted_lost_is_lost_and_anything_else_is_refused(tmp_path):
    rows = crm_rows(3)
    rows[2][5] = "Maybe"
    path = csv_write(tmp_path / "leads.csv", HEADER, rows)

    result = leads_import(path=path, mapping=mapping_write(tmp_path / "m.json", CRM_MAPPING))

    assert dict(Lead.objects.values_list("external_id", "status")) == {"L-0": "converted", "L-1": "lost"}
    assert [str(e) for e in result.errors] == [
        "row 4, column \"Stage\", value \"Maybe\": not an outcome value: expected one of ['Lost', 'Won']"
    ]


def test_a_repeated_external_id_in_one_file_is_refused_not_merged(tmp_path):
    rows = crm_rows(2)
    rows[1][0] = "L-0"
    path = csv_write(tmp_path / "leads.csv", HEADER, rows)
    result = leads_import(path=path, mapping=mapping_write(tmp_path / "m.json", CRM_MAPPING))
    assert Lead.objects.count() == 1
    assert [str(e) for e in result.errors] == ['row 3: external id "L-0" is already in row 2']


def test_source_system_separates_the_same_external_id(tmp_path):
    path = csv_write(tmp_path / "leads.csv", ["external_id", "email"], [["L-1", "a@example.com"]])
    leads_import(path=path, source_system="hubspot")
    leads_import(path=path, source_system="salesforce")
    assert sorted(Lead.objects.values_list("source_system", flat=True)) == ["hubspot", "salesforce"]


def test_without_a_mapping_columns_named_after_fields_or_labels_feed_them(tmp_path):
    header = ["External id", "Email", "First name", "Do not email", "Created at", "Lead score (old)"]
    rows = [["L-1", "a@example.com", "Ana", "yes", "2024-03-01T10:00:00Z", "88"]]
    leads_import(path=csv_write(tmp_path / "leads.csv", header, rows))
    lead = Lead.objects.get()
    assert (lead.first_name, lead.do_not_email, lead.created_at.isoformat()) == (
        "Ana",
        True,
        "2024-03-01T10:00:00+00:00",
    )
    assert lead.attributes == {"Lead score (old)": 88}


def test_dry_run_counts_like_a_real_run_and_saves_nothing(tmp_path):
    path = csv_write(tmp_path / "leads.csv", HEADER, crm_rows(20))
    result = leads_import(path=path, mapping=mapping_write(tmp_path / "m.json", CRM_MAPPING), dry_run=True)
    assert (result.created, result.rejected) == (20, 0)
    assert Lead.objects.count() == 0
    assert Lead.history.count() == 0


def test_an_xlsx_file_imports_like_a_csv(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["L-1", "a@example.com", "India", 30, 1200.5, "Won", "SaaS", None, 1])
    sheet.append(["L-2", "b@example.com", "India", "ten", 10, "Lost", "SaaS", None, 2])
    workbook.save(tmp_path / "leads.xlsx")

    result = leads_import(
        path=tmp_path / "leads.xlsx", mapping=mapping_write(tmp_path / "m.json", CRM_MAPPING)
    )

    lead = Lead.objects.get()
    assert (lead.external_id, lead.timeline_days, str(lead.budget), lead.status) == (
        "L-1",
        30,
        "1200.50",
        "converted",
    )
    assert [str(e) for e in result.errors] == ['row 3, column "Timeline", value "ten": not a whole number']


def test_a_lead_references_its_account_by_external_id(tmp_path):
    from leadscoring.importing import accounts_import

    accounts_import(path=csv_write(tmp_path / "a.csv", ["external_id", "name"], [["A-1", "Acme"]]))
    header = ["external_id", "account_external_id"]
    result = leads_import(path=csv_write(tmp_path / "l.csv", header, [["L-1", "A-1"], ["L-2", "A-9"]]))
    assert Lead.objects.get().account.name == "Acme"
    assert [str(e) for e in result.errors] == [
        'row 3, column "account_external_id", value "A-9": no account with this id in source system "crm"'
    ]


def test_bulk_import_runs_a_bounded_number_of_queries(tmp_path, django_assert_max_num_queries):
    # 2,500 rows: 2 chunks of at most 2,000; each chunk fetches existing ids in chunks of 500 and
    # inserts leads and their history in batches, so the count grows with batches, never with rows.
    path = csv_write(tmp_path / "leads.csv", HEADER, crm_rows(2_500))
    mapping = mapping_write(tmp_path / "m.json", CRM_MAPPING)
    with django_assert_max_num_queries(400):
        result = leads_import(path=path, mapping=mapping)
    assert result.created == 2_500


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            ["E-mail", "Country", "Budget", "Stage"],
            '"Timeline" (for "timeline_days"), "Lead ID" (for "external_id")',
        ),
        (["Lead ID", "E-mail", "E-mail"], 'column "E-mail" appears twice in the header row'),
        ([], "is empty: no header row"),
    ],
)
def test_a_file_that_cannot_fit_the_mapping_is_refused_naming_the_column(tmp_path, header, message):
    path = csv_write(tmp_path / "leads.csv", header, []) if header else tmp_path / "leads.csv"
    path.touch()
    with pytest.raises(ImportFileError) as refused:
        leads_import(path=path, mapping=mapping_write(tmp_path / "m.json", CRM_MAPPING))
    assert str(path) in str(refused.value)
    assert message in str(refused.value)


def test_a_canonical_field_the_model_lacks_is_kept_in_attributes_under_its_name(tmp_path):
    # The engine's mapping names fields such as "city" that a Lead has no column for.
    path = csv_write(tmp_path / "leads.csv", ["Lead ID", "City"], [["L-1", "Mumbai"]])
    mapping = mapping_write(tmp_path / "m.json", {"id": "Lead ID", "fields": {"city": "City"}})
    result = leads_import(path=path, mapping=mapping)
    assert Lead.objects.get().attributes == {"city": "Mumbai"}
    assert any('"fields.city" is not a lead column' in w for w in result.warnings)


def test_a_deal_mapping_naming_an_unknown_field_is_refused(tmp_path):
    from leadscoring.importing import deals_import

    path = csv_write(tmp_path / "d.csv", ["external_id", "created_on", "Colour"], [])
    mapping = mapping_write(
        tmp_path / "m.json", {"fields": {"external_id": "external_id", "colour": "Colour"}}
    )
    with pytest.raises(
        ImportFileError, match='"fields.colour" is not a deal field; known fields: external_id'
    ):
        deals_import(path=path, mapping=mapping)


def test_a_lead_owner_is_found_by_username_or_email(tmp_path, django_user_model):
    rep = django_user_model.objects.create_user(username="ana", email="ana@example.com")
    rows = [["L-1", "ana"], ["L-2", "ana@example.com"], ["L-3", "bob"]]
    result = leads_import(path=csv_write(tmp_path / "l.csv", ["external_id", "owner"], rows))
    assert set(Lead.objects.values_list("owner", flat=True)) == {rep.pk}
    assert [str(e) for e in result.errors] == [
        'row 4, column "owner", value "bob": no user (by username or e-mail) with this id'
    ]


def test_custom_attributes_are_typed_by_the_mapping(tmp_path):
    header = ["Prospect", "Seats", "Trial ends", "Partner", "Notes"]
    rows = [
        ["P-1", "12", "2026-04-01", "yes", "007"],
        ["P-2", "ten", "2026-04-01", "no", "x"],
        ["P-3", "1,200", "soon", "maybe", ""],
    ]
    mapping = {
        "id": "Prospect",
        "types": {"Seats": "integer", "Trial ends": "date", "Partner": "boolean", "Notes": "text"},
    }
    result = leads_import(
        path=csv_write(tmp_path / "leads.csv", header, rows),
        mapping=mapping_write(tmp_path / "m.json", mapping),
    )
    assert [str(e) for e in result.errors] == [
        'row 3, column "Seats", value "ten": not a whole number',
        'row 4, column "Trial ends", value "soon": not a date (expected YYYY-MM-DD)',
        'row 4, column "Partner", value "maybe": not yes or no (expected yes/no, true/false or 1/0)',
    ]
    assert Lead.objects.get().attributes == {
        "Seats": 12,
        "Trial ends": "2026-04-01",
        "Partner": True,
        "Notes": "007",
    }


def test_a_type_the_importer_does_not_know_is_a_mapping_error(tmp_path):
    path = csv_write(tmp_path / "leads.csv", ["Prospect", "Seats"], [["P-1", "3"]])
    with pytest.raises(ImportFileError, match='"types.Seats" must be one of text, number, integer'):
        leads_import(
            path=path,
            mapping=mapping_write(tmp_path / "m.json", {"id": "Prospect", "types": {"Seats": "int"}}),
        )
