"""What can go wrong in an import: a whole-file problem (raised) or a bad row (reported, not raised)."""

from __future__ import annotations

from dataclasses import dataclass


class ImportFileError(Exception):
    """The file as a whole cannot be imported: unreadable, empty, or a required column is missing."""


class MappingError(ImportFileError):
    """The mapping file is unreadable, not JSON, or a key holds something it cannot."""


@dataclass(frozen=True)
class RowError:
    """One reason one row was refused. `row` counts as in the file: the header is row 1."""

    row: int
    column: str | None
    value: str | None
    reason: str

    def __str__(self) -> str:
        if self.column is None:
            return f"row {self.row}: {self.reason}"
        return f'row {self.row}, column "{self.column}", value "{self.value}": {self.reason}'
