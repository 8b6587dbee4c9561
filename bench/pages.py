"""Page render times with 100,000 scored leads, in a throwaway database.

    .venv/bin/python bench/pages.py [--leads 100000] [--runs 20] [--reuse NAME]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/pages.py

Builds accounts, reps, leads, current scores, --decisions score snapshots (6 on average; most keep the
lead's tier) and one activity event per lead with
bulk inserts into a fresh database (SQLite file in /tmp, or a `bench_pages_<pid>` PostgreSQL database that
is dropped afterwards), then times each page through Django's test client (full middleware stack,
templates and charts; no network). Prints progress, then, as its LAST line, one JSON object:
{"leads": N, "database": ..., "pages": {page: {"p50_ms", "p95_ms", "queries"}}}. Target: p95 < 300 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

SOURCES = [
    "Webinar",
    "Organic search",
    "Referral",
    "Paid social",
    "Trade show",
    "Content download",
    "Partner",
]
COUNTRIES = [
    "Germany",
    "United States",
    "France",
    "United Kingdom",
    "Netherlands",
    "Spain",
    "India",
    "Brazil",
]
STATUSES = (
    (["new"] * 45) + (["contacted"] * 20) + (["qualified"] * 10) + (["converted"] * 12) + (["lost"] * 13)
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build(n_leads: int, decisions: int = 6, seed: int = 1):
    """Bulk-load the book; returns (program, a rep, an ops user, some of the rep's lead ids)."""
    from django.contrib.auth.models import Group, User

    from leadscoring.models import Account, ActivityEvent, Lead, Rep
    from scoring.models import LeadScore, RepContact, ScoreSnapshot, ScoringModel, SlaClock, TierDefinition
    from scoring.selectors import program_default

    rng = random.Random(seed)
    program = program_default()
    tiers = list(TierDefinition.objects.filter(program=program).order_by("rank"))

    def tier_of(score):
        return next((t.name for t in tiers if score >= t.lower_bound), tiers[-1].name)

    rep_group, _ = Group.objects.get_or_create(name="Rep")
    ops_group, _ = Group.objects.get_or_create(name="Ops")
    reps = []
    for i in range(20):
        user = User.objects.create_user(username=f"rep{i}", password="x", first_name=f"Rep{i}")
        user.groups.add(rep_group)
        Rep.objects.create(user=user, territory=COUNTRIES[i % len(COUNTRIES)], capacity=40 + i)
        reps.append(user)
    ops = User.objects.create_user(username="ops", password="x", is_staff=True)
    ops.groups.add(ops_group)
    model = ScoringModel.objects.create(
        program=program,
        name="Bench model",
        version=1,
        status="live",
        validation_passed=True,
        metrics={"auc": 0.8},
        trained_at=django.utils.timezone.now(),
    )
    Account.objects.bulk_create(
        [
            Account(name=f"Account {i}", industry=f"Industry {i % 12}", employee_count=50 + i)
            for i in range(2000)
        ],
        batch_size=2000,
    )
    account_ids = list(Account.objects.values_list("pk", flat=True))
    now = django.utils.timezone.now()
    chunk = 5000
    for start in range(0, n_leads, chunk):
        size = min(chunk, n_leads - start)
        leads = []
        for i in range(start, start + size):
            status = rng.choice(STATUSES)
            owner = reps[i % 25] if i % 25 < 20 else None  # a fifth in the unassigned pool
            leads.append(
                Lead(
                    external_id=f"B{i:07d}",
                    source_system="bench",
                    first_name=f"First{i}",
                    last_name=f"Last{i}",
                    email=f"lead{i}@example.com",
                    account_id=rng.choice(account_ids),
                    owner=owner,
                    source=rng.choice(SOURCES),
                    country=rng.choice(COUNTRIES),
                    status=status,
                    revenue=Decimal(rng.randint(5, 80) * 1000) if status == "converted" else None,
                    created_at=now - timedelta(days=rng.uniform(0, 365)),
                )
            )
        Lead.objects.bulk_create(leads, batch_size=chunk)
        ids = [(lead.pk, lead.created_at) for lead in leads]  # bulk_create returns the keys
        scores, snapshots, events = [], [], []
        for lead_id, created in ids:
            score = round(min(100, max(0, rng.gauss(45, 22))), 1)
            first = round(min(100, max(0, score + rng.uniform(-25, 10))), 1)
            later = created + (now - created) * rng.uniform(0.3, 1.0)
            factors = [
                {"signal": "pricing_views_7d", "label": "Viewed pricing 3 times", "points": 9.5},
                {"signal": "bounces_90d", "label": "An email bounced", "points": -2.0},
            ]
            subtotals = {
                "firmographic": 18.0,
                "behavioral": 9.0,
                "engagement": 6.0,
                "intent": 10.0,
                "negative": -2.0,
            }
            scores.append(
                LeadScore(
                    lead_id=lead_id,
                    program=program,
                    model=model,
                    score=score,
                    tier=tier_of(score),
                    probability=score / 110,
                    confidence=0.6,
                    subtotals=subtotals,
                    top_factors=factors,
                    missing_signals=[{"signal": "budget", "label": "Budget", "down": 2, "up": 6}],
                    trend=rng.choice(["rising", "stable", "falling"]),
                    scored_at=later,
                    tier_since=later - timedelta(hours=rng.uniform(0, 48)),
                )
            )
            # The created decision, then rescorings that mostly keep the tier (a score moving a few
            # points), then the decision that set today's score: `decisions` per lead on average.
            steps = [(created, first, "created", "")]
            for _ in range(rng.randint(0, 2 * max(0, decisions - 2))):
                steps.append((None, round(min(100, max(0, first + rng.uniform(-3, 3))), 1), "event", ""))
            steps.append((later, score, "event", "Pricing page view"))
            span = (later - created) / len(steps)
            previous = ""
            for k, (at, value, trigger, reason) in enumerate(steps):
                tier = tier_of(value)
                snapshots.append(
                    ScoreSnapshot(
                        lead_id=lead_id,
                        program=program,
                        model=model,
                        score=value,
                        tier=tier,
                        previous_tier=previous,
                        trigger=trigger,
                        reason=reason,
                        subtotals=subtotals,
                        top_factors=factors,
                        inputs={"pricing_views_7d": k},
                        created_at=at or created + span * k,
                    )
                )
                previous = tier
            events.append(
                ActivityEvent(
                    lead_id=lead_id,
                    kind="pricing_page",
                    occurred_at=later,
                    source="bench",
                    external_id=f"E{lead_id}",
                )
            )
        LeadScore.objects.bulk_create(scores, batch_size=chunk)
        ScoreSnapshot.objects.bulk_create(snapshots, batch_size=chunk)
        ActivityEvent.objects.bulk_create(events, batch_size=chunk)
        # The rep productivity page's records: an SLA clock for each owned Hot lead (most contacted,
        # some in time), and a logged contact on every fourth owned lead.
        owners = {lead.pk: lead.owner_id for lead in leads}
        clocks, contacts = [], []
        for row in scores:
            owner_id = owners[row.lead_id]
            if owner_id is None:
                continue
            if row.tier == tiers[0].name:
                due = row.tier_since + timedelta(hours=rng.choice([1, 1, 17, 65]))
                stopped = (
                    row.tier_since + timedelta(hours=rng.uniform(0.2, 30)) if rng.random() < 0.8 else None
                )
                clocks.append(
                    SlaClock(
                        lead_id=row.lead_id,
                        owner_id=owner_id,
                        tier=row.tier,
                        hours=1,
                        started_at=row.tier_since,
                        due_at=due,
                        stopped_at=stopped,
                        stop_reason="contact" if stopped else "",
                        breached_at=None if stopped and stopped <= due else due,
                    )
                )
            if row.lead_id % 4 == 0:
                contacts.append(
                    RepContact(
                        lead_id=row.lead_id,
                        rep_id=owner_id,
                        kind=rng.choice(["call", "email", "meeting", "note"]),
                        outcome=rng.choice(["connected", "no_answer", "follow_up"]),
                        occurred_at=row.scored_at,
                    )
                )
        SlaClock.objects.bulk_create(clocks, batch_size=chunk)
        RepContact.objects.bulk_create(contacts, batch_size=chunk)
        log(f"  {start + size:,} leads")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The steady state autovacuum keeps a table in: statistics, and a visibility map that lets
            # the dashboard's reads be answered from covering indexes.
            cursor.execute("VACUUM ANALYZE")
    rep = reps[0]
    rep_leads = list(
        Lead.objects.filter(owner=rep).order_by("?").values_list("pk", flat=True)[:40]
        if connection.vendor == "postgresql"
        else Lead.objects.filter(owner=rep).values_list("pk", flat=True)[:40]
    )
    return program, rep, ops, rep_leads


def audit_content(program) -> None:
    """What a training run records and the Audit page's reports read: holdout deciles, the data audit and
    the signals (so the drift, bias and data-quality reports do their full work)."""
    from scoring.models import ScoringModel

    model = ScoringModel.objects.get(program=program, status="live")
    model.metrics = {
        **model.metrics,
        "n_test": 3000,
        "lift_by_decile": [
            {"decile": 10 - k, "n": 300, "score_min": 10.0 * k, "score_max": 10.0 * k + 9.99}
            for k in range(10)
        ],
        "tiers": {"hot": {"name": "Hot", "fp": 40, "fn": 90, "precision": 0.6, "recall": 0.4}},
    }
    model.signals = [{"key": "pricing_views_7d", "name": "Pricing page views (7 days)"}]
    model.data_audit = {
        "n_closed": 10000,
        "n_won": 4000,
        "n_lost": 6000,
        "base_rate": 0.4,
        "confidence": "adequate",
        "completeness": {"pricing_views_7d": 1.0},
        "duplicates": {"rows": 0},
    }
    model.save(update_fields=["metrics", "signals", "data_audit"])


def reused(n_leads: int):
    """(program, rep, ops, rep's lead ids) from a database `build` filled with n_leads leads, else None."""
    from django.contrib.auth.models import User

    from leadscoring.models import Lead
    from scoring.selectors import program_default

    if Lead.objects.count() != n_leads or not User.objects.filter(username="ops").exists():
        if Lead.objects.exists():
            raise SystemExit(f"the reused database holds another book than {n_leads:,} leads: drop it first")
        return None
    rep = User.objects.get(username="rep0")
    rep_leads = list(Lead.objects.filter(owner=rep).order_by("pk").values_list("pk", flat=True)[:40])
    log(f"reusing {n_leads:,} leads")
    return program_default(), rep, User.objects.get(username="ops"), rep_leads


def time_pages(rep, ops, rep_leads, runs: int) -> dict:
    from django.core.cache import cache
    from django.db import reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    rep_client, ops_client = Client(), Client()
    rep_client.force_login(rep)
    ops_client.force_login(ops)
    today = django.utils.timezone.localdate()
    year_ago = (today - timedelta(days=364)).isoformat()
    pages = {
        "my_leads": (rep_client, lambda i: "/leads/"),
        "my_leads_page_5": (rep_client, lambda i: "/leads/?page=5"),
        "my_leads_filtered": (rep_client, lambda i: "/leads/?tier=Hot&source=Webinar&status=new"),
        "my_leads_search": (rep_client, lambda i: f"/leads/?q=Last{i * 7 + 3}"),
        "leads_ops": (ops_client, lambda i: "/leads/"),
        "lead_page": (rep_client, lambda i: f"/leads/{rep_leads[i % len(rep_leads)]}/"),
        "performance_90d": (ops_client, lambda i: "/lead-scoring"),
        "performance_365d": (ops_client, lambda i: f"/lead-scoring?from={year_ago}&to={today.isoformat()}"),
        "performance_90d_cached": (ops_client, lambda i: "/lead-scoring"),
        "settings": (ops_client, lambda i: "/lead-scoring-settings"),
        "audit": (ops_client, lambda i: "/lead-scoring-audit"),
        "reps_ops": (ops_client, lambda i: "/lead-scoring-reps"),
        "reps_ops_cached": (ops_client, lambda i: "/lead-scoring-reps"),
        "reps_rep": (rep_client, lambda i: "/lead-scoring-reps"),
        "audit_search": (ops_client, lambda i: f"/lead-scoring-audit?q=lead{i * 11 + 5}@example.com"),
    }
    # The dashboards cache their figures for a minute: time them cold (cache emptied before each request),
    # which is what the first view after any change costs, and once warm (performance_90d_cached).
    cold = {"performance_90d", "performance_365d", "reps_ops", "reps_rep"}
    results = {}
    for name, (client, url) in pages.items():
        for i in range(2):  # warm caches (templates, plans)
            assert client.get(url(i)).status_code == 200, name
        timings = []
        queries = 0
        for i in range(runs):
            reset_queries()
            if name in cold:
                cache.clear()
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(url(i))
                timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (name, response.status_code)
            queries = len(ctx.captured_queries)
        timings.sort()
        p95 = timings[min(len(timings) - 1, int(round(0.95 * (len(timings) - 1))))]
        results[name] = {
            "p50_ms": round(statistics.median(timings), 1),
            "p95_ms": round(p95, 1),
            "queries": queries,
        }
        log(f"  {name:20s} p50 {results[name]['p50_ms']:7.1f} ms  p95 {p95:7.1f} ms  {queries} queries")
    return results


def profile_dashboard(program) -> dict:
    """Where the dashboard's time goes: each analytics function and the chart rendering, in ms."""
    from scoring import analytics, charts
    from scoring.selectors import tiers_for

    start, end = analytics.default_range()
    tiers = tiers_for(program=program)
    threshold = analytics.qualification_threshold(tiers)
    parts = {}

    def timed(name, fn):
        started = time.perf_counter()
        value = fn()
        parts[name] = round((time.perf_counter() - started) * 1000, 1)
        return value

    timed(
        "scan",
        lambda: analytics.scan(program=program, start=start, end=end, threshold=threshold),
    )
    timed(
        "tier_migration", lambda: analytics.tier_migration(program=program, start=start, end=end, tiers=tiers)
    )
    data = timed("performance_cold", lambda: analytics.performance(program=program, start=start, end=end))
    timed("performance_cached", lambda: analytics.performance(program=program, start=start, end=end))
    timed(
        "charts",
        lambda: [
            charts.score_histogram(data["score_distribution"], tiers),
            charts.funnel_chart(data["funnel"]),
            charts.tier_conversion_chart(data["by_tier"]),
            charts.band_roi_chart(data["by_score_band"]),
            charts.trends_chart(data["trends"]),
            charts.sources_chart(data["top_sources"]),
            charts.geography_chart(data["geography"]),
            charts.migration_chart(data["tier_migration"]),
        ],
    )
    log(f"  dashboard parts (ms): {parts}")
    return parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--decisions", type=int, default=6, help="scoring decisions per lead, on average")
    parser.add_argument(
        "--reuse",
        metavar="NAME",
        default="",
        help="keep the database NAME between runs: build it when it does not hold --leads leads, "
        "and do not drop it afterwards (drop it yourself when done)",
    )
    args = parser.parse_args()

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    if "scoring.charts.PlotlyJsFinder" not in settings.STATICFILES_FINDERS:
        settings.STATICFILES_FINDERS = [*settings.STATICFILES_FINDERS, "scoring.charts.PlotlyJsFinder"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    test_settings = connection.settings_dict.setdefault("TEST", {})
    name = args.reuse or f"bench_pages_{os.getpid()}"
    test_settings["NAME"] = f"/tmp/{name}.sqlite3" if connection.vendor == "sqlite" else name
    log(f"{'reusing' if args.reuse else 'creating a throwaway'} {connection.vendor} database {name}")
    old_name = connection.creation.create_test_db(
        verbosity=0, autoclobber=True, keepdb=bool(args.reuse), serialize=False
    )
    try:
        started = time.perf_counter()
        built = reused(args.leads) if args.reuse else None
        if built is None:
            built = build(args.leads, args.decisions)
            log(f"built {args.leads:,} leads in {time.perf_counter() - started:.0f} s")
        program, rep, ops, rep_leads = built
        audit_content(program)
        log(f"timing {args.runs} runs per page")
        parts = profile_dashboard(program)
        pages = time_pages(rep, ops, rep_leads, args.runs)
    finally:
        if args.reuse:
            connection.close()
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    worst = max(p["p95_ms"] for p in pages.values())
    print(
        json.dumps(
            {
                "leads": args.leads,
                "database": connection.vendor,
                "runs": args.runs,
                "worst_p95_ms": worst,
                "target_ms": 300,
                "dashboard_parts_ms": parts,
                "pages": pages,
            }
        )
    )


if __name__ == "__main__":
    main()
