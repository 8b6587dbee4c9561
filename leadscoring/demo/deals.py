"""Stage 3 of a demo block: which leads get a deal and when it closes; and, once the outcome is drawn,
the deal records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .arrays import ids, sigmoid, to_time
from .catalog import COMPETITOR_LOSS_REASON, COMPETITORS, DAY, LOSS_REASON_P, LOSS_REASONS
from .leads import Profiles

if TYPE_CHECKING:
    from .accounts import Accounts
    from .activity import FinalEvents


@dataclass(frozen=True)
class DealTiming:
    """Per lead, shape (n,): whether a rep worked it, when its deal started and closed (seconds)."""

    worked: np.ndarray
    start: np.ndarray
    cycle_days: np.ndarray
    close: np.ndarray  # the decision time of a closed deal: closed_on at 00:00 UTC
    closed: np.ndarray  # worked and closed by "now"


def deal_timing_draw(*, rng: np.random.Generator, leads: Profiles, now: int) -> DealTiming:
    """Worked leads get a deal after a short lag; engaged, reachable leads are worked more; big companies
    take longer to close."""
    n = len(leads.numbers)
    worked = rng.random(n) < sigmoid(0.4 + 0.8 * leads.interest - 0.8 * leads.student)
    start = leads.created + ((1.5 + rng.exponential(10, n)) * DAY).astype(np.int64)
    start = start // DAY * DAY
    cycle_days = np.maximum(
        3, np.round(rng.lognormal(np.log(30), 0.5, n) * np.where(leads.employees >= 1000, 1.6, 1.0))
    )
    close = start + cycle_days.astype(np.int64) * DAY
    worked &= start < now
    return DealTiming(
        worked=worked, start=start, cycle_days=cycle_days, close=close, closed=worked & (close <= now)
    )


def deal_records(
    *,
    rng: np.random.Generator,
    leads: Profiles,
    accounts: Accounts,
    timing: DealTiming,
    won: np.ndarray,
    events: FinalEvents,
) -> pd.DataFrame:
    """One row per worked lead: amount, outcome (won / lost / open), dates, loss reason, touches during
    the cycle, stakeholders and the competitor met."""
    n = len(leads.numbers)
    in_cycle = (events.at >= timing.start[events.lead]) & (events.at < timing.close[events.lead])
    touches = np.bincount(events.lead, weights=in_cycle, minlength=n).astype(np.int64)
    stakeholders = 1 + rng.poisson(0.3 + 0.5 * np.log10(np.nan_to_num(leads.employees, nan=1.0)))
    competitor = np.array(COMPETITORS, dtype=object)[rng.integers(len(COMPETITORS), size=n)]
    competitor[rng.random(n) < 0.45] = ""
    loss_reason = np.array(LOSS_REASONS, dtype=object)[rng.choice(len(LOSS_REASONS), n, p=LOSS_REASON_P)]
    loss_reason = np.where((competitor != "") & (rng.random(n) < 0.6), COMPETITOR_LOSS_REASON, loss_reason)
    employees = leads.employees
    plan = np.select([employees >= 1000, employees >= 200], ["Enterprise", "Growth"], "Starter")
    at = np.maximum(leads.account, 0)
    name = np.where(
        leads.personal, np.strings.add(np.strings.add(leads.first, " "), leads.last), accounts.name[at]
    )
    name = np.strings.add(np.strings.add(name, " - Lead Scoring "), plan).astype(object)
    d = np.flatnonzero(timing.worked)
    closed = timing.closed
    outcome = np.where(won, "won", np.where(closed, "lost", "open")).astype(object)
    deals = pd.DataFrame(
        {
            "external_id": ids("DEMO-D", leads.numbers[d], 8),
            "lead_external_id": leads.external_ids[d],
            "account_external_id": np.where(leads.account[d] >= 0, accounts.ids[at[d]], None),
            "name": name[d],
            "amount": leads.acv[d],
            "outcome": outcome[d],
            "created_on": to_time(timing.start[d]).date,
            "closed_on": np.where(closed[d], to_time(timing.close[d]).date, None),
            "loss_reason": np.where(outcome[d] == "lost", loss_reason[d], ""),
            "touches": np.where(closed[d], touches[d], np.nan),
            "stakeholders": stakeholders[d],
            "competitor": np.where(outcome[d] == "open", "", competitor[d]),
        }
    )
    deals["touches"] = deals["touches"].astype("Int64")
    return deals
