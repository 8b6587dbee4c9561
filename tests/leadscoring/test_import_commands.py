"""The import_* management commands: thin, a summary, an errors CSV, a clear CommandError on bad input."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from leadscoring.models import Account, Lead

from .import_files import csv_read, csv_write, mapping_write

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_import_leads_prints_the_summary_and_writes_the_errors_csv(tmp_path):
    header = ["Lead ID", "Budget", "Industry"]
    path = csv_write(tmp_path / "leads.csv", header, [["L-1", "100", "SaaS"], ["L-2", "lots", "Retail"]])
    mapping = mapping_write(tmp_path / "m.json", {"id": "Lead ID", "fields": {"budget": "Budget"}})
    errors = tmp_path / "out" / "errors.csv"

    output = run("import_leads", str(path), "--mapping", str(mapping), "--errors", str(errors))

    assert 'row 3, column "Budget", value "lots": not a number' in output
    assert "2 rows read; created 1, updated 0, unchanged 0, rejected 1" in output
    assert f"errors CSV: {errors}" in output
    assert "rows/s" in output
    assert csv_read(errors) == [
        {
            "Lead ID": "L-2",
            "Budget": "lots",
            "Industry": "Retail",
            "row": "3",
            "error": output.splitlines()[0],
        }
    ]
    output = run("import_leads", str(path), "--mapping", str(mapping), "--errors", str(errors))
    assert "created 0, updated 0, unchanged 1, rejected 1" in output


def test_without_errors_option_the_errors_csv_goes_under_var(tmp_path, settings):
    settings.BASE_DIR = tmp_path
    path = csv_write(tmp_path / "accounts.csv", ["external_id", "name"], [["A-1", ""]])
    output = run("import_accounts", str(path))
    written = next((tmp_path / "var" / "import-errors").glob("accounts-*.errors.csv"))
    assert f"errors CSV: {written}" in output


def test_dry_run_reports_and_saves_nothing(tmp_path):
    path = csv_write(tmp_path / "accounts.csv", ["external_id", "name"], [["A-1", "Acme"]])
    output = run("import_accounts", str(path), "--dry-run", "--source-system", "sf")
    assert "would be created 1" in output and "dry run: nothing was saved" in output
    assert "source system 'sf'" in output
    assert Account.objects.count() == 0


def test_deals_and_events_commands_exist_and_use_their_entity(tmp_path):
    deals = csv_write(
        tmp_path / "d.csv", ["external_id", "created_on", "outcome"], [["D-1", "2024-01-01", "won"]]
    )
    assert "created 1" in run("import_deals", str(deals))
    events = csv_write(tmp_path / "e.csv", ["external_id", "lead_external_id", "kind", "occurred_at"], [])
    assert "0 rows read" in run("import_events", str(events))


@pytest.mark.parametrize(
    ("make_file", "message"),
    [
        (lambda d: d / "nope.csv", "nope.csv does not exist"),
        (lambda d: d, "is a directory, not a file"),
        (lambda d: _bytes(d / "x.csv", b"\x00\x01\x02binary"), "x.csv is not a text CSV file"),
        (lambda d: _bytes(d / "x.xlsx", b"not a workbook"), "x.xlsx is not a readable XLSX workbook"),
        (lambda d: _bytes(d / "x.csv", b""), "x.csv is empty: no header row"),
        (lambda d: _bytes(d / "x.csv", b"email,name\n"), 'no column feeds the required field "external_id"'),
    ],
)
def test_an_unreadable_file_is_a_clear_command_error(tmp_path, make_file, message):
    with pytest.raises(CommandError, match=message):
        run("import_leads", str(make_file(tmp_path)))


@pytest.mark.parametrize(
    ("mapping_text", "message"),
    [
        ('{"id": "Lead ID",', "is not valid JSON: Expecting"),
        ('["Lead ID"]', "a mapping must be a JSON object"),
        ('{"entity": "deal"}', 'is for deals, not leads: its "entity" says so'),
        ('{"fields": {"email": 7}}', '"fields.email" must be a column name'),
        ('{"outcome": {"column": "Lead ID"}}', '"outcome.won" is missing'),
        ('{"entity": "contact"}', '"entity" must be one of lead, account, deal, event'),
        ('{"missing_values": {"a": 1}}', '"missing_values" must be a list of strings'),
    ],
)
def test_a_bad_mapping_is_a_command_error_naming_the_key(tmp_path, mapping_text, message):
    path = csv_write(tmp_path / "leads.csv", ["Lead ID"], [["L-1"]])
    mapping = tmp_path / "m.json"
    mapping.write_text(mapping_text)
    with pytest.raises(CommandError, match="m.json") as refused:
        run("import_leads", str(path), "--mapping", str(mapping))
    assert message in str(refused.value)
    assert Lead.objects.count() == 0


def test_a_missing_mapping_file_is_a_command_error(tmp_path):
    path = csv_write(tmp_path / "leads.csv", ["external_id"], [["L-1"]])
    with pytest.raises(CommandError, match="mapping file .*absent.json does not exist"):
        run("import_leads", str(path), "--mapping", str(tmp_path / "absent.json"))


def test_unknown_mapping_keys_are_warned_about_not_fatal(tmp_path):
    path = csv_write(tmp_path / "leads.csv", ["external_id"], [["L-1"]])
    mapping = mapping_write(tmp_path / "m.json", {"id": "external_id", "signals": {}})
    output = run("import_leads", str(path), "--mapping", str(mapping))
    assert 'key "signals" is not used by the importer' in output
    assert "created 1" in output


def _bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
