"""Per-row validation shared by the import service and the admin's import resources.

A row is turned into model values by the mapping; every cell that cannot be read says why,
with the row number as in the file, the column, and the value.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ..models import Account, ActivityEvent, Deal, Lead
from .errors import ImportFileError, MappingError, RowError
from .mapping import Mapping

DEFAULT_SOURCE_SYSTEM = "crm"
LOOKUP_CHUNK = 500
MAX_INTEGER = 2_147_483_647  # the smallest of the backends' integer columns


class CellError(ValueError):
    """A cell cannot be read as its field's type; the message is the reason shown to the user."""


@dataclass(frozen=True)
class Reference:
    """A canonical field naming another record by its external id (or a user by username / e-mail)."""

    name: str
    attname: str
    label: str
    model: type[models.Model] | None  # None: the user model, matched on username or e-mail


@dataclass(frozen=True)
class EntitySpec:
    name: str
    plural: str
    model: type[models.Model]
    system_field: str
    extra_field: str | None
    required: tuple[str, ...]
    references: tuple[Reference, ...] = ()
    outcome_field: str | None = None
    outcome_values: dict[str, str] = field(default_factory=dict)
    date_field: str | None = None
    # Events are facts: re-sending one is a no-op, never an update.
    updates_existing: bool = True

    def model_fields(self) -> dict[str, models.Field]:
        """The model fields a file can feed, by canonical name."""
        skip = {self.extra_field, "updated_at"}
        if self.system_field != "source":
            skip.add(self.system_field)
        return {
            f.name: f
            for f in self.model._meta.concrete_fields
            if f.editable and not f.primary_key and not f.is_relation and f.name not in skip
        }

    def canonical_names(self) -> list[str]:
        return [*self.model_fields(), *(r.name for r in self.references)]


ACCOUNT_REF = Reference("account_external_id", "account_id", "account", Account)
LEAD_REF = Reference("lead_external_id", "lead_id", "lead", Lead)
OWNER_REF = Reference("owner", "owner_id", "user (by username or e-mail)", None)

ENTITY_SPECS: dict[str, EntitySpec] = {
    "lead": EntitySpec(
        name="lead",
        plural="leads",
        model=Lead,
        system_field="source_system",
        extra_field="attributes",
        required=("external_id",),
        references=(ACCOUNT_REF, OWNER_REF),
        outcome_field="status",
        outcome_values={"won": Lead.Status.CONVERTED, "lost": Lead.Status.LOST},
        date_field="created_at",
    ),
    "account": EntitySpec(
        name="account",
        plural="accounts",
        model=Account,
        system_field="source_system",
        extra_field="attributes",
        required=("external_id", "name"),
    ),
    "deal": EntitySpec(
        name="deal",
        plural="deals",
        model=Deal,
        system_field="source_system",
        extra_field=None,
        required=("external_id", "created_on"),
        references=(ACCOUNT_REF, LEAD_REF),
        outcome_field="outcome",
        outcome_values={"won": Deal.Outcome.WON, "lost": Deal.Outcome.LOST, "open": Deal.Outcome.OPEN},
        date_field="created_on",
    ),
    "event": EntitySpec(
        name="event",
        plural="events",
        model=ActivityEvent,
        system_field="source",
        extra_field="properties",
        required=("external_id", "lead_external_id", "kind", "occurred_at"),
        references=(LEAD_REF,),
        date_field="occurred_at",
        updates_existing=False,
    ),
}


# --- reading one cell -------------------------------------------------------------------------

TRUE_WORDS = {"yes", "y", "true", "t", "1"}
FALSE_WORDS = {"no", "n", "false", "f", "0"}
INTEGER_TEXT = re.compile(r"^-?(0|[1-9]\d{0,17})$")
DECIMAL_TEXT = re.compile(r"^-?(0|[1-9]\d*)\.\d+$")
THOUSANDS_TEXT = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


def _normalised(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def _text_parser(f: models.Field) -> Callable[[str], Any]:
    choices = {}
    for value, label in f.choices or ():
        choices[_normalised(str(value))] = value
        choices[_normalised(str(label))] = value
    is_email = isinstance(f, models.EmailField)

    def parse(text: str) -> str:
        if choices:
            if _normalised(text) not in choices:
                raise CellError(f"not one of: {', '.join(str(v) for v, _ in f.choices)}")
            return choices[_normalised(text)]
        if f.max_length and len(text) > f.max_length:
            raise CellError(f"longer than {f.max_length} characters")
        if is_email:
            try:
                validate_email(text)
            except ValidationError:
                raise CellError("not a valid e-mail address") from None
        return text

    return parse


def _number_text(text: str) -> str:
    return text.replace(",", "") if THOUSANDS_TEXT.match(text) else text


def _integer_parser(f: models.Field) -> Callable[[str], int]:
    positive = isinstance(f, models.PositiveIntegerField | models.PositiveSmallIntegerField)

    def parse(text: str) -> int:
        try:
            number = Decimal(_number_text(text))
        except InvalidOperation:
            raise CellError("not a whole number") from None
        if not number.is_finite() or number != number.to_integral_value():
            raise CellError("not a whole number")
        if positive and number < 0:
            raise CellError("must not be negative")
        if abs(number) > MAX_INTEGER:
            raise CellError(f"too large (at most {MAX_INTEGER})")
        return int(number)

    return parse


def _decimal_parser(f: models.DecimalField) -> Callable[[str], Decimal]:
    step = Decimal(1).scaleb(-f.decimal_places)
    whole_digits = f.max_digits - f.decimal_places
    non_negative = any(getattr(v, "limit_value", None) == 0 for v in f.validators)

    def parse(text: str) -> Decimal:
        try:
            number = Decimal(_number_text(text))
        except InvalidOperation:
            raise CellError("not a number") from None
        if not number.is_finite():
            raise CellError("not a number")
        if non_negative and number < 0:
            raise CellError("must not be negative")
        number = number.quantize(step, rounding=ROUND_HALF_UP)
        if number.adjusted() >= whole_digits:
            raise CellError(f"too large (at most {whole_digits} digits before the decimal point)")
        return number

    return parse


def _boolean_parse(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError("not yes or no (expected yes/no, true/false or 1/0)")


def _datetime_parse(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        raise CellError("not a date-time (expected ISO 8601, e.g. 2024-05-01T09:30:00Z)") from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)  # in the project's time zone
    return moment


def _date_parse(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        raise CellError("not a date (expected YYYY-MM-DD)") from None


def _list_parse(text: str) -> list:
    if text.startswith("["):
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            raise CellError("not a JSON list") from None
        if not isinstance(value, list):
            raise CellError("not a JSON list")
        return value
    return [item.strip() for item in re.split(r"[;,]", text) if item.strip()]


def field_parser(f: models.Field) -> Callable[[str], Any]:
    """The function that reads a cell's stripped text as this model field's value, or raises CellError."""
    if isinstance(f, models.BooleanField):
        return _boolean_parse
    if isinstance(f, models.DateTimeField):
        return _datetime_parse
    if isinstance(f, models.DateField):
        return _date_parse
    if isinstance(f, models.DecimalField):
        return _decimal_parser(f)
    if isinstance(f, models.IntegerField):
        return _integer_parser(f)
    if isinstance(f, models.JSONField):
        return _list_parse
    return _text_parser(f)


def field_empty(f: models.Field) -> Any:
    """What a missing cell becomes: None where the field allows it, else its default ("" / False / [])."""
    if f.null:
        return None
    return f.get_default()


def attribute_value(text: str) -> Any:
    """An unmapped cell kept in attributes: a number when the text is one exactly ("007" stays text)."""
    if INTEGER_TEXT.match(text):
        return int(text)
    if DECIMAL_TEXT.match(text):
        return float(text)
    return text


# --- one row --------------------------------------------------------------------------------


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


def mapping_for_headers(spec: EntitySpec, headers: Iterable[str]) -> Mapping:
    """No mapping given: a column feeds the field it is named after (by name or label, any case)."""
    names = {}
    for name, f in spec.model_fields().items():
        names[_normalised(name)] = name
        names[_normalised(str(f.verbose_name))] = name
    for ref in spec.references:
        names[_normalised(ref.name)] = ref.name
    fields = {}
    for header in headers:
        name = names.get(_normalised(header))
        if name and name not in fields:
            fields[name] = header
    return Mapping(entity=spec.name, fields=fields, origin=f"the {spec.name} columns")


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
        spec, mapping = self.spec, self.mapping
        origin = mapping.origin
        if mapping.entity and mapping.entity != spec.name:
            raise MappingError(f'{origin} is for {mapping.entity}s, not {spec.plural}: its "entity" says so')
        known = spec.canonical_names()
        columns = {}
        self.renamed_extras: dict[str, str] = {}
        for name, column in mapping.fields.items():
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
        if mapping.outcome:
            if spec.outcome_field is None:
                raise MappingError(f'{origin}: "outcome" has no meaning for {spec.plural}')
            if spec.outcome_field in columns:
                raise MappingError(
                    f'{origin}: give either "outcome" or "fields.{spec.outcome_field}", not both'
                )
        wanted = [(column, name) for name, column in columns.items()]
        wanted += list(self.renamed_extras.items())
        if mapping.outcome:
            wanted.append((mapping.outcome.column, "outcome"))
        absent = [f'"{column}" (for "{name}")' for column, name in wanted if column not in self.headers]
        if absent:
            raise ImportFileError(f"{path} has no column {', '.join(absent)}, named by {origin}")
        for name in spec.required:
            if name not in columns:
                raise ImportFileError(
                    f'{path}: no column feeds the required field "{name}": '
                    f'name a column "{name}" or map one to it in the mapping\'s "fields"'
                )
        return columns

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
        references = {r.name: r for r in spec.references}
        for name, column in self.columns.items():
            original = raw[column]
            text = original.strip()
            if text in mapping.missing_values:
                if name in spec.required:
                    row.errors.append(RowError(number, column, original, "a value is required"))
                elif name in references:
                    row.references[name] = None
                else:
                    row.values[name] = field_empty(self.model_fields[name])
                continue
            if name in references:
                row.references[name] = text
                continue
            try:
                row.values[name] = self.parsers[name](text)
            except CellError as error:
                row.errors.append(RowError(number, column, original, str(error)))
        if mapping.outcome:
            self._outcome(row, raw[mapping.outcome.column])
        for column in self.extra_columns:
            text = raw[column].strip()
            key = self.renamed_extras.get(column, column)
            row.extras[key] = None if text in mapping.missing_values else attribute_value(text)
        self._cross_checks(row)
        external_id = row.values.get("external_id")
        if external_id:
            system = row.values.get(spec.system_field) or self.source_system
            row.values[spec.system_field] = system
            row.key = (system, external_id)
        return row

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


def existing_fetch(spec: EntitySpec, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], models.Model]:
    """The records already held for these (source system, external id) keys, fetched in chunks."""
    by_system: dict[str, list[str]] = {}
    for system, external_id in set(keys):
        by_system.setdefault(system, []).append(external_id)
    found = {}
    for system, ids in by_system.items():
        for start in range(0, len(ids), LOOKUP_CHUNK):
            chunk = ids[start : start + LOOKUP_CHUNK]
            for record in spec.model.objects.filter(**{spec.system_field: system, "external_id__in": chunk}):
                found[(system, record.external_id)] = record
    return found


def record_build(spec: EntitySpec, row: CleanRow) -> models.Model:
    """A new, unsaved record from a clean row."""
    record = spec.model(**row.values)
    if spec.extra_field:
        setattr(record, spec.extra_field, dict(row.extras))
    return record


def record_apply(spec: EntitySpec, record: models.Model, row: CleanRow) -> list[str]:
    """Write a clean row onto an existing record; return the names of the fields that changed."""
    if not spec.updates_existing:
        return []
    changed = []
    for attname, value in row.values.items():
        if getattr(record, attname) != value:
            setattr(record, attname, value)
            changed.append(attname)
    if spec.extra_field and row.extras:
        current = getattr(record, spec.extra_field) or {}
        merged = {**current, **row.extras}  # keys from other files or sources are kept
        if merged != current:
            setattr(record, spec.extra_field, merged)
            changed.append(spec.extra_field)
    return changed
