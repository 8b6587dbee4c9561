"""Reading the rows of one file under one mapping: each row's values, its references resolved to
keys, and every reason to refuse it (the row number as in the file, the column, the value), never raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q

from ..event_time import future_error
from .cells import ATTRIBUTE_PARSERS, CellError, attribute_value, field_empty, field_parser
from .errors import ImportFileError, MappingError, RowError
from .mapping import Mapping
from .records import LOOKUP_CHUNK
from .specs import DEFAULT_SOURCE_SYSTEM, EntitySpec, Reference, mapping_for_headers


@dataclass
class CleanRow:
    """One row of the file, read: model values, extra attributes and any reasons to refuse it."""

    number: int
    cells: list[str]
    values: dict[str, Any] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    references: dict[str, str | None] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    key: tuple[str, str] | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_text(self) -> str:
        return "; ".join(str(e) for e in self.errors)


class RowCleaner:
    """Reads rows of one file under one mapping. Raises ImportFileError when the file cannot fit it."""

    def __init__(
        self,
        *,
        spec: EntitySpec,
        headers: list[str],
        mapping: Mapping | None = None,
        source_system: str | None = None,
        path: Path | str = "the file",
    ):
        self.spec = spec
        self.headers = headers
        self.mapping = mapping or mapping_for_headers(spec, headers)
        self.source_system = source_system or self.mapping.source_system or DEFAULT_SOURCE_SYSTEM
        self.warnings: list[str] = []
        self.columns = self._columns(path)
        self.model_fields = spec.model_fields()
        self.reference_names = {r.name for r in spec.references}
        self.parsers = {
            name: field_parser(f) for name, f in self.model_fields.items() if name in self.columns
        }
        named = self.mapping.columns_named() - set(self.renamed_extras)
        self.extra_columns = [h for h in headers if h not in named]
        if self.extra_columns and spec.extra_field is None:
            self.warnings.append(
                f"{spec.plural} have no attributes: columns {', '.join(self.extra_columns)} were not imported"
            )
            self.extra_columns = []
        for key in self.mapping.unknown_keys:
            self.warnings.append(f'{self.mapping.origin}: key "{key}" is not used by the importer')
        for column in [*self.mapping.post_outcome, *self.mapping.ignore]:
            if column not in headers:
                self.warnings.append(
                    f'{self.mapping.origin} names column "{column}", which {path} does not have'
                )

    def _columns(self, path: Path | str) -> dict[str, str]:
        """{canonical field: column} as the mapping says, checked against the spec and the headers; the
        mapping's fields that the model lacks go to `renamed_extras` (kept in the extra field)."""
        spec, mapping = self.spec, self.mapping
        if mapping.entity and mapping.entity != spec.name:
            raise MappingError(
                f'{mapping.origin} is for {mapping.entity}s, not {spec.plural}: its "entity" says so'
            )
        columns = self._field_columns()
        self._shorthand_columns(columns)
        if mapping.outcome:
            self._outcome_check(columns)
        self._presence_check(columns, path)
        return columns

    def _field_columns(self) -> dict[str, str]:
        spec, origin = self.spec, self.mapping.origin
        known = spec.canonical_names()
        columns = {}
        self.renamed_extras: dict[str, str] = {}
        for name, column in self.mapping.fields.items():
            if name in known:
                columns[name] = column
            elif spec.extra_field:
                # The format is shared with the engine, whose canonical names go beyond the model's
                # columns (a lead's "city"): such a field is kept in attributes under its canonical name.
                self.renamed_extras[column] = name
                self.warnings.append(
                    f'"fields.{name}" is not a {spec.name} column: "{column}" is kept in '
                    f'{spec.extra_field} as "{name}" (model fields: {", ".join(known)})'
                )
            else:
                raise MappingError(
                    f'{origin}: "fields.{name}" is not a {spec.name} field; known fields: {", ".join(known)}'
                )
        return columns

    def _shorthand_columns(self, columns: dict[str, str]) -> None:
        """The mapping's "id" and "date" keys: short for the external id and the record's date field."""
        spec, mapping, origin = self.spec, self.mapping, self.mapping.origin
        for key, name in (("id", "external_id"), ("date", spec.date_field)):
            column = getattr(mapping, key)
            if column is None:
                continue
            if name is None:
                self.warnings.append(f'{origin}: "{key}" has no meaning for {spec.plural}; ignored')
                continue
            if columns.setdefault(name, column) != column:
                raise MappingError(
                    f'{origin}: "{key}" says "{column}" but "fields.{name}" says "{columns[name]}"'
                )

    def _outcome_check(self, columns: dict[str, str]) -> None:
        spec, origin = self.spec, self.mapping.origin
        if spec.outcome_field is None:
            raise MappingError(f'{origin}: "outcome" has no meaning for {spec.plural}')
        if spec.outcome_field in columns:
            raise MappingError(f'{origin}: give either "outcome" or "fields.{spec.outcome_field}", not both')

    def _presence_check(self, columns: dict[str, str], path: Path | str) -> None:
        """Every column the mapping names is in the file, and some column feeds each required field."""
        mapping = self.mapping
        wanted = [(column, name) for name, column in columns.items()]
        wanted += list(self.renamed_extras.items())
        if mapping.outcome:
            wanted.append((mapping.outcome.column, "outcome"))
        absent = [f'"{column}" (for "{name}")' for column, name in wanted if column not in self.headers]
        if absent:
            raise ImportFileError(f"{path} has no column {', '.join(absent)}, named by {mapping.origin}")
        for name in self.spec.required:
            if name not in columns:
                raise ImportFileError(
                    f'{path}: no column feeds the required field "{name}": '
                    f'name a column "{name}" or map one to it in the mapping\'s "fields"'
                )

    def clean(self, number: int, cells: list[str]) -> CleanRow:
        """Read one row; every unreadable cell adds a RowError, the row is never raised."""
        spec, mapping = self.spec, self.mapping
        row = CleanRow(number=number, cells=cells)
        width = len(self.headers)
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            row.errors.append(
                RowError(number, None, None, f"has {len(cells)} values but the header has {width} columns")
            )
        raw = dict(zip(self.headers, cells, strict=False))
        for name, column in self.columns.items():
            self._cell(row, name, column, raw[column])
        if mapping.outcome:
            self._outcome(row, raw[mapping.outcome.column])
        for column in self.extra_columns:
            text = raw[column].strip()
            key = self.renamed_extras.get(column, column)
            if text in mapping.missing_values:
                row.extras[key] = None
            elif column in mapping.types:
                # A column the mapping types: a cell that is not of that type is a row error, never
                # kept as text for a numeric signal to ignore.
                try:
                    row.extras[key] = ATTRIBUTE_PARSERS[mapping.types[column]](text)
                except CellError as error:
                    row.errors.append(RowError(row.number, column, raw[column], str(error)))
            else:
                row.extras[key] = attribute_value(text)
        self._cross_checks(row)
        external_id = row.values.get("external_id")
        if external_id:
            system = row.values.get(spec.system_field) or self.source_system
            row.values[spec.system_field] = system
            row.key = (system, external_id)
        return row

    def _cell(self, row: CleanRow, name: str, column: str, original: str) -> None:
        """One mapped cell into the row's values (or its references, resolved later), or a RowError."""
        text = original.strip()
        is_reference = name in self.reference_names
        if text in self.mapping.missing_values:
            if name in self.spec.required:
                row.errors.append(RowError(row.number, column, original, "a value is required"))
            elif is_reference:
                row.references[name] = None
            else:
                row.values[name] = field_empty(self.model_fields[name])
        elif is_reference:
            row.references[name] = text
        else:
            try:
                row.values[name] = self.parsers[name](text)
            except CellError as error:
                row.errors.append(RowError(row.number, column, original, str(error)))

    def _outcome(self, row: CleanRow, original: str) -> None:
        outcome, values = self.mapping.outcome, self.spec.outcome_values
        text = original.strip()
        if text in self.mapping.missing_values or text in outcome.open:
            if "open" in values:
                row.values[self.spec.outcome_field] = values["open"]
            return  # a lead whose outcome is unknown keeps its status
        if text in outcome.won:
            row.values[self.spec.outcome_field] = values["won"]
        elif outcome.lost is None or text in outcome.lost:
            row.values[self.spec.outcome_field] = values["lost"]
        else:
            expected = sorted(outcome.won | outcome.lost | outcome.open)
            row.errors.append(
                RowError(
                    row.number, outcome.column, original, f"not an outcome value: expected one of {expected}"
                )
            )

    def _cross_checks(self, row: CleanRow) -> None:
        occurred_at = row.values.get("occurred_at") if self.spec.name == "event" else None
        if reason := future_error(occurred_at):
            column = self.columns["occurred_at"]
            row.errors.append(RowError(row.number, column, occurred_at.isoformat(), reason))
        created, closed = row.values.get("created_on"), row.values.get("closed_on")
        if self.spec.name == "deal" and created and closed and closed < created:
            column = self.columns["closed_on"]
            row.errors.append(
                RowError(
                    row.number, column, closed.isoformat(), f"before the created date {created.isoformat()}"
                )
            )

    def resolve(self, rows: list[CleanRow]) -> None:
        """Turn the external ids a row refers to into keys; a reference to nothing is a row error."""
        for ref in self.spec.references:
            wanted = {r.references[ref.name] for r in rows if r.references.get(ref.name)}
            found = self._lookup(ref, sorted(wanted))
            for row in rows:
                if ref.name not in row.references:
                    continue
                text = row.references[ref.name]
                if text is None:
                    row.values[ref.attname] = None
                elif text in found:
                    row.values[ref.attname] = found[text]
                else:
                    where = "" if ref.model is None else f' in source system "{self.source_system}"'
                    row.errors.append(
                        RowError(
                            row.number, self.columns[ref.name], text, f"no {ref.label} with this id{where}"
                        )
                    )

    def _lookup(self, ref: Reference, wanted: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            chunk = wanted[start : start + LOOKUP_CHUNK]
            if ref.model is None:
                users = get_user_model().objects.filter(Q(username__in=chunk) | Q(email__in=chunk))
                for pk, username, email in users.values_list("pk", "username", "email"):
                    found[username] = pk
                    found.setdefault(email, pk)
            else:
                matches = ref.model.objects.filter(source_system=self.source_system, external_id__in=chunk)
                found.update(matches.values_list("external_id", "pk"))
        return found


def duplicate_check(spec: EntitySpec, row: CleanRow, seen: dict[tuple[str, str], int]) -> bool:
    """True when the row repeats an event already in this file: a no-op, like re-sending it.

    A lead, account or deal whose external id is already in an earlier row is refused instead,
    since two different versions of one record cannot both be right.
    """
    if not row.ok:
        return False
    if row.key in seen:
        if not spec.updates_existing:
            return True
        row.errors.append(
            RowError(row.number, None, None, f'external id "{row.key[1]}" is already in row {seen[row.key]}')
        )
        return False
    seen[row.key] = row.number
    return False
