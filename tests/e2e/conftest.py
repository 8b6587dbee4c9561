"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live server.

The demo database is built with the page factories (a few dozen realistic leads across reps, tiers and
sources, with score histories and activity) so the whole suite stays well under a minute and a half.
"""

from __future__ import annotations

import os
import random
import shutil
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from tests.conftest import require
from tests.factories import (
    AccountFactory,
    ActivityEventFactory,
    LeadFactory,
    LeadScoreFactory,
    ScoreSnapshotFactory,
    ScoringModelFactory,
    make_user,
    missing_signal,
    program_with_tiers,
    tier_namer,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="session")
def browser():
    require(
        os.path.exists(CHROMIUM) or bool(shutil.which("chromium")), f"chromium is not installed at {CHROMIUM}"
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def browser_context(browser, live_server):
    # One context for the session so the browser cache keeps plotly.min.js (4.8 MB) between tests;
    # each test starts signed out (cookies cleared).
    context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=live_server.url)
    yield context
    context.close()


class Page:
    """A browser tab that records console errors and saves screenshots to tests/artifacts/."""

    def __init__(self, context):
        self.context = context
        context.clear_cookies()
        self.tab = context.new_page()
        self.errors: list[str] = []
        self.tab.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        self.tab.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.started = time.monotonic()
        self.marks: list[str] = []

    def mark(self, label: str) -> None:
        self.marks.append(f"{label}: {time.monotonic() - self.started:.1f}s")

    def login(self, username: str, password: str) -> None:
        self.tab.goto("/accounts/login/")
        self.tab.fill("#id_username", username)
        self.tab.fill("#id_password", password)
        with self.tab.expect_navigation():
            self.tab.click("button[type=submit]")

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.tab.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def open_page(browser_context):
    pages = []

    def make() -> Page:
        page = Page(browser_context)
        pages.append(page)
        return page

    yield make
    for page in pages:
        page.tab.close()


FIRST = [
    "Ava",
    "Noah",
    "Mia",
    "Liam",
    "Zoe",
    "Ethan",
    "Lena",
    "Omar",
    "Priya",
    "Jonas",
    "Sofia",
    "Kai",
    "Maya",
    "Leo",
    "Ines",
    "Theo",
    "Nora",
    "Ravi",
    "Elif",
    "Hugo",
    "Chloe",
    "Mateo",
    "Yuki",
    "Sara",
]
LAST = [
    "Schmidt",
    "Garcia",
    "Okafor",
    "Larsen",
    "Rossi",
    "Nguyen",
    "Dubois",
    "Kowalski",
    "Silva",
    "Berg",
    "Haddad",
    "Moreau",
    "Patel",
    "Novak",
    "Fischer",
    "Costa",
]
COMPANIES = [
    ("Northwind Labs", "Software", 320),
    ("Acme Logistics", "Logistics", 1800),
    ("Bluepeak Health", "Healthcare", 640),
    ("Kestrel Finance", "Financial services", 210),
    ("Orbit Retail", "Retail", 4200),
    ("Fjord Energy", "Energy", 950),
    ("Lumen Studio", "Media", 45),
    ("Tandem Robotics", "Manufacturing", 780),
]
TITLES = [
    ("VP Sales", "vp"),
    ("Head of RevOps", "director"),
    ("CTO", "c_level"),
    ("Marketing Manager", "manager"),
    ("Account Executive", "individual"),
    ("Operations Director", "director"),
    ("Student", "student"),
]
SOURCES = ["Webinar", "Organic search", "Referral", "Paid social", "Trade show", "Content download"]
COUNTRIES = ["Germany", "United States", "France", "United Kingdom", "Netherlands", "Spain", "India"]
FOR = [
    ("pricing_views_7d", "Viewed the pricing page {n} times this week"),
    ("demo_requests_90d", "Requested a demo"),
    ("seniority", "Senior decision maker"),
    ("employee_count", "Company size fits the ideal customer (200-2,000)"),
    ("webinars_90d", "Attended {n} webinars"),
    ("email_replies_90d", "Replied to sales emails"),
]
AGAINST = [
    ("bounces_90d", "An email bounced"),
    ("days_since_activity", "No activity for {n} days"),
    ("seniority", "Student, not a buyer"),
    ("do_not_email", "Asked not to be emailed"),
]


def build_demo(*, program, reps, model, n: int = 48, seed: int = 7) -> list:
    """A small, realistic book of leads for the browser tests and their screenshots."""
    rng = random.Random(seed)
    tier_of = tier_namer(program)
    accounts = [
        AccountFactory(name=name, industry=industry, employee_count=size, country=rng.choice(COUNTRIES))
        for name, industry, size in COMPANIES
    ]
    now = timezone.now()
    leads = []
    kinds = [
        "page_view",
        "email_open",
        "pricing_page",
        "webinar",
        "email_click",
        "demo_request",
        "content_download",
    ]
    for i in range(n):
        score = round(min(99, max(3, rng.gauss(52, 24))), 1)
        created = now - timedelta(days=rng.randint(1, 80), hours=rng.randint(0, 23))
        status = rng.choices(["new", "contacted", "qualified", "converted", "lost"], [40, 20, 12, 14, 14])[0]
        if score >= 75 and i % 2 == 0:
            status = "new"
        title, seniority = rng.choice(TITLES)
        owner = reps[i % (len(reps) + 1)] if i % (len(reps) + 1) < len(reps) else None
        lead = LeadFactory(
            external_id=f"DEMO-{i:04d}",
            first_name=FIRST[i % len(FIRST)],
            last_name=LAST[(i * 7) % len(LAST)],
            email=f"{FIRST[i % len(FIRST)].lower()}.{i}@example.com",
            title=title,
            seniority=seniority,
            account=accounts[i % len(accounts)],
            source=rng.choice(SOURCES),
            country=rng.choice(COUNTRIES),
            owner=owner,
            status=status,
            revenue=Decimal(rng.randint(8, 60) * 1000) if status == "converted" else None,
            created_at=created,
        )
        # Two to five decisions over the lead's life, the last one being the current score.
        steps = rng.randint(2, 5)
        start = max(5, score - rng.randint(-15, 40))
        previous = ""
        age = (now - created).days
        for s in range(steps):
            value = round(start + (score - start) * (s + 1) / steps, 1) if s else round(start, 1)
            if s == steps - 1:
                value = score
            at = created + timedelta(days=age * s / steps, hours=1)
            trigger = "created" if s == 0 else rng.choice(["event", "event", "cadence"])
            ScoreSnapshotFactory(
                lead=lead,
                program=program,
                model=model,
                score=value,
                tier=tier_of(value),
                previous_tier=previous,
                trigger=trigger,
                reason="Pricing page view" if trigger == "event" else "",
                subtotals={},
                top_factors=[],
                inputs={"pricing_views_7d": rng.randint(0, 4)},
                created_at=at,
            )
            previous = tier_of(value)
        factors = [
            {"signal": key, "label": text.format(n=rng.randint(2, 4)), "points": round(rng.uniform(4, 16), 1)}
            for key, text in rng.sample(FOR, 3)
        ] + [
            {
                "signal": key,
                "label": text.format(n=rng.randint(20, 60)),
                "points": -round(rng.uniform(2, 9), 1),
            }
            for key, text in rng.sample(AGAINST, 1 if score > 60 else 2)
        ]
        LeadScoreFactory(
            lead=lead,
            program=program,
            model=model,
            score=score,
            tier=tier_of(score),
            probability=round(score / 115, 3),
            confidence=round(rng.uniform(0.35, 0.9), 2),
            subtotals={
                "firmographic": round(score * 0.35, 1),
                "behavioral": round(score * 0.2, 1),
                "engagement": round(score * 0.15, 1),
                "intent": round(score * 0.3, 1),
                "negative": -3.0,
            },
            top_factors=factors,
            missing_signals=[
                missing_signal(key) for key in rng.sample(["budget", "timeline_days", "annual_revenue"], 2)
            ],
            trend=rng.choice(["rising", "stable", "falling"]),
            scored_at=now - timedelta(hours=rng.randint(1, 30)),
            tier_since=now - timedelta(minutes=rng.randint(5, 600)),
        )
        for e in range(rng.randint(2, 6)):
            ActivityEventFactory(
                lead=lead,
                kind=rng.choice(kinds),
                occurred_at=now - timedelta(days=rng.randint(0, 40), hours=e),
                source="web",
                external_id=f"DEMO-{i}-{e}",
                url="https://example.com/pricing" if e == 0 else "",
            )
        leads.append(lead)
    return leads


@pytest.fixture
def demo(transactional_db):
    """Users in each role and a book of leads; returns a namespace the tests read."""
    from types import SimpleNamespace

    from django.db import transaction

    from scoring.models import ScoringModel

    program = program_with_tiers()
    rita = make_user("rita", "Rep", first_name="Rita", last_name="Alvarez")
    oscar = make_user("oscar", "Rep", first_name="Oscar", last_name="Lindqvist")
    ops = make_user("olivia", "Ops", first_name="Olivia", last_name="Park", is_staff=True)
    model = ScoringModelFactory(
        program=program,
        name="Gradient boosting, Q3",
        version=3,
        status=ScoringModel.Status.LIVE,
        model_type="gradient_boosting",
        validation_passed=True,
        trained_at=timezone.now() - timedelta(days=12),
        deployed_at=timezone.now() - timedelta(days=11),
        metrics={
            "auc": 0.842,
            "pr_auc": 0.61,
            "brier": 0.118,
            "top_decile_lift": 3.4,
            "drift": {"psi": 0.06, "verdict": "stable"},
        },
    )
    ScoringModelFactory(
        program=program,
        name="Logistic challenger",
        version=4,
        status=ScoringModel.Status.SHADOW,
        model_type="logistic_regression",
        validation_passed=True,
        trained_at=timezone.now() - timedelta(days=2),
        deployed_at=None,
        metrics={"auc": 0.826, "pr_auc": 0.58, "brier": 0.124},
    )
    with transaction.atomic():  # one commit: much faster on a file database
        leads = build_demo(program=program, reps=[rita, oscar], model=model)
    return SimpleNamespace(program=program, rita=rita, oscar=oscar, ops=ops, model=model, leads=leads)
