"""A known B2B SaaS conversion process, drawn as plain DataFrames (numpy + pandas, no Django).

Every figure comes from ``numpy.random.Generator`` streams keyed by ``(seed, block)``, so a seed
gives the same frames on every machine, whatever the caller does with them. Leads are drawn in
fixed blocks of ``BLOCK_LEADS`` so that a million leads never sit in memory at once.

The outcome of a closed deal is a logistic function of signals a CRM can see (firmographic fit,
seniority, BANT, source, decayed engagement, intent events, negative signals, one interaction)
plus unobserved noise. Only events strictly before the deal's close (``closed_on`` at 00:00 UTC)
enter it. ``true_process()`` describes that function for tests that check a trained model
against the truth; each block's ``truth`` frame holds every lead's signal values and true
probability at its decision time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd

# A fixed "now": the demo is the same whenever it is drawn.
DEMO_NOW = datetime(2026, 11, 1, tzinfo=UTC)
DEMO_SOURCE = "demo"
DEFAULT_LEADS = 1_000
# Fixed, not a parameter: block boundaries are part of the seed's meaning.
BLOCK_LEADS = 5_000
HISTORY_DAYS = 365
DAY = 86_400

_STREAM_REPS = 0x5E95


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_STREAM_BLOCK = 0xDE30

INDUSTRIES = (
    "Software",
    "Financial Services",
    "Healthcare",
    "Manufacturing",
    "Retail",
    "Professional Services",
    "Media",
    "Logistics",
    "Education",
    "Nonprofit",
    "Government",
)
INDUSTRY_P = (0.17, 0.11, 0.10, 0.12, 0.09, 0.11, 0.06, 0.07, 0.07, 0.05, 0.05)
HIGH_FIT_INDUSTRIES = ("Software", "Financial Services")
LOW_FIT_INDUSTRIES = ("Education", "Nonprofit", "Government")

TERRITORIES = ("North America", "EMEA", "APAC", "LATAM")
TERRITORY_P = (0.45, 0.30, 0.17, 0.08)
COUNTRIES = (
    ("United States", "Canada"),
    ("United Kingdom", "Germany", "France", "Netherlands", "Sweden"),
    ("Australia", "Singapore", "India", "Japan"),
    ("Brazil", "Mexico", "Argentina"),
)
COUNTRY_P = ((0.85, 0.15), (0.35, 0.25, 0.18, 0.12, 0.10), (0.35, 0.20, 0.30, 0.15), (0.55, 0.30, 0.15))
# Reps are spread so that the big territory has the most people.
REP_TERRITORY_CYCLE = ("North America", "EMEA", "North America", "APAC", "LATAM")

TECHNOLOGIES = (
    "Salesforce",
    "HubSpot",
    "Marketo",
    "Snowflake",
    "AWS",
    "Azure",
    "Segment",
    "Slack",
    "Zendesk",
)
TECHNOLOGY_P = (0.30, 0.22, 0.10, 0.12, 0.45, 0.25, 0.10, 0.50, 0.18)
CRM_TECHNOLOGIES = ("Salesforce", "HubSpot")
GROWTH_SIGNALS = ("hiring", "new_funding_round", "expansion", "new_executive", "product_launch")
GROWTH_P = (0.30, 0.10, 0.12, 0.08, 0.10)
STRONG_GROWTH_SIGNALS = ("hiring", "new_funding_round")

SENIORITIES = ("c_level", "vp", "director", "manager", "individual", "student", "other")
SENIORITY_P_BUSINESS = (0.05, 0.09, 0.16, 0.27, 0.37, 0.01, 0.05)
SENIORITY_P_PERSONAL = (0.02, 0.03, 0.06, 0.15, 0.30, 0.34, 0.10)
DECISION_MAKERS = ("c_level", "vp", "director")
AUTHORITY_P = (0.95, 0.85, 0.60, 0.25, 0.05, 0.0, 0.10)
DEPARTMENTS = ("Marketing", "Sales", "Operations", "IT", "Finance", "Engineering", "Product", "HR")
DEPARTMENT_P = (0.26, 0.24, 0.14, 0.10, 0.07, 0.09, 0.06, 0.04)
_C_TITLES = ("CMO", "CRO", "COO", "CIO", "CFO", "CTO", "CPO", "CHRO")
_IC_TITLES = (
    "Marketing Specialist",
    "Account Executive",
    "Operations Analyst",
    "Systems Administrator",
    "Financial Analyst",
    "Software Engineer",
    "Product Analyst",
    "HR Generalist",
)
TITLES = np.array(
    [
        list(_C_TITLES),
        [f"VP of {d}" for d in DEPARTMENTS],
        [f"Director of {d}" for d in DEPARTMENTS],
        [f"{d} Manager" for d in DEPARTMENTS],
        list(_IC_TITLES),
        ["Student"] * len(DEPARTMENTS),
        ["Consultant"] * len(DEPARTMENTS),
    ]
)

SOURCES = (
    "Inbound Demo Request",
    "Organic Search",
    "Paid Search",
    "Paid Social",
    "Webinar",
    "Referral",
    "Event",
    "Content Syndication",
    "Purchased List",
    "Outbound",
)
SOURCE_P_BUSINESS = (0.08, 0.20, 0.14, 0.07, 0.10, 0.07, 0.08, 0.07, 0.11, 0.08)
SOURCE_P_PERSONAL = (0.02, 0.33, 0.18, 0.14, 0.14, 0.02, 0.04, 0.03, 0.10, 0.00)
INBOUND_SOURCES = ("Inbound Demo Request", "Referral")
PURCHASED_SOURCES = ("Purchased List",)
# Leads from bought lists barely engage; inbound leads engage a lot.
_SOURCE_ENGAGEMENT = (0.6, 0.2, 0.0, -0.1, 0.3, 0.5, 0.2, -0.2, -0.9, -0.4)

PERSONAL_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com")
STUDENT_DOMAINS = ("student.stateu.edu", "mail.techuniv.edu", "alumni.cityuni.ac.uk")
NEEDS = (
    "Pipeline visibility",
    "Lead routing",
    "Forecast accuracy",
    "Marketing attribution",
    "Replace spreadsheets",
    "Consolidate tools",
)
TIMELINES = (30, 60, 90, 180, 365)
CAMPAIGNS = ("2026-q1-nurture", "2026-q2-launch", "2026-q3-webinar-series", "2026-q4-roi", "always-on")
FIRST_NAMES = _words(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan "
    "Joseph Jessica Thomas Sarah Carlos Priya Wei Aiko Lukas Sofia Mateo Amara Noah Chloe Arjun Ingrid Omar "
    "Fatima Hugo Elena Kenji Zara Liam Ava Diego Hannah"
)
LAST_NAMES = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Wilson "
    "Anderson Thomas Taylor Moore Jackson Martin Lee Patel Nguyen Kim Schmidt Muller Rossi Silva Tanaka "
    "Kowalski Novak Dubois Larsen Okafor Haddad Singh Chen Cohen Murphy Walsh Berg"
)
COMPANY_WORDS = _words(
    "Northwind Contoso Fabrikam Globex Initech Umbrella Stark Wayne Acme Hooli Vandelay Soylent Tyrell "
    "Cyberdyne Wonka Gringotts Monarch Oscorp Aperture Massive Blue Harbor Summit Pioneer Vertex Nimbus "
    "Quantum Evergreen Ironwood Silverline"
)
COMPANY_SUFFIXES = (
    "Analytics",
    "Labs",
    "Systems",
    "Group",
    "Holdings",
    "Health",
    "Logistics",
    "Retail",
    "Bank",
)

COMPETITORS = (
    "Salesforce Einstein",
    "HubSpot Sales Hub",
    "MadKudu",
    "6sense",
    "Demandbase",
    "In-house model",
)
LOSS_REASONS = ("No budget", "No decision", "Timing", "Missing features", "Price", "Not a fit", "Went dark")
LOSS_REASON_P = (0.20, 0.22, 0.15, 0.12, 0.12, 0.10, 0.09)
COMPETITOR_LOSS_REASON = "Chose competitor"

# Event kinds, their share of a lead's "burst" of activity, and how strongly latent interest tilts them.
KINDS = (
    "email_open",
    "email_click",
    "email_reply",
    "page_view",
    "pricing_page",
    "content_download",
    "form_submission",
    "webinar",
    "demo_request",
    "trial_signup",
    "meeting_booked",
    "chat",
    "unsubscribe",
    "bounce",
    "spam_complaint",
)
K = {kind: i for i, kind in enumerate(KINDS)}
_BURST_WEIGHT = np.array([30, 9, 2, 30, 3, 6, 3, 3, 0.8, 0.8, 1.0, 2, 0, 0, 0], dtype=float)
_BURST_TILT = np.array([0, 0.2, 0.4, 0.1, 0.9, 0.4, 0.5, 0.4, 1.0, 1.0, 0.9, 0.4, 0, 0, 0])
EMAIL_KINDS = ("email_open", "email_click", "email_reply")
INTENT_KINDS = ("pricing_page", "demo_request", "trial_signup", "meeting_booked")

# What each kind of event adds to engagement before decay (intent and negative kinds are separate signals).
ENGAGEMENT_WEIGHTS = {
    "email_open": 0.2,
    "email_click": 0.6,
    "email_reply": 1.5,
    "page_view": 0.3,
    "content_download": 1.0,
    "form_submission": 1.0,
    "webinar": 1.5,
    "chat": 1.0,
}
HALF_LIFE_DAYS = 30.0
_ENGAGEMENT_W = np.array([ENGAGEMENT_WEIGHTS.get(kind, 0.0) for kind in KINDS])


def _variants(kind: str) -> list[tuple[str, dict]]:
    """URL and properties an event of `kind` may carry (a small fixed vocabulary)."""
    if kind in EMAIL_KINDS:
        return [("", {"campaign": c}) for c in CAMPAIGNS]
    if kind == "page_view":
        pages = (
            "/",
            "/product",
            "/product/scoring",
            "/product/routing",
            "/integrations/salesforce",
            "/integrations/hubspot",
            "/customers",
            "/blog/what-is-lead-scoring",
            "/blog/predictive-vs-rules",
            "/resources/roi-calculator",
            "/about",
            "/careers",
        )
        return [(p, {}) for p in pages]
    if kind == "pricing_page":
        return [("/pricing", {}), ("/pricing#enterprise", {}), ("/pricing#compare", {})]
    if kind == "content_download":
        assets = ("lead-scoring-playbook", "state-of-revops-2026", "roi-workbook", "buyers-guide")
        return [(f"/resources/{a}", {"asset": a}) for a in assets]
    if kind == "form_submission":
        return [("/contact", {"form": "contact"}), ("/newsletter", {"form": "newsletter"})]
    if kind == "webinar":
        names = ("scoring-101", "revops-roundtable", "customer-story-globex")
        return [(f"/webinars/{n}", {"webinar": n}) for n in names]
    if kind == "demo_request":
        return [("/demo", {"form": "demo"})]
    if kind == "trial_signup":
        return [("/signup", {"plan": "trial"})]
    if kind == "meeting_booked":
        return [("", {"meeting": "discovery"}), ("", {"meeting": "demo"})]
    if kind == "chat":
        return [("/pricing", {"topic": "pricing"}), ("/product", {"topic": "product"})]
    return [("", {})]


_VARIANTS = [_variants(kind) for kind in KINDS]
_N_VARIANTS = np.array([len(v) for v in _VARIANTS])
_URLS = np.array(
    [[v[min(i, len(v) - 1)][0] for i in range(_N_VARIANTS.max())] for v in _VARIANTS], dtype=object
)
_PROPS = np.array(
    [
        [json.dumps(v[min(i, len(v) - 1)][1], sort_keys=True) for i in range(_N_VARIANTS.max())]
        for v in _VARIANTS
    ],
    dtype=object,
)
_ONBOARDING_URLS = np.array(
    ["/app/onboarding", "/docs/getting-started", "/docs/api", "/app/settings/integrations"]
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


@dataclass(frozen=True)
class DemoBlock:
    """One block of the demo: every frame refers to others by external id (or rep username)."""

    accounts: pd.DataFrame
    leads: pd.DataFrame
    events: pd.DataFrame
    deals: pd.DataFrame
    truth: pd.DataFrame


@dataclass(frozen=True)
class DemoData:
    """A whole demo in memory (small sizes only; use ``demo_blocks`` to stream big ones)."""

    reps: pd.DataFrame
    accounts: pd.DataFrame
    leads: pd.DataFrame
    events: pd.DataFrame
    deals: pd.DataFrame
    truth: pd.DataFrame


def rep_count(leads: int) -> int:
    """Reps sized to the book: 5 for the default demo, one per ~2,000 leads beyond that, at most 500."""
    return int(min(500, max(5, leads // 2_000)))


def demo_reps(*, leads: int = DEFAULT_LEADS, seed: int = 0) -> pd.DataFrame:
    """The sales team: username (rep1..repN), names, e-mail, territory, industries, weekly capacity."""
    rng = np.random.default_rng([seed, _STREAM_REPS])
    n = rep_count(leads)
    rows = []
    for i in range(n):
        industries = rng.choice(len(INDUSTRIES), size=int(rng.integers(2, 4)), replace=False)
        rows.append(
            {
                "username": f"rep{i + 1}",
                "first_name": FIRST_NAMES[int(rng.integers(len(FIRST_NAMES)))],
                "last_name": LAST_NAMES[int(rng.integers(len(LAST_NAMES)))],
                "email": f"rep{i + 1}@demo.example",
                "territory": REP_TERRITORY_CYCLE[i % len(REP_TERRITORY_CYCLE)],
                "industries": [INDUSTRIES[j] for j in sorted(industries)],
                "capacity": int(rng.integers(6, 17)) * 5,
            }
        )
    return pd.DataFrame(rows)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _pick(rng: np.random.Generator, p_rows: np.ndarray) -> np.ndarray:
    """One category per row from per-row probabilities, shape (n, k)."""
    cum = np.cumsum(p_rows, axis=1)
    u = rng.random(len(p_rows)) * cum[:, -1]
    return np.minimum((u[:, None] > cum).sum(axis=1), p_rows.shape[1] - 1)


def _to_time(seconds: np.ndarray) -> pd.DatetimeIndex:
    return pd.to_datetime(seconds, unit="s", utc=True)


def _ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    return np.strings.add(prefix, np.strings.zfill(numbers.astype(np.int64).astype(str), width)).astype(
        object
    )


def _join_flags(flags: np.ndarray, vocabulary: tuple[str, ...]) -> list[list[str]]:
    """Boolean matrix (n, len(vocabulary)) to lists of names, via the few distinct rows."""
    codes = flags.astype(np.int64) @ (1 << np.arange(flags.shape[1]))
    distinct, inverse = np.unique(codes, return_inverse=True)
    names = [[vocabulary[j] for j in range(len(vocabulary)) if code >> j & 1] for code in distinct]
    return [names[i] for i in inverse]


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
    weight = _ENGAGEMENT_W[kind_code] * 0.5 ** (age_days / HALF_LIFE_DAYS)
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


def _block(*, block: int, n: int, seed: int, now: int, reps: pd.DataFrame) -> DemoBlock:
    rng = np.random.default_rng([seed, _STREAM_BLOCK, block])
    first_lead = block * BLOCK_LEADS

    # Accounts: a skewed number of leads each (a few big buying committees, many single contacts).
    n_acc = max(1, int(round(n * 0.3)))
    acc_numbers = block * 10_000 + np.arange(n_acc)
    industry = np.array(INDUSTRIES, dtype=object)[rng.choice(len(INDUSTRIES), n_acc, p=INDUSTRY_P)]
    employees = np.clip(np.round(rng.lognormal(np.log(150), 1.5, n_acc)), 2, 300_000)
    size = np.log10(employees) + rng.normal(0, 0.3, n_acc)
    stage = np.select(
        [size < 1.7, size < 2.6, size < 3.3, (employees > 5000) & (rng.random(n_acc) < 0.4)],
        ["startup", "growth", "mature", "public"],
        "enterprise",
    ).astype(object)
    revenue = np.round(employees * rng.lognormal(np.log(180_000), 0.5, n_acc), -3)
    funded_p = np.select([stage == "startup", stage == "growth", stage == "mature"], [0.8, 0.7, 0.3], 0.05)
    funding = np.where(
        rng.random(n_acc) < funded_p,
        np.round(rng.lognormal(np.log(5e6), 0.8, n_acc) * (employees / 50) ** 0.7, -4),
        np.nan,
    )
    territory = rng.choice(len(TERRITORIES), n_acc, p=TERRITORY_P)
    country = np.empty(n_acc, dtype=object)
    for t, names in enumerate(COUNTRIES):
        mask = territory == t
        country[mask] = np.array(names, dtype=object)[rng.choice(len(names), mask.sum(), p=COUNTRY_P[t])]
    region = np.array(TERRITORIES, dtype=object)[territory]
    bigger = np.clip(np.log10(employees) / 3, 0.3, 1.5)[:, None]
    tech = rng.random((n_acc, len(TECHNOLOGIES))) < np.clip(np.array(TECHNOLOGY_P) * bigger, 0, 0.95)
    growth = rng.random((n_acc, len(GROWTH_SIGNALS))) < np.array(GROWTH_P)
    word = rng.integers(len(COMPANY_WORDS), size=n_acc)
    suffix = rng.integers(len(COMPANY_SUFFIXES), size=n_acc)
    acc_name = np.strings.add(
        np.strings.add(np.array(COMPANY_WORDS)[word], " "), np.array(COMPANY_SUFFIXES)[suffix]
    )
    domain = np.strings.add(
        np.strings.add(np.strings.lower(np.array(COMPANY_WORDS)[word]), "-"),
        np.strings.add(acc_numbers.astype(str), ".example"),
    ).astype(object)
    acc_ids = _ids("DEMO-A", acc_numbers, 8)
    acc_created = now - HISTORY_DAYS * DAY - rng.integers(0, 3 * HISTORY_DAYS * DAY, n_acc)
    accounts = pd.DataFrame(
        {
            "external_id": acc_ids,
            "name": acc_name.astype(object),
            "domain": domain,
            "industry": industry,
            "employee_count": employees.astype(np.int64),
            "annual_revenue": revenue,
            "country": country,
            "region": region,
            "technology_stack": _join_flags(tech, TECHNOLOGIES),
            "stage": stage,
            "funding_total": funding,
            "growth_signals": _join_flags(growth, GROWTH_SIGNALS),
            "created_at": _to_time(acc_created),
        }
    )

    # Leads.
    lead_numbers = first_lead + np.arange(n)
    personal = rng.random(n) < 0.12
    acc_weight = rng.lognormal(0, 1, n_acc)
    acc_of = rng.choice(n_acc, n, p=acc_weight / acc_weight.sum())
    acc_of = np.where(personal, -1, acc_of)
    sen = np.where(
        personal,
        rng.choice(len(SENIORITIES), n, p=SENIORITY_P_PERSONAL),
        rng.choice(len(SENIORITIES), n, p=SENIORITY_P_BUSINESS),
    )
    seniority = np.array(SENIORITIES, dtype=object)[sen]
    dept = rng.choice(len(DEPARTMENTS), n, p=DEPARTMENT_P)
    title = TITLES[sen, dept].astype(object)
    title[rng.random(n) < 0.05] = ""
    src = np.where(
        personal,
        rng.choice(len(SOURCES), n, p=SOURCE_P_PERSONAL),
        rng.choice(len(SOURCES), n, p=SOURCE_P_BUSINESS),
    )
    source = np.array(SOURCES, dtype=object)[src]
    first = np.array(FIRST_NAMES)[rng.integers(len(FIRST_NAMES), size=n)]
    last = np.array(LAST_NAMES)[rng.integers(len(LAST_NAMES), size=n)]
    student = seniority == "student"
    free_domain = np.where(
        student,
        np.array(STUDENT_DOMAINS)[rng.integers(len(STUDENT_DOMAINS), size=n)],
        np.array(PERSONAL_DOMAINS)[rng.integers(len(PERSONAL_DOMAINS), size=n)],
    )
    lead_domain = np.where(personal, free_domain, domain[np.maximum(acc_of, 0)].astype(str))
    local = np.strings.add(np.strings.add(first, "."), last)
    local = np.where(personal, np.strings.add(local, (lead_numbers % 997).astype(str)), local)
    email = np.strings.lower(np.strings.add(np.strings.add(local, "@"), lead_domain)).astype(object)
    lead_employees = np.where(personal, np.nan, employees[np.maximum(acc_of, 0)])
    lead_industry = np.where(personal, "", industry[np.maximum(acc_of, 0)]).astype(object)
    lead_territory = np.where(
        personal, rng.choice(len(TERRITORIES), n, p=TERRITORY_P), territory[np.maximum(acc_of, 0)]
    )
    lead_country = np.where(
        personal | (rng.random(n) < 0.05),
        np.array([COUNTRIES[t][0] for t in range(len(TERRITORIES))], dtype=object)[lead_territory],
        country[np.maximum(acc_of, 0)],
    )
    phone = np.strings.add(
        np.strings.add("+1 555 ", rng.integers(100, 1000, n).astype(str)),
        np.strings.add(" ", rng.integers(1000, 10_000, n).astype(str)),
    ).astype(object)
    phone[rng.random(n) < 0.3] = ""
    created = now - rng.integers(DAY, HISTORY_DAYS * DAY, n)
    acv = np.where(personal, 2_400.0, 6_000.0 * (np.nan_to_num(lead_employees, nan=10) / 50) ** 0.45)
    acv = np.round(acv * rng.lognormal(0, 0.4, n), -2)
    budget = np.where(rng.random(n) < 0.45, np.round(acv * rng.lognormal(0, 0.5, n), -2), np.nan)
    authority = np.where(
        rng.random(n) < 0.55, (rng.random(n) < np.array(AUTHORITY_P)[sen]).astype(float), np.nan
    )
    need = np.array(NEEDS, dtype=object)[rng.integers(len(NEEDS), size=n)]
    need[rng.random(n) < 0.5] = ""
    timeline = np.where(
        rng.random(n) < 0.4, np.array(TIMELINES)[rng.integers(len(TIMELINES), size=n)], np.nan
    )
    tech_of = np.where(personal[:, None], False, tech[np.maximum(acc_of, 0)])
    uses_crm = tech_of[:, [TECHNOLOGIES.index(t) for t in CRM_TECHNOLOGIES]].any(axis=1)
    growth_of = np.where(personal[:, None], False, growth[np.maximum(acc_of, 0)])
    strong_growth = growth_of[:, [GROWTH_SIGNALS.index(g) for g in STRONG_GROWTH_SIGNALS]].any(axis=1)

    # Latent interest drives how much a lead engages and how often it shows intent.
    interest = (
        rng.normal(0, 1, n) + np.array(_SOURCE_ENGAGEMENT)[src] + 0.2 * np.isin(seniority, DECISION_MAKERS)
    )

    # The deal: worked leads get one after a short lag; engaged, reachable leads are worked more.
    purchased = np.isin(source, PURCHASED_SOURCES)
    worked = rng.random(n) < _sigmoid(0.4 + 0.8 * interest - 0.8 * student)
    deal_start = created + ((1.5 + rng.exponential(10, n)) * DAY).astype(np.int64)
    deal_start = deal_start // DAY * DAY
    cycle_days = np.maximum(
        3, np.round(rng.lognormal(np.log(30), 0.5, n) * np.where(lead_employees >= 1000, 1.6, 1.0))
    )
    close = deal_start + cycle_days.astype(np.int64) * DAY
    worked &= deal_start < now
    closed = worked & (close <= now)

    # Events: a burst of activity after the lead appears, background nurture e-mail, negative events.
    span = rng.uniform(30, 150, n)
    rate = np.exp(np.log(4.0) + 0.6 * interest)
    n_burst = rng.poisson(rate * span / 30)
    lead_b = np.repeat(np.arange(n), n_burst)
    at_b = created[lead_b] + (rng.exponential(span[lead_b]) * DAY).astype(np.int64)
    tilt = np.exp(np.outer(interest, _BURST_TILT)) * _BURST_WEIGHT
    kind_b = _pick(rng, tilt[lead_b])

    months = (now - created) / (30 * DAY)
    n_nurture = rng.poisson(0.8 * months)
    lead_n = np.repeat(np.arange(n), n_nurture)
    at_n = created[lead_n] + (rng.random(len(lead_n)) * (now - created[lead_n])).astype(np.int64)
    kind_n = np.where(rng.random(len(lead_n)) < 0.8, K["email_open"], K["email_click"])

    # Reps' touches during the sales cycle.
    cycle_end = np.minimum(close, now)
    n_touch = np.where(worked, rng.poisson(1.5 + cycle_days / 12), 0)
    lead_t = np.repeat(np.arange(n), n_touch)
    at_t = deal_start[lead_t] + (rng.random(len(lead_t)) * (cycle_end - deal_start)[lead_t]).astype(np.int64)
    kind_t = np.array([K["email_open"], K["email_reply"], K["email_click"]])[
        rng.choice(3, len(lead_t), p=(0.5, 0.35, 0.15))
    ]

    bounce_p = np.where(purchased, 0.20, np.where(personal, 0.08, 0.03))
    bounced = rng.random(n) < bounce_p
    bounce_at = created + (rng.random(n) * np.minimum(60 * DAY, now - created)).astype(np.int64)
    unsub = rng.random(n) < _sigmoid(-2.6 - 0.8 * interest + 1.0 * purchased)
    spam = unsub & (rng.random(n) < np.where(purchased, 0.25, 0.05))
    unsub_at = created + (rng.random(n) * (now - created)).astype(np.int64)
    neg_lead = np.concatenate([np.flatnonzero(bounced), np.flatnonzero(unsub)])
    neg_at = np.concatenate([bounce_at[bounced], unsub_at[unsub]])
    neg_kind = np.concatenate(
        [np.full(bounced.sum(), K["bounce"]), np.where(spam[unsub], K["spam_complaint"], K["unsubscribe"])]
    )

    ev_lead = np.concatenate([lead_b, lead_n, lead_t, neg_lead])
    ev_at = np.concatenate([at_b, at_n, at_t, neg_at])
    ev_kind = np.concatenate([kind_b, kind_n, kind_t, neg_kind])
    # No marketing e-mail reaches a lead after it bounced or unsubscribed; nothing happens after "now".
    email_stop = np.where(bounced, bounce_at, np.iinfo(np.int64).max)
    email_stop = np.minimum(email_stop, np.where(unsub, unsub_at, np.iinfo(np.int64).max))
    is_email = np.isin(ev_kind, [K[k] for k in EMAIL_KINDS])
    keep = (ev_at < now) & ~(is_email & (ev_at > email_stop[ev_lead]))
    ev_lead, ev_at, ev_kind = ev_lead[keep], ev_at[keep], ev_kind[keep]
    kind_names = np.array(KINDS, dtype=object)

    # The outcome, from what was visible strictly before the close.
    as_of = np.where(closed, close, now)
    signals = signal_matrix(
        industry=lead_industry,
        employees=lead_employees,
        uses_crm=uses_crm,
        growth=strong_growth,
        seniority=seniority,
        authority=authority,
        timeline_days=timeline,
        source=source,
        personal_email=personal & np.isin(lead_domain, PERSONAL_DOMAINS),
        student_email=np.isin(lead_domain, STUDENT_DOMAINS),
        event_lead=ev_lead,
        event_kind=ev_kind,
        event_at=ev_at,
        as_of=as_of,
    )
    logit = true_logit(signals)
    p_win = _sigmoid(logit)
    won = closed & (rng.random(n) < _sigmoid(logit + rng.normal(0, NOISE_SD, n)))

    # After the close: customers onboard, lost leads mostly go quiet (the leakage trap).
    after = (ev_at >= close[ev_lead]) & closed[ev_lead]
    quiet = after & ~won[ev_lead] & (rng.random(len(ev_lead)) < 0.75)
    ev_lead, ev_at, ev_kind = ev_lead[~quiet], ev_at[~quiet], ev_kind[~quiet]
    n_onboard = np.where(won, rng.poisson(1 + 4 * np.maximum(now - close, 0) / (30 * DAY)), 0)
    lead_o = np.repeat(np.arange(n), n_onboard)
    at_o = close[lead_o] + (rng.random(len(lead_o)) * (now - close[lead_o])).astype(np.int64)
    url_o = _ONBOARDING_URLS[rng.integers(len(_ONBOARDING_URLS), size=len(lead_o))].astype(object)

    variant = (rng.random(len(ev_lead)) * _N_VARIANTS[ev_kind]).astype(np.int64)
    ev_url = np.concatenate([_URLS[ev_kind, variant], url_o])
    ev_props = np.concatenate([_PROPS[ev_kind, variant], np.full(len(lead_o), "{}", dtype=object)])
    ev_lead = np.concatenate([ev_lead, lead_o])
    ev_at = np.concatenate([ev_at, at_o])
    ev_kind = np.concatenate([ev_kind, np.full(len(lead_o), K["page_view"])])
    order = np.lexsort((ev_kind, ev_at, ev_lead))
    ev_lead, ev_at, ev_kind, ev_url, ev_props = (
        a[order] for a in (ev_lead, ev_at, ev_kind, ev_url, ev_props)
    )
    seq = np.arange(len(ev_lead)) - np.searchsorted(ev_lead, ev_lead)
    lead_ids = _ids("DEMO-L", lead_numbers, 8)
    events = pd.DataFrame(
        {
            "lead_external_id": lead_ids[ev_lead],
            "kind": kind_names[ev_kind],
            "occurred_at": _to_time(ev_at),
            "url": ev_url,
            "properties": ev_props,
            "source": DEMO_SOURCE,
            "external_id": np.strings.add(
                lead_ids[ev_lead].astype(str),
                np.strings.add("-E", np.strings.zfill((seq + 1).astype(str), 4)),
            ).astype(object),
        }
    )

    # Deal records.
    touches = np.bincount(
        ev_lead, weights=(ev_at >= deal_start[ev_lead]) & (ev_at < close[ev_lead]), minlength=n
    ).astype(np.int64)
    stakeholders = 1 + rng.poisson(0.3 + 0.5 * np.log10(np.nan_to_num(lead_employees, nan=1.0)))
    competitor = np.array(COMPETITORS, dtype=object)[rng.integers(len(COMPETITORS), size=n)]
    competitor[rng.random(n) < 0.45] = ""
    loss_reason = np.array(LOSS_REASONS, dtype=object)[rng.choice(len(LOSS_REASONS), n, p=LOSS_REASON_P)]
    loss_reason = np.where((competitor != "") & (rng.random(n) < 0.6), COMPETITOR_LOSS_REASON, loss_reason)
    plan = np.select([lead_employees >= 1000, lead_employees >= 200], ["Enterprise", "Growth"], "Starter")
    deal_name = np.where(
        personal, np.strings.add(np.strings.add(first, " "), last), acc_name[np.maximum(acc_of, 0)]
    )
    deal_name = np.strings.add(np.strings.add(deal_name, " - Lead Scoring "), plan).astype(object)
    d = np.flatnonzero(worked)
    outcome = np.where(won, "won", np.where(closed, "lost", "open")).astype(object)
    deals = pd.DataFrame(
        {
            "external_id": _ids("DEMO-D", lead_numbers[d], 8),
            "lead_external_id": lead_ids[d],
            "account_external_id": np.where(acc_of[d] >= 0, acc_ids[np.maximum(acc_of[d], 0)], None),
            "name": deal_name[d],
            "amount": acv[d],
            "outcome": outcome[d],
            "created_on": _to_time(deal_start[d]).date,
            "closed_on": np.where(closed[d], _to_time(close[d]).date, None),
            "loss_reason": np.where(outcome[d] == "lost", loss_reason[d], ""),
            "touches": np.where(closed[d], touches[d], np.nan),
            "stakeholders": stakeholders[d],
            "competitor": np.where(outcome[d] == "open", "", competitor[d]),
        }
    )
    deals["touches"] = deals["touches"].astype("Int64")

    # Lead status and the rest of the CRM record.
    has_owner = worked | (rng.random(n) < 0.85)
    owner = _owners(rng=rng, reps=reps, territory=lead_territory, industry=lead_industry)
    age_days = (now - created) / DAY
    status = np.select(
        [won, closed, worked, has_owner & (age_days > 7) & (rng.random(n) < 0.7)],
        ["converted", "lost", "qualified", "contacted"],
        "new",
    ).astype(object)
    saw = np.zeros(n, dtype=bool)
    saw[ev_lead[np.isin(ev_kind, [K["unsubscribe"], K["spam_complaint"]])]] = True
    last_event = np.full(n, np.iinfo(np.int64).min)
    np.maximum.at(last_event, ev_lead, ev_at)
    updated = np.maximum.reduce([created, last_event, np.where(closed, close, created)])
    leads = pd.DataFrame(
        {
            "external_id": lead_ids,
            "source_system": DEMO_SOURCE,
            "email": email,
            "first_name": first.astype(object),
            "last_name": last.astype(object),
            "phone": phone,
            "title": title,
            "seniority": seniority,
            "department": np.array(DEPARTMENTS, dtype=object)[dept],
            "account_external_id": np.where(personal, None, acc_ids[np.maximum(acc_of, 0)]),
            "source": source,
            "country": lead_country,
            "owner": np.where(has_owner, owner, None),
            "status": status,
            "converted_at": pd.Series(_to_time(close)).where(won),
            "revenue": np.where(won, acv, np.nan),
            "budget": budget,
            "authority": pd.array(np.where(np.isnan(authority), None, authority > 0), dtype="boolean"),
            "need": need,
            "timeline_days": pd.array(np.where(np.isnan(timeline), None, timeline), dtype="Int64"),
            "do_not_email": saw | (rng.random(n) < 0.02),
            "do_not_call": rng.random(n) < 0.04,
            "unsubscribed": saw,
            "attributes": [
                json.dumps({"preferred_contact": c, "utm_campaign": u}, sort_keys=True)
                for c, u in zip(
                    np.array(("email", "phone", "any"))[rng.integers(3, size=n)],
                    np.array(CAMPAIGNS)[rng.integers(len(CAMPAIGNS), size=n)],
                    strict=True,
                )
            ],
            "created_at": _to_time(created),
            "updated_at": _to_time(updated),
        }
    )
    truth = pd.DataFrame(signals, columns=list(SIGNAL_NAMES))
    truth.insert(0, "lead_external_id", lead_ids)
    truth["as_of"] = _to_time(as_of)
    truth["logit"] = logit
    truth["p_win"] = p_win
    truth["closed"] = closed
    truth["won"] = won
    return DemoBlock(accounts=accounts, leads=leads, events=events, deals=deals, truth=truth)


def _owners(
    *, rng: np.random.Generator, reps: pd.DataFrame, territory: np.ndarray, industry: np.ndarray
) -> np.ndarray:
    """A rep for each lead: one from the lead's territory, preferring reps who sell to its industry."""
    rep_territory = reps["territory"].to_numpy()
    rep_industries = reps["industries"].tolist()
    usernames = reps["username"].to_numpy(dtype=object)
    weight = np.empty((len(territory), len(reps)))
    for j in range(len(reps)):
        in_territory = rep_territory[j] == np.array(TERRITORIES, dtype=object)[territory]
        specialist = np.isin(industry, rep_industries[j])
        weight[:, j] = np.where(in_territory, 1.0, 0.02) * np.where(specialist, 3.0, 1.0)
    return usernames[_pick(rng, weight)]


def demo_blocks(
    *, leads: int = DEFAULT_LEADS, seed: int = 0, now: datetime = DEMO_NOW
) -> Iterator[DemoBlock]:
    """Yield the demo in blocks of at most ``BLOCK_LEADS`` leads; memory stays bounded by one block.

    Use ``demo_reps(leads=leads, seed=seed)`` for the reps the ``owner`` column names.
    """
    if leads < 0 or seed < 0:
        raise ValueError("leads and seed must be non-negative")
    reps = demo_reps(leads=leads, seed=seed)
    now_s = int(now.timestamp())
    for block, start in enumerate(range(0, leads, BLOCK_LEADS)):
        yield _block(block=block, n=min(BLOCK_LEADS, leads - start), seed=seed, now=now_s, reps=reps)


def demo_generate(*, leads: int = DEFAULT_LEADS, seed: int = 0, now: datetime = DEMO_NOW) -> DemoData:
    """The whole demo in memory: reps, accounts, leads, events, deals and the per-lead truth."""
    blocks = list(demo_blocks(leads=leads, seed=seed, now=now))

    def frame(name: str) -> pd.DataFrame:
        parts = [getattr(b, name) for b in blocks]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    return DemoData(
        reps=demo_reps(leads=leads, seed=seed),
        accounts=frame("accounts"),
        leads=frame("leads"),
        events=frame("events"),
        deals=frame("deals"),
        truth=frame("truth"),
    )
