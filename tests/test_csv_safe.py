import io

import pytest

from config.csv_safe import cell_safe, csv_writer


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_neutralised(text):
    assert cell_safe(text) == "'" + text


def test_plain_values_and_numbers_pass_unchanged():
    assert cell_safe("Françoise") == "Françoise"
    assert cell_safe(-3.5) == -3.5
    out = io.StringIO()
    csv_writer(out).writerow(["=1+1", "Ann", -2])
    assert out.getvalue().strip() == "'=1+1,Ann,-2"
