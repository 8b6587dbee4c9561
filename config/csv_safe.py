"""CSV cells a spreadsheet will not run as a formula.

Excel, LibreOffice and Google Sheets evaluate a cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return (OWASP "CSV injection"). Every CSV the product writes goes through `csv_writer` (or
`cell_safe` per value), which prefixes such a cell with an apostrophe: the spreadsheet shows the text,
runs nothing. Numbers are left alone, so a negative score stays a number.
"""

from __future__ import annotations

import csv
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_safe(value: Any) -> Any:
    """The value as written to a CSV cell: a string that starts like a formula gets a leading `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _SafeWriter:
    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row):
        return self._writer.writerow([cell_safe(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_writer(out, **kwargs) -> _SafeWriter:
    """`csv.writer(out, **kwargs)` whose every cell passes through `cell_safe`."""
    return _SafeWriter(csv.writer(out, **kwargs))
