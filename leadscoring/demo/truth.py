"""The known conversion process: the true signals, their coefficients, and how to compute them.

The outcome of a closed deal is a logistic function of signals a CRM can see (firmographic fit,
seniority, BANT, source, decayed engagement, intent events, negative signals, one interaction)
plus unobserved noise. Only events strictly before the deal's close (``closed_on`` at 00:00 UTC)
enter it. ``true_process()`` describes that function for tests that check a trained model
against the truth. No randomness here: the draws live in the stage modules.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .catalog import (
    CRM_TECHNOLOGIES,
    DAY,
    DECISION_MAKERS,
    ENGAGEMENT_W,
    ENGAGEMENT_WEIGHTS,
    HALF_LIFE_DAYS,
    HIGH_FIT_INDUSTRIES,
    INBOUND_SOURCES,
    KINDS,
    LOW_FIT_INDUSTRIES,
    PERSONAL_DOMAINS,
    PURCHASED_SOURCES,
    STRONG_GROWTH_SIGNALS,
    STUDENT_DOMAINS,
    K,
)


@dataclass(frozen=True)
class Signal:
    """One term of the true logit: its dimension, direction and coefficient (log-odds per unit)."""

    name: str
    dimension: str
    coef: float
    definition: str

    @property
    def direction(self) -> int:
        return 1 if self.coef > 0 else -1

    @property
    def strength(self) -> str:
        size = abs(self.coef)
        return "strong" if size >= 1.0 else "moderate" if size >= 0.5 else "weak"


INTERCEPT = -3.75
NOISE_SD = 0.5
SIGNALS = (
    Signal("high_fit_industry", "firmographic", 0.8, f"account.industry in {list(HIGH_FIT_INDUSTRIES)}"),
    Signal("low_fit_industry", "firmographic", -0.6, f"account.industry in {list(LOW_FIT_INDUSTRIES)}"),
    Signal("company_200_plus", "firmographic", 0.5, "account.employee_count >= 200"),
    Signal("uses_crm", "firmographic", 0.4, f"account.technology_stack has one of {list(CRM_TECHNOLOGIES)}"),
    Signal(
        "growth_signal",
        "firmographic",
        0.3,
        f"account.growth_signals has one of {list(STRONG_GROWTH_SIGNALS)}",
    ),
    Signal("decision_maker", "firmographic", 0.6, f"lead.seniority in {list(DECISION_MAKERS)}"),
    Signal("authority_confirmed", "behavioral", 0.3, "lead.authority is true (unknown counts as false)"),
    Signal("timeline_90_days", "behavioral", 0.4, "lead.timeline_days <= 90 (unknown counts as false)"),
    Signal("referral_source", "behavioral", 0.6, "lead.source == 'Referral'"),
    Signal("inbound_demo_source", "behavioral", 0.4, "lead.source == 'Inbound Demo Request'"),
    Signal(
        "engagement",
        "engagement",
        0.6,
        "log1p(sum over events before the decision of ENGAGEMENT_WEIGHTS[kind] * 0.5 ** (age_days / 30))",
    ),
    Signal("pricing_page", "intent", 0.8, "a pricing_page event before the decision"),
    Signal("demo_request", "intent", 1.1, "a demo_request event before the decision"),
    Signal("trial_signup", "intent", 0.9, "a trial_signup event before the decision"),
    Signal("meeting_booked", "intent", 0.6, "a meeting_booked event before the decision"),
    Signal("personal_email", "negative", -0.8, f"lead has no account; e-mail at {list(PERSONAL_DOMAINS)}"),
    Signal("student", "negative", -1.5, "lead.seniority == 'student' or e-mail at a .edu / .ac.uk domain"),
    Signal("unsubscribed", "negative", -0.9, "an unsubscribe or spam_complaint event before the decision"),
    Signal("bounced", "negative", -1.2, "a bounce event before the decision"),
    Signal("purchased_list", "negative", -0.7, "lead.source == 'Purchased List'"),
    Signal(
        "enterprise_x_inbound",
        "interaction",
        0.9,
        f"account.employee_count >= 1000 and lead.source in {list(INBOUND_SOURCES)}",
    ),
)
SIGNAL_NAMES = tuple(s.name for s in SIGNALS)
_COEF = np.array([s.coef for s in SIGNALS])


def true_process() -> dict:
    """The known conversion process as JSON-serialisable data.

    Keys: ``outcome`` (what is predicted and when it is decided), ``intercept``, ``noise_sd`` (sd of the
    unobserved normal term added to the logit), ``decay`` and ``engagement_weights`` (how the
    ``engagement`` signal is built), ``signals`` (name, dimension, direction +1/-1, coef in log-odds,
    strength weak/moderate/strong, definition), ``interactions`` (the signals that are products of two
    others), ``null_signals`` (fields drawn with no effect on the outcome) and ``leakage`` (fields and
    events that are known only after the outcome and must not be used to predict it).
    """
    return {
        "version": 1,
        "outcome": {
            "label": "deal outcome == 'won' (lead.status == 'converted')",
            "population": "leads with a closed deal (won or lost)",
            "decided_at": "deal.closed_on at 00:00 UTC; only events strictly before it count",
            "base_rate_range": [0.15, 0.30],
        },
        "intercept": INTERCEPT,
        "noise_sd": NOISE_SD,
        "decay": {"kind": "half_life", "half_life_days": HALF_LIFE_DAYS},
        "engagement_weights": dict(ENGAGEMENT_WEIGHTS),
        "signals": [
            {
                "name": s.name,
                "dimension": s.dimension,
                "direction": s.direction,
                "coef": s.coef,
                "strength": s.strength,
                "definition": s.definition,
            }
            for s in SIGNALS
        ],
        "interactions": [
            {"name": "enterprise_x_inbound", "of": ["employee_count >= 1000", "source in INBOUND_SOURCES"]}
        ],
        "null_signals": [
            "lead.department",
            "lead.country",
            "account.region",
            "lead.need",
            "lead.budget",
            "lead.phone",
            "lead.attributes.utm_campaign",
            "lead.attributes.preferred_contact",
        ],
        "leakage": [
            {
                "field": "events on or after deal.closed_on",
                "why": "won customers onboard (/app, /docs views)",
            },
            {"field": "lead.status, lead.converted_at, lead.revenue", "why": "written when the deal closes"},
            {"field": "deal.loss_reason, deal.touches, deal.closed_on", "why": "known only at close"},
            {"field": "lead.unsubscribed, lead.do_not_email", "why": "current flags; may postdate the close"},
        ],
    }


def signal_matrix(
    *,
    industry: np.ndarray,
    employees: np.ndarray,
    uses_crm: np.ndarray,
    growth: np.ndarray,
    seniority: np.ndarray,
    authority: np.ndarray,
    timeline_days: np.ndarray,
    source: np.ndarray,
    personal_email: np.ndarray,
    student_email: np.ndarray,
    event_lead: np.ndarray,
    event_kind: np.ndarray,
    event_at: np.ndarray,
    as_of: np.ndarray,
) -> np.ndarray:
    """The true signals for n leads, shape (n, len(SIGNALS)), columns in ``SIGNAL_NAMES`` order.

    Lead arrays have shape (n,): industry / seniority / source as strings, employees as float (nan when
    the lead has no account), authority as float 1/0/nan, timeline_days as float (nan unknown).
    Events: ``event_lead`` the lead's position 0..n-1, ``event_kind`` the position in ``KINDS``, ``event_at`` and ``as_of``
    (per lead) in seconds since the epoch. Only events with ``event_at < as_of[lead]`` count.
    """
    n = len(industry)
    before = event_at < as_of[event_lead]
    lead_pos = event_lead[before]
    kind_code = event_kind[before]
    age_days = (as_of[lead_pos] - event_at[before]) / DAY
    weight = ENGAGEMENT_W[kind_code] * 0.5 ** (age_days / HALF_LIFE_DAYS)
    engagement = np.log1p(np.bincount(lead_pos, weights=weight, minlength=n))

    def seen(*kinds: str) -> np.ndarray:
        mask = np.isin(kind_code, [K[k] for k in kinds])
        return np.bincount(lead_pos[mask], minlength=n) > 0

    enterprise = np.nan_to_num(employees, nan=0.0) >= 1000
    inbound = np.isin(source, INBOUND_SOURCES)
    columns = {
        "high_fit_industry": np.isin(industry, HIGH_FIT_INDUSTRIES),
        "low_fit_industry": np.isin(industry, LOW_FIT_INDUSTRIES),
        "company_200_plus": np.nan_to_num(employees, nan=0.0) >= 200,
        "uses_crm": uses_crm,
        "growth_signal": growth,
        "decision_maker": np.isin(seniority, DECISION_MAKERS),
        "authority_confirmed": np.nan_to_num(authority, nan=0.0) > 0,
        "timeline_90_days": np.nan_to_num(timeline_days, nan=np.inf) <= 90,
        "referral_source": source == "Referral",
        "inbound_demo_source": source == "Inbound Demo Request",
        "engagement": engagement,
        "pricing_page": seen("pricing_page"),
        "demo_request": seen("demo_request"),
        "trial_signup": seen("trial_signup"),
        "meeting_booked": seen("meeting_booked"),
        "personal_email": personal_email,
        "student": (seniority == "student") | student_email,
        "unsubscribed": seen("unsubscribe", "spam_complaint"),
        "bounced": seen("bounce"),
        "purchased_list": np.isin(source, PURCHASED_SOURCES),
        "enterprise_x_inbound": enterprise & inbound,
    }
    return np.column_stack([columns[name].astype(float) for name in SIGNAL_NAMES])


def true_logit(signals: np.ndarray) -> np.ndarray:
    """The true log-odds of a win before noise: ``INTERCEPT + signals @ coef``, shape (n,)."""
    return INTERCEPT + signals @ _COEF


def signals_from_frames(
    *, leads: pd.DataFrame, accounts: pd.DataFrame, events: pd.DataFrame, as_of: pd.Series
) -> pd.DataFrame:
    """The true signals for the leads of demo frames, as of ``as_of`` (one timestamp per lead row).

    Lets a test recompute the truth from what the loader wrote; returns one row per lead, indexed like
    ``leads``, with the ``SIGNAL_NAMES`` columns.
    """
    acc = accounts.set_index("external_id")
    acc_of = leads["account_external_id"]
    has_acc = acc_of.notna().to_numpy()
    joined = acc.reindex(acc_of.fillna(""))
    stacks = joined["technology_stack"].to_numpy()
    growths = joined["growth_signals"].to_numpy()
    domain = leads["email"].str.split("@").str[-1].to_numpy()
    position = pd.Series(np.arange(len(leads)), index=leads["external_id"].to_numpy())
    values = signal_matrix(
        industry=joined["industry"].fillna("").to_numpy(dtype=object),
        employees=joined["employee_count"].to_numpy(dtype=float),
        uses_crm=np.array([isinstance(s, list) and any(t in s for t in CRM_TECHNOLOGIES) for s in stacks]),
        growth=np.array(
            [isinstance(g, list) and any(t in g for t in STRONG_GROWTH_SIGNALS) for g in growths]
        ),
        seniority=leads["seniority"].to_numpy(dtype=object),
        authority=leads["authority"].astype(float).to_numpy(),
        timeline_days=leads["timeline_days"].astype(float).to_numpy(),
        source=leads["source"].to_numpy(dtype=object),
        personal_email=~has_acc & np.isin(domain, PERSONAL_DOMAINS),
        student_email=np.isin(domain, STUDENT_DOMAINS),
        event_lead=position.loc[events["lead_external_id"].to_numpy()].to_numpy(),
        event_kind=pd.Categorical(events["kind"], categories=KINDS).codes.astype(np.int64),
        event_at=events["occurred_at"].astype("int64").to_numpy() // 10**9,
        as_of=pd.to_datetime(as_of, utc=True).astype("int64").to_numpy() // 10**9,
    )
    return pd.DataFrame(values, columns=list(SIGNAL_NAMES), index=leads.index)
