"""Write the demo frames into the database fast: COPY on PostgreSQL, batched executemany on SQLite.

The demo is initial data, so the loader deliberately writes no django-simple-history rows for the
accounts, leads, events and deals it inserts (history would double the rows and the time, and would
record nothing a person did); every later change made through the ORM is recorded as usual.
Primary keys are assigned here, from a range reserved at the start, so that events and deals can
point at their leads without reading ids back; sequences are moved past the range at the end.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
import pgtrigger
from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection, models, transaction

from leadscoring.demo.process import DEFAULT_LEADS, DEMO_NOW, DEMO_SOURCE, demo_blocks, demo_reps
from leadscoring.models import Account, ActivityEvent, Deal, Lead, Rep
from leadscoring.signals import leads_changed

# executemany rows per call on SQLite (bulk_create would be capped by SQLite's bound-variable limit
# and spends most of its time building model instances; this is the same statement, batched).
SQLITE_BATCH_ROWS = 20_000
# From this size on, secondary indexes are dropped for the load and rebuilt after it: one sort per
# index instead of millions of random inserts (2-5x faster on both databases).
REBUILD_INDEXES_FROM_LEADS = 20_000
_DEMO_MODELS = (Account, Lead, ActivityEvent, Deal)


class DemoAlreadyLoaded(Exception):
    """The database already holds demo rows; load with ``flush=True`` to replace them."""


@dataclass
class LoadStats:
    """What a load wrote, and how fast."""

    reps: int = 0
    accounts: int = 0
    leads: int = 0
    events: int = 0
    deals: int = 0
    seconds: float = 0.0
    won: int = 0
    lost: int = 0
    blocks: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return self.accounts + self.leads + self.events + self.deals

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def demo_lead_count() -> int:
    """How many demo leads the database holds."""
    return Lead.objects.filter(source_system=DEMO_SOURCE).count()


def demo_flush() -> None:
    """Delete every demo account, lead, event and deal, and whatever other apps hang off them.

    Set-based (no per-row signals or history): the ORM's delete would load a million leads to write
    a history row for each. Rows of other apps that cascade from a lead are deleted the same way;
    nullable references are cleared.
    """
    # Replacing the demo replaces its decision log too: the one bulk delete the append-only trigger
    # (scoring's, on PostgreSQL) is told to let through, since the demo is not anyone's record.
    with transaction.atomic(), pgtrigger.ignore():
        _delete_set(Deal.objects.filter(source_system=DEMO_SOURCE))
        _delete_set(ActivityEvent.objects.filter(source=DEMO_SOURCE))
        _delete_set(Lead.objects.filter(source_system=DEMO_SOURCE))
        _delete_set(Account.objects.filter(source_system=DEMO_SOURCE))


def _delete_set(queryset: models.QuerySet) -> None:
    for rel in queryset.model._meta.related_objects:
        if rel.on_delete is models.DO_NOTHING:
            continue
        dependents = rel.related_model._base_manager.filter(
            **{f"{rel.field.name}__in": queryset.values("pk")}
        )
        if rel.many_to_many or rel.on_delete not in (models.CASCADE, models.SET_NULL):
            dependents.delete()  # rare shapes: let the ORM's collector handle them
        elif rel.on_delete is models.CASCADE:
            _delete_set(dependents)
        else:
            dependents.update(**{rel.field.name: None})
    # The fast path Django itself uses when a delete needs no signals; we skip history on purpose.
    queryset._raw_delete(queryset.db)


def demo_load(
    *,
    leads: int = DEFAULT_LEADS,
    seed: int = 0,
    now: datetime = DEMO_NOW,
    flush: bool = False,
    rebuild_indexes: bool | None = None,
    on_block: Callable[[LoadStats], None] | None = None,
) -> LoadStats:
    """Generate the demo for (leads, seed, now) and write it, in one transaction, block by block.

    Creates the rep users (rep1..repN, unusable passwords) and their Rep profiles when missing.
    ``rebuild_indexes`` (default: from REBUILD_INDEXES_FROM_LEADS leads on) drops the tables'
    non-unique indexes for the load and recreates them before the commit; the tables are locked
    meanwhile, which a first load can afford. Raises DemoAlreadyLoaded when demo leads exist and
    ``flush`` is false.
    """
    if rebuild_indexes is None:
        rebuild_indexes = leads >= REBUILD_INDEXES_FROM_LEADS
    started = time.perf_counter()
    stats = LoadStats()
    with transaction.atomic():
        if flush:
            demo_flush()
        elif demo_lead_count():
            raise DemoAlreadyLoaded(f"{demo_lead_count()} demo leads are already loaded; use flush")
        writer = _Writer()
        writer.lock()
        if rebuild_indexes:
            writer.drop_indexes()
        owners = _reps_ensure(demo_reps(leads=leads, seed=seed))
        stats.reps = len(owners)
        next_id = {model: writer.next_id(model) for model in _DEMO_MODELS}
        first_lead_id = next_id[Lead]
        for block in demo_blocks(leads=leads, seed=seed, now=now):
            account_ids = pd.Series(
                next_id[Account] + np.arange(len(block.accounts)), index=block.accounts["external_id"]
            )
            lead_ids = pd.Series(
                next_id[Lead] + np.arange(len(block.leads)), index=block.leads["external_id"]
            )
            writer.write(Account, _account_rows(block.accounts, account_ids))
            writer.write(Lead, _lead_rows(block.leads, lead_ids, account_ids, owners))
            writer.write(ActivityEvent, _event_rows(block.events, next_id[ActivityEvent], lead_ids))
            writer.write(Deal, _deal_rows(block.deals, next_id[Deal], lead_ids, account_ids))
            next_id[Account] += len(block.accounts)
            next_id[Lead] += len(block.leads)
            next_id[ActivityEvent] += len(block.events)
            next_id[Deal] += len(block.deals)
            stats.accounts += len(block.accounts)
            stats.leads += len(block.leads)
            stats.events += len(block.events)
            stats.deals += len(block.deals)
            stats.won += int((block.deals["outcome"] == "won").sum())
            stats.lost += int((block.deals["outcome"] == "lost").sum())
            for status, count in block.leads["status"].value_counts().sort_index().items():
                stats.by_status[status] = stats.by_status.get(status, 0) + int(count)
            stats.blocks += 1
            stats.seconds = time.perf_counter() - started
            if on_block is not None:
                on_block(stats)
        writer.finish()
        if stats.leads:
            # The new leads come with their events: one announcement covers both.
            lead_ids = list(range(first_lead_id, first_lead_id + stats.leads))
            leads_changed.send(sender=Lead, lead_ids=lead_ids, created=True, bulk=True)
    writer.analyze()
    stats.seconds = time.perf_counter() - started
    return stats


def _reps_ensure(reps: pd.DataFrame) -> dict[str, int]:
    """Rep users and profiles, created when missing (few rows: the ORM and its history are fine here)."""
    user_model = get_user_model()
    owners = {}
    for rep in reps.itertuples(index=False):
        user = user_model.objects.filter(username=rep.username).first()
        if user is None:
            user = user_model.objects.create_user(
                username=rep.username, email=rep.email, first_name=rep.first_name, last_name=rep.last_name
            )
        Rep.objects.get_or_create(
            user=user,
            defaults={"territory": rep.territory, "industries": rep.industries, "capacity": rep.capacity},
        )
        owners[rep.username] = user.pk
    return owners


def _account_rows(accounts: pd.DataFrame, ids: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ids.to_numpy(),
            "external_id": accounts["external_id"],
            "source_system": DEMO_SOURCE,
            "name": accounts["name"],
            "domain": accounts["domain"],
            "industry": accounts["industry"],
            "employee_count": accounts["employee_count"],
            "annual_revenue": accounts["annual_revenue"],
            "country": accounts["country"],
            "region": accounts["region"],
            "technology_stack": [json.dumps(stack) for stack in accounts["technology_stack"]],
            "stage": accounts["stage"],
            "funding_total": accounts["funding_total"],
            "growth_signals": [json.dumps(signals) for signals in accounts["growth_signals"]],
            "attributes": "{}",
            "created_at": accounts["created_at"],
            "updated_at": accounts["created_at"],
        }
    )


def _lead_rows(
    leads: pd.DataFrame, ids: pd.Series, account_ids: pd.Series, owners: dict[str, int]
) -> pd.DataFrame:
    rows = leads.drop(columns=["account_external_id", "owner"])
    rows.insert(0, "id", ids.to_numpy())
    rows["account_id"] = leads["account_external_id"].map(account_ids).astype("Int64")
    rows["owner_id"] = leads["owner"].map(owners).astype("Int64")
    rows["do_not_process"] = False  # demo people never withdrew consent, nor were erased
    rows["erased_at"] = pd.NaT
    return rows


def _event_rows(events: pd.DataFrame, first_id: int, lead_ids: pd.Series) -> pd.DataFrame:
    rows = events.drop(columns=["lead_external_id"])
    rows.insert(0, "id", first_id + np.arange(len(events)))
    rows["lead_id"] = lead_ids.loc[events["lead_external_id"].to_numpy()].to_numpy()
    # An event is recorded when it happens: keeps the demo identical whenever it is loaded.
    rows["created_at"] = events["occurred_at"]
    return rows


def _deal_rows(
    deals: pd.DataFrame, first_id: int, lead_ids: pd.Series, account_ids: pd.Series
) -> pd.DataFrame:
    rows = deals.drop(columns=["lead_external_id", "account_external_id"])
    rows.insert(0, "id", first_id + np.arange(len(deals)))
    rows["source_system"] = DEMO_SOURCE
    rows["lead_id"] = lead_ids.loc[deals["lead_external_id"].to_numpy()].to_numpy()
    rows["account_id"] = deals["account_external_id"].map(account_ids).astype("Int64")
    return rows


class _Writer:
    """Bulk writes for the connection's vendor, with columns checked against the model."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        if self.vendor not in ("postgresql", "sqlite"):
            raise NotImplementedError(f"the demo loader supports PostgreSQL and SQLite, not {self.vendor}")
        self.restore: list[str] = []

    def lock(self) -> None:
        # Ids are reserved from the current maximum: keep other writers out until we commit.
        if self.vendor == "postgresql":
            tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in _DEMO_MODELS)
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")
                # Check foreign keys per statement: deferred to the commit, PostgreSQL would queue one
                # trigger event per row in memory (millions for a big demo, unless they are rebuilt).
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")

    def drop_indexes(self) -> None:
        """Drop the demo tables' secondary indexes, unique and foreign-key constraints; ``finish`` restores them.

        The order of a restore (data, then indexes, then constraints): each index is built by one sort
        and each foreign key is validated by one join, instead of a B-tree insert and a trigger per row.
        A duplicate or a dangling reference still fails the rebuild, and with it the whole load.
        """
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for model in _DEMO_MODELS:
                table = model._meta.db_table
                if self.vendor == "postgresql":
                    cursor.execute(
                        "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint"
                        " WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY contype DESC, conname",
                        [quote(table)],
                    )
                    for name, definition, _ in cursor.fetchall():
                        cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
                        self.restore.append(
                            f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
                        )
                    cursor.execute(
                        """
                        SELECT i.relname, pg_get_indexdef(i.oid)
                        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                        WHERE x.indrelid = %s::regclass AND NOT x.indisprimary
                          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
                        ORDER BY i.relname
                        """,
                        [quote(table)],
                    )
                else:
                    # SQLite keeps foreign keys in the table definition; its per-row check is a cheap lookup.
                    cursor.execute(
                        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s"
                        " AND sql IS NOT NULL ORDER BY name",
                        [table],
                    )
                for name, definition in cursor.fetchall():
                    cursor.execute(f"DROP INDEX {quote(name)}")
                    self.restore.insert(0, definition)  # indexes before the foreign keys that use them

    def next_id(self, model: type[models.Model]) -> int:
        """The first id after both the table's rows and its sequence (ids of deleted rows stay unused)."""
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
            top = cursor.fetchone()[0]
            if self.vendor == "postgresql":
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                sequence = cursor.fetchone()[0]
                cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
                last_value, is_called = cursor.fetchone()
                top = max(top, last_value if is_called else last_value - 1)
            else:
                cursor.execute("SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = %s", [table])
                top = max(top, cursor.fetchone()[0])
        return int(top) + 1

    def write(self, model: type[models.Model], rows: pd.DataFrame) -> None:
        if rows.empty:
            return
        fields = {f.attname: f for f in model._meta.concrete_fields}
        if set(rows.columns) != set(fields):
            raise ValueError(
                f"demo columns for {model.__name__} do not match the model: "
                f"missing {sorted(set(fields) - set(rows.columns))}, extra {sorted(set(rows.columns) - set(fields))}"
            )
        columns = [fields[name].column for name in rows.columns]
        rows = rows.copy()
        for name in rows.columns:
            if isinstance(fields[name], models.DateTimeField):
                rows[name] = _timestamps(rows[name], suffix="+00" if self.vendor == "postgresql" else "")
            elif isinstance(fields[name], models.DateField):
                rows[name] = [None if day is None else day.isoformat() for day in rows[name]]
        table = connection.ops.quote_name(model._meta.db_table)
        column_list = ", ".join(connection.ops.quote_name(c) for c in columns)
        if self.vendor == "postgresql":
            self._copy(table, column_list, rows)
        else:
            self._executemany(table, column_list, rows)

    def _copy(self, table: str, column_list: str, rows: pd.DataFrame) -> None:
        # write_row hands each value to psycopg's C dumpers (COPY text format, escaping done there):
        # about three times faster than pandas.to_csv over object columns.
        values = [_python_values(rows[name]) for name in rows.columns]
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy,
        ):
            for record in zip(*values, strict=True):
                copy.write_row(record)

    def _executemany(self, table: str, column_list: str, rows: pd.DataFrame) -> None:
        values = [_python_values(rows[name]) for name in rows.columns]
        marks = ", ".join(["%s"] * len(values))
        sql = f"INSERT INTO {table} ({column_list}) VALUES ({marks})"
        records = list(zip(*values, strict=True))
        with connection.cursor() as cursor:
            for start in range(0, len(records), SQLITE_BATCH_ROWS):
                cursor.executemany(sql, records[start : start + SQLITE_BATCH_ROWS])

    def finish(self) -> None:
        """Recreate dropped indexes; move each sequence past the ids we wrote (SQLite's follows by itself)."""
        statements = self.restore + connection.ops.sequence_reset_sql(no_style(), list(_DEMO_MODELS))
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    def analyze(self) -> None:
        """Fresh planner statistics, so the first scoring queries after a big load plan well."""
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                for model in _DEMO_MODELS:
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
            else:
                cursor.execute("ANALYZE")


def _timestamps(column: pd.Series, *, suffix: str) -> pd.Series:
    """UTC timestamps as the text both databases store ('YYYY-MM-DD HH:MM:SS'), None for NaT."""
    naive = pd.to_datetime(column, utc=True).dt.tz_localize(None).to_numpy().astype("datetime64[s]")
    text = np.strings.add(np.strings.replace(np.datetime_as_string(naive, unit="s"), "T", " "), suffix)
    return pd.Series(text.astype(object), index=column.index).where(column.notna(), None)


def _python_values(column: pd.Series) -> list:
    """Plain Python values for the DB-API, None for missing."""
    if column.dtype == object:
        return [
            None if value is None or value is pd.NA or value != value else value for value in column.tolist()
        ]
    return column.astype(object).where(column.notna(), None).tolist()
