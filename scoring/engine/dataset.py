"""Dataset preparation: field mapping, column typing, outcome labels, point-in-time event features.

Everything here takes and returns plain pandas/numpy data; nothing knows about Django.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

NUMERIC = "numeric"
CATEGORICAL = "categorical"
BOOLEAN = "boolean"
DATE = "date"
ID = "id"
TEXT = "text"
CONSTANT = "constant"

# Values a CRM export uses for yes/no flags; compared lower-cased.
_TRUE_TOKENS = {"yes", "y", "true", "t", "1", "1.0"}
_FALSE_TOKENS = {"no", "n", "false", "f", "0", "0.0"}


# A number as a CRM export writes it. The exponent is at most three digits: pandas 2.x `to_numeric` can
# crash the process (pandas issue 63650) on a hex id such as 401013266745e5661589292315434968, which
# reads as a number with an enormous exponent, so text is never handed to it unchecked.
NUMBER_PATTERN = r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,3})?\s*"


_NUMBER = re.compile(NUMBER_PATTERN)


def _number(value: object) -> float:
    if isinstance(value, bool | np.bool_):
        return np.nan
    if isinstance(value, int | float | np.number):
        return float(value)
    text = str(value)
    return float(text) if _NUMBER.fullmatch(text) else np.nan


def numbers_of(values) -> np.ndarray:
    """Values as float (n,): numbers as they are; text that matches NUMBER_PATTERN parsed; else NaN."""
    array = values.to_numpy() if isinstance(values, pd.Series | pd.Index) else np.asarray(values)
    if array.dtype.kind in "biuf":
        return array.astype(float)
    # Parsed once per distinct value, not once per row.
    return _map_distinct(array, _number).astype(float)


def is_number_text(values: pd.Series) -> np.ndarray:
    """Per value (n,), whether it reads as a number (booleans (n,)); missing values are False."""
    return ~np.isnan(numbers_of(values))


class UnusableHistory(ValueError):
    """The history cannot support what was asked of it (no outcome, one class, too few deals)."""


@dataclass
class FieldMapping:
    """A field mapping in the docs/mapping.md format (shared with the CSV importer)."""

    outcome: str | None = None
    won: tuple[str, ...] = ()
    lost: tuple[str, ...] = ()
    id: str | None = None
    date: str | None = None
    entity: str = "lead"
    missing_values: tuple[str, ...] = ("",)
    fields: dict[str, str] = field(default_factory=dict)
    post_outcome: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> FieldMapping:
        """Build a mapping from the JSON structure documented in docs/mapping.md."""
        outcome = raw.get("outcome") or {}
        if isinstance(outcome, str):
            outcome = {"column": outcome}
        return cls(
            outcome=outcome.get("column"),
            won=tuple(str(v) for v in outcome.get("won") or ()),
            lost=tuple(str(v) for v in outcome.get("lost") or ()),
            id=raw.get("id"),
            date=raw.get("date"),
            entity=raw.get("entity", "lead"),
            missing_values=tuple(str(v) for v in raw.get("missing_values", [""])),
            fields=dict(raw.get("fields") or {}),
            post_outcome=tuple(raw.get("post_outcome") or ()),
            ignore=tuple(raw.get("ignore") or ()),
        )

    @classmethod
    def load(cls, path: str | Path) -> FieldMapping:
        """Read a mapping JSON file."""
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))

    def to_dict(self) -> dict[str, Any]:
        """The mapping back in the docs/mapping.md JSON shape."""
        out = asdict(self)
        out["outcome"] = {"column": self.outcome, "won": list(self.won)}
        if self.lost:
            out["outcome"]["lost"] = list(self.lost)
        out.pop("won")
        out.pop("lost")
        for key in ("missing_values", "post_outcome", "ignore"):
            out[key] = list(out[key])
        return out


SMALL_BATCH = 64


def _map_distinct(series: pd.Series | np.ndarray, transform) -> np.ndarray:
    """Apply `transform` (a python value -> value) once per distinct value, not once per row; an object
    array (n,) with NaN where the input is missing."""
    if len(series) <= SMALL_BATCH:
        # A hash table per column costs more than mapping a handful of values one by one.
        out = np.empty(len(series), dtype=object)
        for i, value in enumerate(np.asarray(series, dtype=object)):
            out[i] = np.nan if pd.isna(value) else transform(value)
        return out
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    mapped = np.array([transform(value) for value in uniques] + [np.nan], dtype=object)
    return mapped[codes]


def _is_text(dtype) -> bool:
    return pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)


def _clean_text(value: object, tokens: set[str]) -> object:
    text = str(value).strip()
    return np.nan if text in tokens else text


def apply_missing_values(frame: pd.DataFrame, tokens: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """Return a copy of `frame` where text cells equal (after stripping) to a missing token are NaN.

    Text cells are also stripped of surrounding whitespace. Only object/string columns are touched: a
    numeric 0 is an answer, not a missing value.
    """
    token_set = set(tokens)
    columns = {}
    # One constructor call: assigning column by column costs ~100 us each, more than a lead's scoring.
    for column, dtype in frame.dtypes.items():
        series = frame[column]
        columns[column] = (
            _map_distinct(series, lambda value: _clean_text(value, token_set))
            if _is_text(dtype)
            else series.array
        )
    return pd.DataFrame(columns, index=frame.index)


def outcome_labels(
    values: pd.Series,
    *,
    won: tuple[str, ...] | list[str] | None = None,
    lost: tuple[str, ...] | list[str] = (),
) -> pd.Series:
    """Map an outcome column to 1 (won), 0 (lost) or NaN (open / unknown).

    `won` lists the values meaning won (compared as stripped strings; numeric 1.0 matches "1").
    Without `won`, a column with exactly two values takes the truthy one (yes/true/1/won) or the
    less frequent one as won. `lost`, when given, lists the lost values; anything else is then open.
    """
    text = values.astype("string").str.strip()
    # "1.0" from a float column must match a won value of "1".
    text = text.str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True)
    present = text.dropna()
    present = present[present != ""]
    if won:
        won_set = {str(v).strip() for v in won}
    else:
        distinct = list(present.unique())
        if len(distinct) != 2:
            raise UnusableHistory(
                f"outcome column {values.name!r} has {len(distinct)} distinct values; pass --won to say which means won"
            )
        truthy = [v for v in distinct if v.lower() in _TRUE_TOKENS | {"won", "closed won", "converted"}]
        won_set = {truthy[0]} if len(truthy) == 1 else {present.value_counts().index[-1]}
    labels = pd.Series(np.nan, index=values.index, dtype=float)
    is_won = text.isin(won_set).fillna(False).astype(bool)
    labels[is_won] = 1.0
    if lost:
        lost_set = {str(v).strip() for v in lost}
        labels[text.isin(lost_set).fillna(False).astype(bool)] = 0.0
    else:
        labels[~is_won & text.notna() & (text != "")] = 0.0
    return labels


def infer_column_types(frame: pd.DataFrame) -> dict[str, str]:
    """Type each column as numeric, categorical, boolean, date, id, text or constant.

    The rules are the ones an analyst applies by eye: one value -> constant; two yes/no-like values ->
    boolean; (nearly) unique integers or strings -> id; parseable as numbers -> numeric; parseable
    as dates -> date; long, mostly unique strings -> free text; anything else -> categorical.
    """
    types: dict[str, str] = {}
    n_rows = len(frame)
    for column in frame.columns:
        series = frame[column]
        present = series.dropna()
        n_distinct = present.nunique()
        if n_distinct <= 1:
            types[column] = CONSTANT
            continue
        lowered = {str(v).strip().lower() for v in present.unique()[:3]}
        if n_distinct == 2 and (lowered <= _TRUE_TOKENS | _FALSE_TOKENS):
            types[column] = BOOLEAN
            continue
        unique_ratio = n_distinct / max(len(present), 1)
        numbers = numbers_of(present)
        numeric_share = float((~np.isnan(numbers)).mean()) if len(present) else 0.0
        if pd.api.types.is_numeric_dtype(series) or numeric_share >= 0.95:
            as_number = numbers[~np.isnan(numbers)]
            is_integer = bool(np.all(np.mod(as_number, 1) == 0))
            types[column] = ID if (is_integer and unique_ratio >= 0.98 and n_rows >= 20) else NUMERIC
            continue
        sample = present.astype(str).head(200)
        if sample.str.contains(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}", regex=True).mean() >= 0.9:
            parsed = pd.to_datetime(sample, errors="coerce", format="mixed")
            if parsed.notna().mean() >= 0.9:
                types[column] = DATE
                continue
        if unique_ratio >= 0.98 and n_rows >= 20:
            types[column] = ID
            continue
        if unique_ratio >= 0.5 and sample.str.len().mean() >= 30:
            types[column] = TEXT
            continue
        types[column] = CATEGORICAL
    return types


def _flag(value: object) -> float:
    text = str(value).strip().lower()
    if text in _TRUE_TOKENS:
        return 1.0
    return 0.0 if text in _FALSE_TOKENS else np.nan


def coerce_features(frame: pd.DataFrame, types: dict[str, str]) -> pd.DataFrame:
    """Return the model-ready columns: numerics and booleans as float, categoricals as object strings.

    Columns typed id, date, text or constant are not features and are dropped.
    """
    columns = {}
    present = set(frame.columns)
    for column, kind in types.items():
        if kind not in (NUMERIC, BOOLEAN, CATEGORICAL):
            continue
        if column not in present:
            # A lead scored later may lack a column the model was trained on: it is simply missing.
            columns[column] = np.full(len(frame), np.nan, dtype=float if kind != CATEGORICAL else object)
            continue
        series = frame[column]
        if kind == NUMERIC:
            columns[column] = numbers_of(series)
        elif kind == BOOLEAN:
            columns[column] = _map_distinct(series, _flag).astype(float)
        else:
            columns[column] = _map_distinct(series, lambda value: str(value).strip())
    return pd.DataFrame(columns, index=frame.index)


def _as_float(values: np.ndarray) -> np.ndarray:
    return np.array([np.nan if pd.isna(v) else float(v) for v in values], dtype=float)


def model_features(
    frame: pd.DataFrame, types: dict[str, str], tokens: tuple[str, ...] | list[str]
) -> pd.DataFrame:
    """`coerce_features(apply_missing_values(frame, tokens), types)` in one pass, columns in `types` order.

    The same per-value rules, but each column is read once and one frame is built: scoring a lead goes
    through here on every call, where two frames and a Series per column cost more than the model.
    """
    token_set = set(tokens)
    position = {column: j for j, column in enumerate(frame.columns)}
    dtypes = frame.dtypes.tolist()
    small = len(frame) <= SMALL_BATCH
    # A small frame is read as one object block: a Series per column costs ~20 us, a lead has dozens.
    block = frame.to_numpy(dtype=object) if small and len(frame.columns) else None
    columns = {}
    for column, kind in types.items():
        if kind not in (NUMERIC, BOOLEAN, CATEGORICAL):
            continue
        j = position.get(column)
        if j is None:
            columns[column] = np.full(len(frame), np.nan, dtype=float if kind != CATEGORICAL else object)
            continue
        values = block[:, j] if small else frame.iloc[:, j]
        if _is_text(dtypes[j]):
            cleaned = _map_distinct(values, lambda value: _clean_text(value, token_set))
            if kind == NUMERIC:
                columns[column] = numbers_of(cleaned)
            elif kind == BOOLEAN:
                columns[column] = _map_distinct(cleaned, _flag).astype(float)
            else:
                columns[column] = _map_distinct(cleaned, lambda value: str(value).strip())
        elif kind == NUMERIC:
            columns[column] = _as_float(values) if small else numbers_of(values)
        elif kind == BOOLEAN:
            columns[column] = _map_distinct(values, _flag).astype(float)
        else:
            columns[column] = _map_distinct(values, lambda value: str(value).strip())
    return pd.DataFrame(columns, index=frame.index)


# ---------------------------------------------------------------------------------------------
# Point-in-time features from activity events
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepDecay:
    """Weight of an event by age: 100 % to 7 days, 75 % to 30, 50 % to 90, 25 % after (editable)."""

    steps: tuple[tuple[float, float], ...] = ((7, 1.0), (30, 0.75), (90, 0.5))
    floor: float = 0.25

    def weight(self, age_days: np.ndarray) -> np.ndarray:
        """Weights in [0, 1] for event ages in days (shape (n,))."""
        weights = np.full(np.shape(age_days), self.floor, dtype=float)
        # Walk the steps from the oldest down so the tightest step wins.
        for limit, value in sorted(self.steps, reverse=True):
            weights = np.where(age_days <= limit, value, weights)
        return weights


@dataclass(frozen=True)
class HalfLifeDecay:
    """Weight of an event halves every `half_life_days`."""

    half_life_days: float = 30.0

    def weight(self, age_days: np.ndarray) -> np.ndarray:
        """Weights in (0, 1] for event ages in days (shape (n,))."""
        return np.power(0.5, np.asarray(age_days, dtype=float) / self.half_life_days)


def event_features(
    events: pd.DataFrame,
    *,
    as_of: pd.Timestamp | str,
    lead_ids: pd.Index | list | None = None,
    windows: tuple[int, ...] = (7, 30, 90),
    decay: StepDecay | HalfLifeDecay | dict[str, StepDecay | HalfLifeDecay] | None = None,
    caps: dict[str, int] | None = None,
    lead_column: str = "lead_id",
    kind_column: str = "kind",
    time_column: str = "occurred_at",
    account_column: str | None = None,
    contact_column: str | None = None,
) -> pd.DataFrame:
    """Point-in-time behavioural features per lead, using only events that happened by `as_of`.

    events: one row per activity event with `lead_id`, `kind` and `occurred_at` (plus, optionally, an
    account and a contact column). Returns one row per lead (index = lead id; every id of `lead_ids`
    is present, with zeros when it had no events) and, for each event kind K:

    - `K_7d`, `K_30d`, `K_90d`: event counts in the trailing windows;
    - `K_decayed`: the decay-weighted sum (a StepDecay by default; a per-kind dict is allowed);
    - `K_days_since`: days since the latest event of that kind (NaN when none).

    plus `events_total_90d`, `days_since_last_event` and, with `account_column` and `contact_column`,
    `account_active_contacts_90d` (distinct contacts of the lead's account active in 90 days).
    `caps` limits how many events of a kind count (per window and in the decayed sum), so a bot
    reloading a page 500 times does not look like intent. Events after `as_of` are ignored: features
    for a historical deal must not see the future.
    """
    as_of = pd.Timestamp(as_of)
    if as_of.tzinfo is None:
        as_of = as_of.tz_localize("UTC")
    caps = caps or {}
    frame = events[
        [c for c in {lead_column, kind_column, time_column, account_column, contact_column} if c]
    ].copy()
    when = pd.to_datetime(frame[time_column], utc=True, errors="coerce")
    frame = frame.assign(_when=when)
    frame = frame[frame["_when"].notna() & (frame["_when"] <= as_of)]
    age_days = (as_of - frame["_when"]).dt.total_seconds().to_numpy() / 86400.0
    frame = frame.assign(_age=age_days)
    kinds = sorted(frame[kind_column].dropna().astype(str).unique())
    frame[kind_column] = frame[kind_column].astype(str)
    index = pd.Index(lead_ids if lead_ids is not None else frame[lead_column].unique(), name=lead_column)
    out = pd.DataFrame(index=index)
    default_decay = StepDecay()
    for kind in kinds:
        rows = frame[frame[kind_column] == kind]
        cap = caps.get(kind)
        kind_decay = decay.get(kind, default_decay) if isinstance(decay, dict) else (decay or default_decay)
        grouped = rows.groupby(lead_column)
        for days in windows:
            counts = rows[rows["_age"] <= days].groupby(lead_column).size()
            if cap is not None:
                counts = counts.clip(upper=cap)
            out[f"{kind}_{days}d"] = counts.reindex(index).fillna(0).astype(float)
        weights = rows.assign(_w=kind_decay.weight(rows["_age"].to_numpy()))
        if cap is not None:
            # Keep the `cap` most recent events: they weigh the most, and repetition beyond that is noise.
            weights = weights.sort_values("_age").groupby(lead_column).head(cap)
        out[f"{kind}_decayed"] = weights.groupby(lead_column)["_w"].sum().reindex(index).fillna(0.0)
        out[f"{kind}_days_since"] = grouped["_age"].min().reindex(index)
    recent = frame[frame["_age"] <= max(windows)]
    out[f"events_total_{max(windows)}d"] = (
        recent.groupby(lead_column).size().reindex(index).fillna(0).astype(float)
    )
    out["days_since_last_event"] = frame.groupby(lead_column)["_age"].min().reindex(index)
    if account_column and contact_column:
        active = recent.dropna(subset=[account_column, contact_column])
        per_account = active.groupby(account_column)[contact_column].nunique()
        lead_account = frame.dropna(subset=[account_column]).groupby(lead_column)[account_column].last()
        out[f"account_active_contacts_{max(windows)}d"] = (
            lead_account.map(per_account).reindex(index).fillna(0).astype(float)
        )
    return out
