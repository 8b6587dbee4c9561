"""The demo's fixed vocabularies and their shares: what a drawn account, lead, deal or event may say.

Plain constants (tuples, numpy arrays): changing one changes what every seed draws.
"""

from __future__ import annotations

import json

import numpy as np

DEMO_SOURCE = "demo"
DEFAULT_LEADS = 1_000
HISTORY_DAYS = 365
DAY = 86_400


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


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
SOURCE_ENGAGEMENT = (0.6, 0.2, 0.0, -0.1, 0.3, 0.5, 0.2, -0.2, -0.9, -0.4)

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
BURST_WEIGHT = np.array([30, 9, 2, 30, 3, 6, 3, 3, 0.8, 0.8, 1.0, 2, 0, 0, 0], dtype=float)
BURST_TILT = np.array([0, 0.2, 0.4, 0.1, 0.9, 0.4, 0.5, 0.4, 1.0, 1.0, 0.9, 0.4, 0, 0, 0])
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
ENGAGEMENT_W = np.array([ENGAGEMENT_WEIGHTS.get(kind, 0.0) for kind in KINDS])


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


VARIANTS = [_variants(kind) for kind in KINDS]
N_VARIANTS = np.array([len(v) for v in VARIANTS])
URLS = np.array([[v[min(i, len(v) - 1)][0] for i in range(N_VARIANTS.max())] for v in VARIANTS], dtype=object)
PROPS = np.array(
    [
        [json.dumps(v[min(i, len(v) - 1)][1], sort_keys=True) for i in range(N_VARIANTS.max())]
        for v in VARIANTS
    ],
    dtype=object,
)
ONBOARDING_URLS = np.array(
    ["/app/onboarding", "/docs/getting-started", "/docs/api", "/app/settings/integrations"]
)
