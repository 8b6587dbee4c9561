"""One reader for every file: the import command, the admin import and the engine's CLI read a file alike."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from leadscoring.importing import leads_import
from leadscoring.importing.reading import table_open
from leadscoring.models import Lead
from scoring.engine.reading import read_table

pytestmark = pytest.mark.django_db

HEX_ID = "401013266745e5661589292315434968"
ROWS = [("L-1", "francoise@example.com", "Françoise"), (HEX_ID, "zoe@example.com", "Zoë")]


def _file(tmp_path, *, sep: str, encoding: str):
    text = f"external_id{sep}email{sep}first_name\n" + "".join(f"{sep.join(r)}\n" for r in ROWS)
    path = tmp_path / f"leads-{encoding}.csv"
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(("sep", "encoding"), [(";", "latin-1"), ("\t", "utf-8"), (",", "cp1252")])
def test_the_command_and_the_engine_read_the_same_cells(tmp_path, sep, encoding):
    path = _file(tmp_path, sep=sep, encoding=encoding)
    table = table_open(path)
    assert table.delimiter == sep
    assert table.headers == ["external_id", "email", "first_name"]
    assert [cells for _, cells in table.rows] == [list(r) for r in ROWS]
    engine = read_table(path, text_columns=("external_id",))
    assert (engine.delimiter, engine.encoding) == (table.delimiter, table.encoding)
    assert engine.frame.values.tolist() == [list(r) for r in ROWS]


def test_a_semicolon_latin1_file_imports_with_its_accents_and_hex_id(tmp_path):
    result = leads_import(path=_file(tmp_path, sep=";", encoding="latin-1"))
    assert result.rejected == 0 and result.created == 2
    assert Lead.objects.get(external_id=HEX_ID).first_name == "Zoë"
    assert Lead.objects.get(external_id="L-1").first_name == "Françoise"


def test_the_admin_import_reads_semicolons_and_latin1_through_the_same_reader(admin_client, tmp_path):
    data = _file(tmp_path, sep=";", encoding="latin-1").read_bytes()
    upload = SimpleUploadedFile("leads.csv", data, content_type="text/csv")
    response = admin_client.post(
        reverse("admin:leadscoring_lead_import"), {"resource": 0, "format": 0, "import_file": upload}
    )
    page = response.content.decode()
    assert "Import the 2 valid rows" in page, page[-3000:]
    assert "Françoise" in page and "Zoë" in page
    assert "�" not in page
