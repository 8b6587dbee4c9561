"""Feeds the engine from the database: one row per lead, one column per active Signal.

The same builder serves training (each closed lead as of its own cut-off, so no feature sees the
future) and scoring (every lead as of now), so what a model learned and what it scores never differ.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import numpy as np
import pandas as pd
from django.db import connection
from django.utils import timezone

from leadscoring.models import ActivityEvent, Lead

from .engine.dataset import HalfLifeDecay, StepDecay, event_features
from .idlists import ids_in
from .models import Signal

CHUNK = 5000
_REFERENCE = pd.Timestamp("2100-01-01", tz="UTC")


def _decay(spec: dict) -> StepDecay | HalfLifeDecay:
    if spec.get("half_life_days"):
        return HalfLifeDecay(half_life_days=float(spec["half_life_days"]))
    steps = spec.get("steps") or []
    bounded = tuple((float(days), float(weight)) for days, weight in steps if days is not None)
    floor = next((float(weight) for days, weight in steps if days is None), 0.25)
    return StepDecay(steps=bounded, floor=floor) if bounded else StepDecay()


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _lead_rows(lead_ids: Sequence[int], signals: list[Signal]) -> pd.DataFrame:
    lead_fields = {s.source_field for s in signals if s.source == Signal.Source.LEAD_FIELD}
    account_fields = {
        f"account__{s.source_field}" for s in signals if s.source == Signal.Source.ACCOUNT_FIELD
    }
    wants_attributes = any(s.source == Signal.Source.ATTRIBUTE for s in signals)
    columns = ["id", "account_id", *sorted(lead_fields), *sorted(account_fields)]
    if wants_attributes:
        columns.append("attributes")
    rows = []
    for chunk in _chunks(lead_ids):
        rows.extend(Lead.objects.filter(id__in=ids_in(chunk)).values(*columns))
    frame = pd.DataFrame.from_records(rows, columns=columns)
    return frame.set_index("id").reindex(pd.Index(lead_ids, name="id"))


def _event_rows(lead_ids: Sequence[int], kinds: set[str]) -> pd.DataFrame:
    # Raw SQL returning epoch seconds as floats: building a datetime object per event was most of the
    # cost of a feature frame (the ORM path ran at about 1,000 leads/s).
    table = ActivityEvent._meta.db_table
    if connection.vendor == "postgresql":
        epoch = "date_part('epoch', occurred_at)"
        lead_filter, params = "lead_id = ANY(%s)", lambda chunk: [list(chunk)]
    else:
        epoch = "(julianday(occurred_at) - 2440587.5) * 86400.0"
        lead_filter, params = None, None
    kind_list = sorted(kinds)
    frames = []
    with connection.cursor() as cursor:
        for chunk in _chunks(lead_ids):
            if lead_filter:
                where, args = lead_filter, params(chunk)
            else:
                where, args = f"lead_id IN ({', '.join(['%s'] * len(chunk))})", list(chunk)
            if kind_list:
                where += f" AND kind IN ({', '.join(['%s'] * len(kind_list))})"
                args += kind_list
            cursor.execute(f"SELECT lead_id, kind, {epoch} FROM {table} WHERE {where}", args)
            frames.append(pd.DataFrame(cursor.fetchall(), columns=["lead_id", "kind", "epoch"]))
    events = (
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["lead_id", "kind", "epoch"])
    )
    occurred = pd.to_datetime(events["epoch"].astype(float), unit="s", utc=True)
    return pd.DataFrame({"lead_id": events["lead_id"], "kind": events["kind"], "occurred_at": occurred})


def _within_rules(values: pd.Series, signal: Signal) -> pd.Series:
    # A value outside the signal's validation rules is bad data, not evidence: score it as missing.
    rules = signal.validation_rules or {}
    if signal.value_type != Signal.ValueType.NUMERICAL or not ({"min", "max"} & set(rules)):
        return values
    numbers = pd.to_numeric(values, errors="coerce")
    valid = pd.Series(True, index=numbers.index)
    if rules.get("min") is not None:
        valid &= numbers >= float(rules["min"])
    if rules.get("max") is not None:
        valid &= numbers <= float(rules["max"])
    return numbers.where(valid)


def _transform(values: pd.Series, signal: Signal) -> pd.Series:
    values = _within_rules(values, signal)
    if signal.transformation == Signal.Transformation.LOG:
        return np.log1p(pd.to_numeric(values, errors="coerce").clip(lower=0))
    if signal.transformation == Signal.Transformation.PRESENT:
        return values.notna() & (values.astype(str) != "")
    if signal.value_type == Signal.ValueType.NUMERICAL:
        return pd.to_numeric(values, errors="coerce").astype(float)
    if signal.value_type == Signal.ValueType.BOOLEAN:
        return values.map(lambda v: None if v is None or v == "" else bool(v)).astype(object)
    return values.map(lambda v: None if v is None or v == "" else str(v)).astype(object)


def lead_signal_frame(
    *,
    lead_ids: Sequence[int],
    signals: list[Signal],
    as_of: datetime | pd.Series | None = None,
    events_in_sql: bool | None = None,
) -> pd.DataFrame:
    """Signal values for leads (index: lead id; columns: signal keys).

    as_of: one moment for every lead (scoring; default now), or a Series of moments indexed by lead
    id (training: each closed lead as of its own cut-off). events_in_sql: compute event features with
    one SQL aggregate (default on PostgreSQL for one moment); SQLite, and per-lead moments, use pandas.
    """
    lead_ids = list(lead_ids)
    frame = pd.DataFrame(index=pd.Index(lead_ids, name="id"))
    if not lead_ids:
        return frame.assign(**{s.key: pd.Series(dtype=float) for s in signals})
    leads = _lead_rows(lead_ids, signals)
    event_signals = [s for s in signals if s.source == Signal.Source.EVENT]
    events_frame = None
    if event_signals:
        if events_in_sql is None:
            events_in_sql = connection.vendor == "postgresql"
        if events_in_sql and not isinstance(as_of, pd.Series):
            # One aggregate in the database: fetching ~18 raw event rows per lead into pandas cost
            # more than everything else a rescore does.
            events_frame = event_features_sql(
                lead_ids=lead_ids, event_signals=event_signals, as_of=as_of or timezone.now()
            )
        else:
            events_frame = _event_features_pandas(lead_ids=lead_ids, event_signals=event_signals, as_of=as_of)
    for signal in signals:
        if signal.source == Signal.Source.LEAD_FIELD:
            values = leads[signal.source_field]
        elif signal.source == Signal.Source.ACCOUNT_FIELD:
            values = leads[f"account__{signal.source_field}"]
        elif signal.source == Signal.Source.ATTRIBUTE:
            values = leads["attributes"].map(lambda a, key=signal.source_field: (a or {}).get(key))
        else:
            values = _event_column(events_frame, signal)
        frame[signal.key] = _transform(
            values.reindex(frame.index) if hasattr(values, "reindex") else values, signal
        )
    return frame


def _event_config(event_signals: list[Signal]) -> tuple[set[str], dict, dict[str, int]]:
    """Which kinds to read (empty: every kind), each kind's decay, and each kind's repeat cap."""
    kinds = {s.event_kind for s in event_signals if s.event_kind}
    needs_all = any(not s.event_kind for s in event_signals)
    decay = {s.event_kind: _decay(s.decay) for s in event_signals if s.event_kind and s.decay}
    caps: dict[str, int] = {}
    for s in event_signals:
        if s.event_kind and s.repeat_cap:
            caps[s.event_kind] = max(caps.get(s.event_kind, 0), int(s.repeat_cap))
    return (set() if needs_all else kinds), decay, caps


def _event_features_pandas(
    *, lead_ids: list[int], event_signals: list[Signal], as_of: datetime | pd.Series | None
) -> pd.DataFrame:
    kinds, decay, caps = _event_config(event_signals)
    events = _event_rows(lead_ids, kinds)
    if isinstance(as_of, pd.Series):
        # Shift each lead's events so its own cut-off lands on one reference moment: ages are kept,
        # and events after the cut-off fall after the reference and are ignored.
        cutoffs = pd.to_datetime(as_of, utc=True)
        shift = _REFERENCE - events["lead_id"].map(cutoffs)
        events = events.assign(occurred_at=pd.to_datetime(events["occurred_at"], utc=True) + shift)
        moment = _REFERENCE
    else:
        moment = pd.Timestamp(as_of or timezone.now())
    windows = sorted({int(s.window_days) for s in event_signals if s.window_days} | {7, 30, 90})
    return event_features(
        events, as_of=moment, lead_ids=pd.Index(lead_ids), windows=tuple(windows), decay=decay, caps=caps
    )


def _weight_sql(decay: StepDecay | HalfLifeDecay) -> str:
    if isinstance(decay, HalfLifeDecay):
        return f"power(0.5, age / {float(decay.half_life_days)!r})"
    # The tightest step wins, as in StepDecay.weight: CASE takes the first match, smallest limit first.
    steps = " ".join(
        f"WHEN age <= {float(limit)!r} THEN {float(value)!r}" for limit, value in sorted(decay.steps)
    )
    return f"CASE {steps} ELSE {float(decay.floor)!r} END" if steps else repr(float(decay.floor))


def event_features_sql(*, lead_ids: list[int], event_signals: list[Signal], as_of: datetime) -> pd.DataFrame:
    """The event columns the signals read (`_event_column` names), for every lead, from one aggregate.

    PostgreSQL only. Same figures as engine.dataset.event_features: counts in trailing windows capped at
    the kind's repeat cap, the decayed sum over the cap's most recent events, days since the latest
    event; events after `as_of` ignored. Ages use date_part (double precision): extract() returns numeric
    since PostgreSQL 14 and tripled the query's time.
    """
    kinds, decay, caps = _event_config(event_signals)
    default_decay = StepDecay()
    columns: dict[str, str] = {}
    # A step-decayed sum is built from counts per step (every event in a step weighs the same), so the
    # cap's most recent events are the youngest steps' counts filled in order: no per-event ranking.
    stepped: dict[str, tuple[list[str], list[float], int | None]] = {}
    ranked = False
    for signal in event_signals:
        kind = signal.event_kind
        name = _event_column_name(signal)
        if not kind:
            if signal.transformation == Signal.Transformation.RECENCY:
                columns[name] = "min(age)"
            continue
        quoted = "'" + kind.replace("'", "''") + "'"
        cap = caps.get(kind)
        if signal.transformation == Signal.Transformation.RECENCY:
            columns[name] = f"min(age) FILTER (WHERE kind = {quoted})"
        elif signal.transformation == Signal.Transformation.DECAYED:
            kind_decay = decay.get(kind, default_decay)
            if isinstance(kind_decay, StepDecay):
                steps = sorted(kind_decay.steps)
                parts, weights, lower = [], [], None
                for k, (limit, weight) in enumerate(steps):
                    band = f"age <= {float(limit)!r}" + (f" AND age > {lower!r}" if lower is not None else "")
                    columns[f"{name}__step{k}"] = f"count(*) FILTER (WHERE kind = {quoted} AND {band})"
                    parts.append(f"{name}__step{k}")
                    weights.append(float(weight))
                    lower = float(limit)
                floor = f" AND age > {lower!r}" if lower is not None else ""
                columns[f"{name}__floor"] = f"count(*) FILTER (WHERE kind = {quoted}{floor})"
                stepped[name] = ([*parts, f"{name}__floor"], [*weights, float(kind_decay.floor)], cap)
                continue
            keep = f" AND rn <= {int(cap)}" if cap is not None else ""
            ranked = ranked or cap is not None
            weight = _weight_sql(kind_decay)
            columns[name] = f"coalesce(sum({weight}) FILTER (WHERE kind = {quoted}{keep}), 0)"
        else:
            days = float(int(signal.window_days or 90))
            count = f"count(*) FILTER (WHERE kind = {quoted} AND age <= {days!r})"
            columns[name] = f"least({count}, {int(cap)})" if cap is not None else count
    index = pd.Index(lead_ids, name="lead_id")
    if not columns:
        return pd.DataFrame(index=index)
    names = list(columns)
    rank = (
        ", row_number() OVER (PARTITION BY lead_id, kind ORDER BY occurred_at DESC) AS rn" if ranked else ""
    )
    kind_filter, args = "", [as_of.timestamp(), list(lead_ids), as_of]
    if kinds:
        kind_filter, args = " AND kind = ANY(%s)", [*args, sorted(kinds)]
    sql = (
        f"WITH e AS (SELECT lead_id, kind, (%s - date_part('epoch', occurred_at)) / 86400.0 AS age{rank} "
        f"FROM {ActivityEvent._meta.db_table} WHERE lead_id = ANY(%s) AND occurred_at <= %s{kind_filter}) "
        f"SELECT lead_id, {', '.join(columns[n] for n in names)} FROM e GROUP BY lead_id"
    )
    with connection.cursor() as cursor:
        # A sort or hash that spills to disk costs a third of the query's time.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(sql, args)
        rows = cursor.fetchall()
    found = pd.DataFrame.from_records(rows, columns=["lead_id", *names]).set_index("lead_id")
    out = found.astype(float).reindex(index)
    for name, (parts, weights, cap) in stepped.items():
        counts = out[parts].fillna(0.0).to_numpy()
        if cap is not None:
            # Youngest steps first: each takes what is left of the cap.
            taken = np.minimum(np.cumsum(counts, axis=1), float(cap))
            counts = np.diff(taken, axis=1, prepend=0.0)
        total = np.zeros(len(out))
        for k, weight in enumerate(weights):
            total = total + counts[:, k] * weight
        out[name] = total
        out = out.drop(columns=parts)
    for signal in event_signals:
        name = _event_column_name(signal)
        if name in out and signal.transformation != Signal.Transformation.RECENCY:
            out[name] = out[name].fillna(0.0)
    return out


def _event_column_name(signal: Signal) -> str:
    kind = signal.event_kind
    if signal.transformation == Signal.Transformation.RECENCY:
        return f"{kind}_days_since" if kind else "days_since_last_event"
    if signal.transformation == Signal.Transformation.DECAYED:
        return f"{kind}_decayed"
    return f"{kind}_{int(signal.window_days or 90)}d"


def _event_column(events_frame: pd.DataFrame, signal: Signal) -> pd.Series:
    column = _event_column_name(signal)
    if column in events_frame:
        return events_frame[column]
    # No event of that kind anywhere yet: zero counts, unknown recency.
    fill = np.nan if signal.transformation == Signal.Transformation.RECENCY else 0.0
    return pd.Series(fill, index=events_frame.index, dtype=float)
