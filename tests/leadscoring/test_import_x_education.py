"""The real X Education history loads whole, with its outcome."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from leadscoring.models import Lead

# The importer reads the very mapping file the engine trains from: one file, two readers.
MAPPING = Path(__file__).resolve().parents[2] / "examples" / "x-education-mapping.json"


@pytest.mark.slow
@pytest.mark.django_db
def test_x_education_loads_every_row_with_its_outcome(x_education_csv):
    assert MAPPING.exists(), f"the X Education mapping {MAPPING} is missing"
    out = io.StringIO()
    call_command("import_leads", str(x_education_csv), "--mapping", str(MAPPING), stdout=out)

    assert "9240 rows read; created 9240, updated 0, unchanged 0, rejected 0" in out.getvalue()
    assert Lead.objects.count() == 9_240
    assert Lead.objects.filter(status=Lead.Status.CONVERTED).count() == 3_561
    assert Lead.objects.filter(status=Lead.Status.LOST).count() == 9_240 - 3_561
    assert Lead.history.count() == 9_240
    lead = Lead.objects.get(external_id="7927b2df-8bba-4d29-b9a2-b6e0beafe620")
    # "Select" means no answer; the post-outcome Tags are kept for the engine to leave out.
    assert lead.attributes["Specialization"] is None
    assert lead.attributes["Tags"] == "Interested in other courses"
    assert (lead.source, lead.country, lead.do_not_email) == ("Olark Chat", "", False)

    out = io.StringIO()
    call_command("import_leads", str(x_education_csv), "--mapping", str(MAPPING), stdout=out)
    assert "created 0, updated 0, unchanged 9240, rejected 0" in out.getvalue()
    assert Lead.history.count() == 9_240
