"""The field mapping file (docs/mapping.md): which source column feeds which canonical field."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import MappingError

ENTITIES = ("lead", "account", "deal", "event")
KNOWN_KEYS = {
    "entity",
    "id",
    "date",
    "outcome",
    "missing_values",
    "fields",
    "post_outcome",
    "ignore",
    "source_system",
    "types",
}

# What a column kept in attributes may be declared as (`"types": {"Employee Count": "integer"}`).
ATTRIBUTE_TYPES = ("text", "number", "integer", "boolean", "date")


@dataclass(frozen=True)
class Outcome:
    """The column that says won or lost, and the values meaning each (compared after stripping)."""

    column: str
    won: frozenset[str]
    lost: frozenset[str] | None = None
    open: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Mapping:
    entity: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    id: str | None = None
    date: str | None = None
    outcome: Outcome | None = None
    missing_values: frozenset[str] = frozenset({""})
    post_outcome: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    source_system: str | None = None
    origin: str = "the mapping"
    unknown_keys: tuple[str, ...] = ()
    types: dict[str, str] = field(default_factory=dict)

    def columns_named(self) -> set[str]:
        """Every column the mapping gives a role, other than landing in attributes."""
        named = set(self.fields.values()) | set(self.ignore)
        if self.outcome:
            named.add(self.outcome.column)
        if self.id:
            named.add(self.id)
        if self.date:
            named.add(self.date)
        return named


def _strings(value: Any, *, key: str, origin: str) -> list[str]:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not all(
        isinstance(v, str | int | float) and not isinstance(v, bool) for v in value
    ):
        raise MappingError(f'{origin}: "{key}" must be a list of strings, got {json.dumps(value)}')
    return [str(v).strip() for v in value]


def _column(value: Any, *, key: str, origin: str, optional: bool = True) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise MappingError(
            f'{origin}: "{key}" must be a column name (a non-empty string), got {json.dumps(value)}'
        )
    return value


def mapping_from_dict(raw: Any, *, origin: str = "the mapping") -> Mapping:
    """Check a parsed mapping and return it; every problem names the key at fault."""
    if not isinstance(raw, dict):
        raise MappingError(f"{origin}: a mapping must be a JSON object, got {type(raw).__name__}")
    entity = raw.get("entity")
    if entity is not None and entity not in ENTITIES:
        raise MappingError(
            f'{origin}: "entity" must be one of {", ".join(ENTITIES)}, got {json.dumps(entity)}'
        )

    fields_raw = raw.get("fields", {}) or {}
    if not isinstance(fields_raw, dict):
        raise MappingError(f'{origin}: "fields" must be an object of canonical field -> column name')
    fields = {
        str(name): _column(column, key=f"fields.{name}", origin=origin, optional=False)
        for name, column in fields_raw.items()
    }

    outcome = None
    if raw.get("outcome") is not None:
        out = raw["outcome"]
        if not isinstance(out, dict):
            raise MappingError(f'{origin}: "outcome" must be an object with "column" and "won"')
        if "won" not in out:
            raise MappingError(f'{origin}: "outcome.won" is missing: list the values that mean won')
        won = _strings(out["won"], key="outcome.won", origin=origin)
        lost = (
            _strings(out["lost"], key="outcome.lost", origin=origin) if out.get("lost") is not None else None
        )
        open_values = _strings(out.get("open", []), key="outcome.open", origin=origin)
        overlap = set(won) & set(lost or [])
        if overlap:
            raise MappingError(f'{origin}: "outcome" lists {sorted(overlap)} as both won and lost')
        outcome = Outcome(
            column=_column(out.get("column"), key="outcome.column", origin=origin, optional=False),
            won=frozenset(won),
            lost=frozenset(lost) if lost is not None else None,
            open=frozenset(open_values),
        )

    source_system = raw.get("source_system")
    if source_system is not None and (not isinstance(source_system, str) or not source_system.strip()):
        raise MappingError(f'{origin}: "source_system" must be a non-empty string')

    types_raw = raw.get("types", {}) or {}
    if not isinstance(types_raw, dict):
        raise MappingError(f'{origin}: "types" must be an object of column name -> type')
    for column, kind in types_raw.items():
        if kind not in ATTRIBUTE_TYPES:
            raise MappingError(
                f'{origin}: "types.{column}" must be one of {", ".join(ATTRIBUTE_TYPES)}, got {json.dumps(kind)}'
            )

    return Mapping(
        types={str(column): kind for column, kind in types_raw.items()},
        entity=entity,
        fields=fields,
        id=_column(raw.get("id"), key="id", origin=origin),
        date=_column(raw.get("date"), key="date", origin=origin),
        outcome=outcome,
        missing_values=frozenset(
            {""} | set(_strings(raw.get("missing_values", []), key="missing_values", origin=origin))
        ),
        post_outcome=tuple(_strings(raw.get("post_outcome", []), key="post_outcome", origin=origin)),
        ignore=tuple(_strings(raw.get("ignore", []), key="ignore", origin=origin)),
        source_system=source_system.strip() if source_system else None,
        origin=origin,
        # The format is shared with the engine, which may add keys of its own: tolerated, reported.
        unknown_keys=tuple(sorted(set(raw) - KNOWN_KEYS)),
    )


def mapping_load(path: str | Path) -> Mapping:
    """Read a mapping JSON file; a missing file, bad JSON or a bad key raises MappingError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise MappingError(f"mapping file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise MappingError(f"mapping file {path} cannot be read: {error}") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise MappingError(
            f"mapping file {path} is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    return mapping_from_dict(raw, origin=f"mapping file {path}")
