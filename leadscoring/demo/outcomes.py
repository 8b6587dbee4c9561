"""Stage 5 of a demo block: each closed deal's outcome, drawn from the true process on what the CRM saw
strictly before the close, and the per-lead truth frame tests check a trained model against."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .activity import Events
from .arrays import sigmoid, to_time
from .catalog import PERSONAL_DOMAINS, STUDENT_DOMAINS
from .deals import DealTiming
from .leads import Profiles
from .truth import NOISE_SD, SIGNAL_NAMES, signal_matrix, true_logit


@dataclass(frozen=True)
class Outcome:
    """Per lead, shape (n,): the decision time, the true signals (n, len(SIGNALS)) and logit, the true
    probability of a win, and the drawn outcome (True only for closed deals that were won)."""

    as_of: np.ndarray
    signals: np.ndarray
    logit: np.ndarray
    p_win: np.ndarray
    won: np.ndarray


def outcome_draw(
    *, rng: np.random.Generator, leads: Profiles, timing: DealTiming, events: Events, now: int
) -> Outcome:
    """Closed deals are decided at their close, open ones are read as of `now`; the win adds unobserved
    normal noise (sd NOISE_SD) to the true logit."""
    as_of = np.where(timing.closed, timing.close, now)
    signals = signal_matrix(
        industry=leads.industry,
        employees=leads.employees,
        uses_crm=leads.uses_crm,
        growth=leads.strong_growth,
        seniority=leads.seniority,
        authority=leads.authority,
        timeline_days=leads.timeline,
        source=leads.source,
        personal_email=leads.personal & np.isin(leads.domain, PERSONAL_DOMAINS),
        student_email=np.isin(leads.domain, STUDENT_DOMAINS),
        event_lead=events.lead,
        event_kind=events.kind,
        event_at=events.at,
        as_of=as_of,
    )
    logit = true_logit(signals)
    n = len(logit)
    won = timing.closed & (rng.random(n) < sigmoid(logit + rng.normal(0, NOISE_SD, n)))
    return Outcome(as_of=as_of, signals=signals, logit=logit, p_win=sigmoid(logit), won=won)


def truth_frame(*, outcome: Outcome, lead_ids: np.ndarray, closed: np.ndarray) -> pd.DataFrame:
    """One row per lead: its external id, every true signal, the decision time, logit, p_win, closed, won."""
    truth = pd.DataFrame(outcome.signals, columns=list(SIGNAL_NAMES))
    truth.insert(0, "lead_external_id", lead_ids)
    truth["as_of"] = to_time(outcome.as_of)
    truth["logit"] = outcome.logit
    truth["p_win"] = outcome.p_win
    truth["closed"] = closed
    truth["won"] = outcome.won
    return truth
