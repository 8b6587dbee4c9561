"""scoring.analytics: the dashboard's figures, checked against small hand-built cohorts."""

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from scoring import analytics, selectors
from scoring.analytics import figures
from tests.factories import make_lead, tier_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(program, rep):
    # Four leads in range: scores 90 (converted, $1000), 60 (lost), 30 (converted, $500), 10 (new).
    make_lead(program, score=90, owner=rep, status="converted", revenue=Decimal("1000"), source="Webinar")
    make_lead(program, score=60, owner=rep, status="lost", source="Webinar", country="France")
    make_lead(program, score=30, owner=rep, status="converted", revenue=Decimal("500"), source="Ads")
    make_lead(program, score=10, owner=rep, status="new", source="Ads")
    # Outside the range (created 200 days ago): ignored.
    make_lead(program, score=99, owner=rep, status="converted", revenue=Decimal("9999"), created_days_ago=200)
    return program


def _range():
    today = timezone.localdate()
    return today - timedelta(days=29), today


def test_kpis(cohort):
    start, end = _range()
    k = analytics.kpis(program=cohort, start=start, end=end)
    assert k["lead_volume"] == 4
    assert k["average_score"] == pytest.approx((90 + 60 + 30 + 10) / 4)
    # Qualified: at or above the Warm bound (50): 90 and 60.
    assert k["qualification_threshold"] == 50
    assert k["qualified_share"] == pytest.approx(0.5)
    assert k["conversion_rate"] == pytest.approx(0.5)
    # Closed: 90 won (qualified: right), 60 lost (qualified: wrong), 30 won (not qualified: wrong) -> 1/3.
    assert k["model_accuracy"] == pytest.approx(0.3333, abs=1e-4)
    assert k["revenue_attributed"] == 1500.0
    assert k["previous"]["lead_volume"] == 0


def test_bins_distribution_and_bands(cohort):
    start, end = _range()
    bins = analytics.score_bins(program=cohort, start=start, end=end, width=5)
    assert len(bins) == 20 and sum(b["leads"] for b in bins) == 4
    assert bins[18]["leads"] == 1 and bins[18]["band"] == "90-95"
    bands = analytics.by_score_band(program=cohort, start=start, end=end, width=10, bins=bins)
    assert [b["leads"] for b in bands] == [0, 1, 0, 1, 0, 0, 1, 0, 0, 1]
    assert bands[9]["revenue_per_lead"] == 1000.0 and bands[3]["conversion_rate"] == 1.0
    direct = analytics.by_score_band(program=cohort, start=start, end=end, width=10)
    assert direct == bands


def test_a_score_of_100_falls_in_the_last_bin(program, rep):
    make_lead(program, score=100, owner=rep)
    start, end = _range()
    bins = analytics.score_bins(program=program, start=start, end=end, width=5)
    assert bins[-1]["leads"] == 1


def test_by_tier_and_funnel(cohort):
    start, end = _range()
    tiers = {r["tier"]: r for r in analytics.by_tier(program=cohort, start=start, end=end)}
    assert list(tiers) == ["Hot", "Warm", "Cool", "Cold"]
    assert (tiers["Hot"]["leads"], tiers["Hot"]["conversion_rate"], tiers["Hot"]["revenue"]) == (
        1,
        1.0,
        1000.0,
    )
    assert tiers["Warm"]["conversion_rate"] == 0.0 and tiers["Cold"]["share"] == 0.25
    funnel = {s["stage"]: s["leads"] for s in analytics.funnel(program=cohort, start=start, end=end)}
    # 4 leads; converted ones passed every stage; the lost one counts only in the first.
    assert funnel == {"new": 4, "contacted": 2, "qualified": 2, "converted": 2, "lost": 1}


def test_sources_geography_and_trends(cohort):
    start, end = _range()
    sources = analytics.top_sources(program=cohort, start=start, end=end)
    assert [(s["name"], s["avg_score"]) for s in sources] == [("Webinar", 75.0), ("Ads", 20.0)]
    geo = analytics.geography(program=cohort, start=start, end=end)
    assert [(g["name"], g["leads"]) for g in geo] == [("Germany", 3), ("France", 1)]
    trend = analytics.trends(program=cohort, start=start, end=end)
    assert trend["granularity"] == "day"
    assert sum(p["leads"] for p in trend["points"]) == 4


def test_tier_migration_between_two_dates(program, rep):
    # Cool 20 days ago, Hot 5 days ago: Cool -> Hot over the last 10 days.
    make_lead(
        program, score=80, owner=rep, created_days_ago=30, history=[(20, 30, "created"), (5, 80, "event")]
    )
    # First scored inside the range: New -> Warm.
    make_lead(program, score=55, owner=rep, created_days_ago=3, history=[(3, 55, "created")])
    # Not rescored in the range: stayed Cold.
    make_lead(program, score=10, owner=rep, created_days_ago=40, history=[(40, 10, "created")])
    # Rescored in the range without changing tier, then overridden to Hot by a rep: stayed Warm, since
    # the dashboard reads the model's tiers.
    make_lead(
        program,
        score=60,
        owner=rep,
        created_days_ago=40,
        history=[(40, 58, "created"), (4, 60, "event"), (2, 60, "manual")],
    )
    today = timezone.localdate()
    migration = analytics.tier_migration(program=program, start=today - timedelta(days=10), end=today)
    flows = {(f["from"], f["to"]): f["leads"] for f in migration["flows"]}
    assert flows == {("Cool", "Hot"): 1, ("New", "Warm"): 1, ("Cold", "Cold"): 1, ("Warm", "Warm"): 1}
    assert migration["from_tiers"][0] == "New" and migration["total"] == 4
    matrix, rows, cols = migration["matrix"], migration["from_tiers"], migration["to_tiers"]
    assert matrix[rows.index("Cool")][cols.index("Hot")] == 1 and sum(map(sum, matrix)) == 4
    # A range that ended 10 days ago: the first lead was still Cool, the second not scored yet.
    past = analytics.tier_migration(
        program=program, start=today - timedelta(days=35), end=today - timedelta(days=10)
    )
    flows = {(f["from"], f["to"]): f["leads"] for f in past["flows"]}
    assert flows == {("New", "Cool"): 1, ("Cold", "Cold"): 1, ("Warm", "Warm"): 1}


def test_tier_migration_matches_each_leads_history(program, rep):
    """Against a lead-by-lead reading of random histories: the tier of the last decision before each end of
    the range (manual overrides left out), "New" before the first one."""
    import random

    rng = random.Random(7)
    histories = []
    for _ in range(40):
        days = sorted(rng.sample(range(1, 60), rng.randint(1, 6)), reverse=True)
        history = [
            (d, float(rng.randint(0, 100)), rng.choice(["event", "event", "cadence", "manual"])) for d in days
        ]
        history[0] = (history[0][0], history[0][1], "created")
        model_steps = [h for h in history if h[2] != "manual"]
        make_lead(program, score=model_steps[-1][1], owner=rep, created_days_ago=days[0], history=history)
        histories.append(model_steps)
    today = timezone.localdate()
    for start_ago, end_ago in ((30, 0), (45, 15), (59, 40), (10, 9)):
        start, end = today - timedelta(days=start_ago), today - timedelta(days=end_ago)
        lo, hi = analytics.date_bounds(start, end)
        now = timezone.now()

        def tier_before(steps, moment, now=now):
            earlier = [s for s in steps if now - timedelta(days=s[0]) < moment]
            return tier_of(earlier[-1][1], program) if earlier else None

        expected: dict = {}
        for steps in histories:
            at_end = tier_before(steps, hi)
            if at_end is not None:
                key = (tier_before(steps, lo) or "New", at_end)
                expected[key] = expected.get(key, 0) + 1
        got = analytics.tier_migration(program=program, start=start, end=end)
        assert {(f["from"], f["to"]): f["leads"] for f in got["flows"]} == expected, (start_ago, end_ago)


def test_performance_is_json_ready(cohort):
    import json

    start, end = _range()
    data = analytics.performance(program=cohort, start=start, end=end)
    assert json.loads(json.dumps(data))["kpis"]["lead_volume"] == 4


def test_one_scan_gives_what_the_separate_queries_give(cohort, rep):
    # Two leads in the previous period of the 30-day range (created 35 and 50 days ago).
    make_lead(cohort, score=70, owner=rep, status="converted", revenue=Decimal("250"), created_days_ago=35)
    make_lead(cohort, score=20, owner=rep, status="lost", source="Ads", created_days_ago=50)
    start, end = _range()
    tiers = selectors.tiers_for(program=cohort)
    threshold = analytics.qualification_threshold(tiers)
    scanned = analytics.scan(program=cohort, start=start, end=end, threshold=threshold)

    def order(rows):
        return sorted(rows, key=lambda r: (r["bucket"], r["tier"], r["status"], r["qualified"]))

    cube = analytics.cube(program=cohort, start=start, end=end, threshold=threshold)
    assert order(scanned["cube"]) == order(cube)
    assert scanned["trends"] == analytics.trends(program=cohort, start=start, end=end)
    assert scanned["top_sources"] == analytics.top_sources(program=cohort, start=start, end=end)
    assert scanned["geography"] == analytics.geography(program=cohort, start=start, end=end)
    folded = analytics.kpis(
        program=cohort, start=start, end=end, rows=scanned["cube"], previous_rows=scanned["previous_cube"]
    )
    assert folded == analytics.kpis(program=cohort, start=start, end=end)
    assert folded["previous"]["lead_volume"] == 2
    assert folded["previous"]["revenue_attributed"] == 250.0
    assert folded["previous"]["model_accuracy"] == 1.0  # 70 qualified and won, 20 not qualified and lost


def test_the_dashboard_cache_never_shows_stale_figures(cohort):
    start, end = _range()
    first = analytics.performance(program=cohort, start=start, end=end)
    assert analytics.performance(program=cohort, start=start, end=end) == first  # from the cache
    from leadscoring.models import Lead

    lead = Lead.objects.get(status="new", created_at__gte=timezone.now() - timedelta(days=29))
    lead.status = "converted"
    lead.revenue = Decimal("100")
    lead.save()  # a lead change: a new history row, a new key
    after = analytics.performance(program=cohort, start=start, end=end)
    assert after["kpis"]["converted_leads"] == first["kpis"]["converted_leads"] + 1
    assert after["kpis"]["revenue_attributed"] == 1600.0
    cohort_lead = make_lead(cohort, score=95, status="new")  # a new decision: a new key
    assert analytics.performance(program=cohort, start=start, end=end)["kpis"]["lead_volume"] == 5
    assert cohort_lead.pk


# --- the figures alone: arithmetic on rows, no database ------------------------------------------


def test_finer_bins_merge_into_bands():
    # Bins of 5: 0-5 has 2 leads (1 won, $100), 5-10 has 2 (1 won, $300), 10-15 has 1 (none won).
    bins = [
        {"low": 0, "leads": 2, "converted": 1, "revenue": 100.0},
        {"low": 5, "leads": 2, "converted": 1, "revenue": 300.0},
        {"low": 10, "leads": 1, "converted": 0, "revenue": 0.0},
    ]
    bands = figures.bands_from_bins(bins, width=10)
    # 0-10: 4 leads, 2 won (50 %), $400 = $100 a lead; 10-20: 1 lead, none won.
    assert [(b["band"], b["leads"], b["conversion_rate"], b["revenue_per_lead"]) for b in bands] == [
        ("0-10", 4, 0.5, 100.0),
        ("10-20", 1, 0.0, 0.0),
    ]


def test_current_tier_counts_wind_back_past_later_moves():
    # Now 3 Hot and 1 Cool. Since then one lead went Cool -> Hot and one new lead was first scored Cool:
    # then, Hot had 3 - 1 = 2 and Cool 1 + 1 - 1 = 1.
    then = figures.wound_back({"Hot": 3, "Cool": 1}, {("Cool", "Hot"): 1, ("", "Cool"): 1})
    assert then == {"Hot": 2, "Cool": 1}


def test_migration_puts_the_leads_that_kept_their_tier_on_the_diagonal():
    tiers = [
        SimpleNamespace(name=n, colour=c) for n, c in (("Hot", "#d00"), ("Warm", "#e80"), ("Cold", "#07c"))
    ]
    # At the end: 3 Hot, 1 Warm, 2 Cold; one lead moved Cold -> Hot, one was first scored Warm.
    # Stayed: Hot 3 - 1 = 2, Warm 1 - 1 = 0 (no flow), Cold 2.
    got = figures.migration(
        start=date(2026, 1, 1),
        end=date(2026, 1, 31),
        tiers=tiers,
        moved={("Cold", "Hot"): 1, ("", "Warm"): 1},
        at_end={"Hot": 3, "Warm": 1, "Cold": 2},
    )
    assert {(f["from"], f["to"]): f["leads"] for f in got["flows"]} == {
        ("Cold", "Hot"): 1,
        ("New", "Warm"): 1,
        ("Hot", "Hot"): 2,
        ("Cold", "Cold"): 2,
    }
    assert got["from_tiers"] == ["New", "Hot", "Warm", "Cold"] and got["total"] == 6
    assert got["matrix"][got["from_tiers"].index("Cold")] == [1, 0, 2]
