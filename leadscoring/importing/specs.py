"""What each kind of record accepts from a file: its fields, the required ones, the other records it
refers to, its outcome values; and, with no mapping given, which column feeds which field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import models

from ..models import Account, ActivityEvent, Deal, Lead
from .cells import normalised
from .mapping import Mapping

DEFAULT_SOURCE_SYSTEM = "crm"


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


def mapping_for_headers(spec: EntitySpec, headers: Iterable[str]) -> Mapping:
    """No mapping given: a column feeds the field it is named after (by name or label, any case)."""
    names = {}
    for name, f in spec.model_fields().items():
        names[normalised(name)] = name
        names[normalised(str(f.verbose_name))] = name
    for ref in spec.references:
        names[normalised(ref.name)] = ref.name
    fields = {}
    for header in headers:
        name = names.get(normalised(header))
        if name and name not in fields:
            fields[name] = header
    return Mapping(entity=spec.name, fields=fields, origin=f"the {spec.name} columns")
