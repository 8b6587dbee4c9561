"""Leakage screens from the data alone, run before any model is fitted.

Each screen returns `Finding`s: a column, the reason in words with its figure, and a status. "flagged"
findings are left out of training (the data proves it: a column filled for one class only, a date after
the close); "suspected" ones stay in until a person confirms or clears them, but a model that leans on an
unresolved suspect is never called deployable (see `pipeline`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .dataset import CATEGORICAL, DATE

FLAGGED = "flagged"
SUSPECTED = "suspected"
SUSPECT_PREFIX = "suspected: recorded after first contact"
# A group of deals (the ones missing a value, the ones filling it) this pure is no accident.
PURE_RATE = 0.03
MIN_GROUP = 20
MIN_GROUP_SHARE = 0.05
# Names of fields a sales team fills in or a CRM overwrites with the latest state: "Last Activity",
# "Lead Quality", "Lead Profile", "Tags", "Activity Score", "Profile Index", "Status", "Disposition".
SUSPECT_NAMES = (
    re.compile(r"^(last|latest|most recent)\b"),
    re.compile(r"\b(status|tags?|quality|rating|grade|disposition|profile|score|index)\b"),
)
# Values that describe what happened to a lead rather than the lead: a status written after contact.
STATUS_WORDS = re.compile(
    r"\b(closed|won|lost|converted|revert|reverted|disqualified|junk|enrolled|not interested|"
    r"interested in|ringing|switched off|unreachable|phone conversation|invalid number|wrong number)\b",
    re.IGNORECASE,
)
# A suspect name alone is not evidence: the column must also tell won from lost a little.
SUSPECT_MIN_AUC = 0.55


@dataclass
class Finding:
    """One screen's verdict on one column."""

    column: str
    reason: str
    status: str
    evidence: dict = field(default_factory=dict)


def _normalised(name: str) -> str:
    return re.sub(r"[_\-.]+", " ", str(name)).strip().lower()


def missingness_findings(X: pd.DataFrame, y: np.ndarray) -> list[Finding]:
    """Columns whose missingness alone predicts the outcome: the deals missing (or filling) a value are
    (almost) all won or all lost. A median fill hides this; the screen looks before any fill."""
    findings = []
    n = len(y)
    for column in X.columns:
        missing = X[column].isna().to_numpy()
        n_missing = int(missing.sum())
        if n_missing < MIN_GROUP or n - n_missing < MIN_GROUP:
            continue
        rate_missing, rate_filled = float(y[missing].mean()), float(y[~missing].mean())
        for count, rate in ((n_missing, rate_missing), (n - n_missing, rate_filled)):
            if count / n >= MIN_GROUP_SHARE and (rate <= PURE_RATE or rate >= 1 - PURE_RATE):
                findings.append(
                    Finding(
                        column,
                        f"filled for {1 - n_missing / n:.0%} of closed deals; {rate_missing:.0%} won where it is "
                        f"missing ({n_missing:,} deals) against {rate_filled:.0%} where it is filled: whether it "
                        "is filled at all depends on the outcome, so it is recorded once the outcome is known",
                        FLAGGED,
                        {
                            "missing_share": n_missing / n,
                            "won_missing": rate_missing,
                            "won_filled": rate_filled,
                        },
                    )
                )
                break
    return findings


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce", format="mixed", utc=True)


def date_findings(
    closed: pd.DataFrame, y: np.ndarray, types: dict[str, str], close_column: str | None
) -> list[Finding]:
    """Date columns filled only for won (or only for lost) deals, or dated after the deal's close."""
    findings = []
    close = _dates(closed[close_column]) if close_column and close_column in closed.columns else None
    for column, kind in types.items():
        if kind != DATE or column == close_column or column not in closed.columns:
            continue
        when = _dates(closed[column])
        filled = when.notna().to_numpy()
        n_filled = int(filled.sum())
        if n_filled >= MIN_GROUP and len(y) - n_filled >= MIN_GROUP:
            rate = float(y[filled].mean())
            if rate <= PURE_RATE or rate >= 1 - PURE_RATE:
                which = "won" if rate >= 0.5 else "lost"
                findings.append(
                    Finding(
                        column,
                        f"a date filled only for {which} deals ({n_filled:,} filled, {rate:.0%} of them won): "
                        "it records something that happens after the outcome",
                        FLAGGED,
                        {"filled": n_filled, "won_filled": rate},
                    )
                )
                continue
        if close is not None:
            both = filled & close.notna().to_numpy()
            if both.sum() >= MIN_GROUP:
                after = (when[both] > close[both] + pd.Timedelta(days=1)).to_numpy()
                if after.mean() >= 0.2:
                    findings.append(
                        Finding(
                            column,
                            f"dated after the deal's close ({close_column}) on {after.mean():.0%} of the "
                            f"{int(both.sum()):,} deals with both dates: it is recorded after the outcome",
                            FLAGGED,
                            {"after_close_share": float(after.mean())},
                        )
                    )
    return findings


def status_value_findings(
    X: pd.DataFrame, y: np.ndarray, types: dict[str, str], open_X: pd.DataFrame | None
) -> list[Finding]:
    """Categorical columns holding status-like values ("Closed", "Won", "Will revert after reading the
    email"), or values common among closed deals that no open lead carries: recorded after the outcome."""
    findings = []
    n = len(y)
    for column in X.columns:
        if types.get(column) != CATEGORICAL:
            continue
        counts = X[column].dropna().astype(str).value_counts()
        status = [value for value in counts.index if STATUS_WORDS.search(value)]
        status_share = float(counts[status].sum() / n) if status else 0.0
        reasons = []
        if status and status_share >= MIN_GROUP_SHARE:
            shown = ", ".join(f"“{value}” ({counts[value]:,})" for value in status[:3])
            reasons.append(f"{status_share:.0%} of closed deals carry status-like values such as {shown}")
        closed_only: list[str] = []
        if open_X is not None and len(open_X) >= 50 and column in open_X.columns:
            seen_open = set(open_X[column].dropna().astype(str))
            closed_only = [v for v in counts.index if counts[v] >= MIN_GROUP and v not in seen_open]
            share = float(counts[closed_only].sum() / n) if closed_only else 0.0
            if share >= MIN_GROUP_SHARE:
                reasons.append(
                    f"{share:.0%} of closed deals carry values no open lead has "
                    f"({', '.join(f'“{v}”' for v in closed_only[:3])})"
                )
        if reasons:
            findings.append(
                Finding(
                    column,
                    f"{SUSPECT_PREFIX}: " + "; ".join(reasons),
                    SUSPECTED,
                    {"status_values": status[:10], "closed_only_values": closed_only[:10]},
                )
            )
    return findings


def name_findings(
    columns: list[str], single_auc: dict[str, float], missing: dict[str, float]
) -> list[Finding]:
    """Columns named like a field the sales team assigns or the CRM overwrites with the latest state, that
    also tell won from lost (single-column AUC >= SUSPECT_MIN_AUC)."""
    findings = []
    for column in columns:
        name = _normalised(column)
        if not any(pattern.search(name) for pattern in SUSPECT_NAMES):
            continue
        auc = single_auc.get(column)
        if auc is None or auc < SUSPECT_MIN_AUC:
            continue
        kind = (
            "that holds the latest state"
            if SUSPECT_NAMES[0].search(name)
            else "assigned by the sales team or a tool"
        )
        findings.append(
            Finding(
                column,
                f"{SUSPECT_PREFIX}: its name marks a field {kind}, and used alone it separates won from lost "
                f"with an AUC of {auc:.3f}"
                + (f" (missing for {missing[column]:.0%})" if missing.get(column) else ""),
                SUSPECTED,
                {"single_column_auc": auc},
            )
        )
    return findings


__all__ = [
    "FLAGGED",
    "SUSPECTED",
    "SUSPECT_PREFIX",
    "Finding",
    "date_findings",
    "missingness_findings",
    "name_findings",
    "status_value_findings",
]


# A column the close month explains this well is a calendar or economy-wide figure, not a fact of the lead.
CALENDAR_SHARE = 0.9
MIN_MONTHS = 3


def calendar_columns(X: pd.DataFrame, dates: pd.Series) -> dict[str, str]:
    """Signal columns that are nearly a function of the month of `dates` (same index as X), with why.

    Numbers: the share of their variance the month explains (eta squared). Categories: the share of
    deals carrying their month's commonest value, when the commonest value overall is far rarer."""
    month = _dates(dates).dt.strftime("%Y-%m")
    known = month.notna().to_numpy()
    if pd.Series(month[known]).nunique() < MIN_MONTHS:
        return {}
    found = {}
    for column in X.columns:
        values = X[column][known]
        months = month[known]
        filled = values.notna().to_numpy()
        if filled.sum() < MIN_GROUP or values[filled].nunique() < 2:
            continue
        values, months = values[filled], months[filled]
        if values.dtype != object:
            numbers = values.astype(float)
            total = float(((numbers - numbers.mean()) ** 2).sum())
            within = float(((numbers - numbers.groupby(months).transform("mean")) ** 2).sum())
            share = 1 - within / total if total > 0 else 0.0
            if share >= CALENDAR_SHARE:
                found[column] = f"the close month explains {share:.0%} of its variance"
            continue
        text = values.astype(str)
        by_month = pd.DataFrame({"m": months.to_numpy(), "v": text.to_numpy()})
        modal = by_month.groupby("m")["v"].agg(lambda v: v.value_counts().iloc[0]).sum() / len(by_month)
        overall = text.value_counts().iloc[0] / len(text)
        if modal >= CALENDAR_SHARE and overall < 0.8:
            found[column] = f"{modal:.0%} of deals carry their close month's commonest value"
    return found
