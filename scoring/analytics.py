"""Read-only aggregates for the performance dashboard and the analytics API.

Every function takes a scoring program and an inclusive date range (`start`, `end`: dates) and returns
plain dicts and lists (JSON-ready: floats, ints, strings, ISO dates), so the pages and the API render the
same figures. The cohort is the leads *created* in the range that carry a score in the program; each
function aggregates in SQL (one query each, using the (program, tier) and (program, -score) indexes of
LeadScore), never row by row in Python.

Definitions, in the sales team's words:
- converted: the lead's status is one of the program's `outcome_won_statuses` (default: converted);
- closed: converted or lost;
- qualified: the model score is at or above the qualification threshold, the lower bound of the
  second-best tier (Hot and Warm by default) unless given;
- model accuracy: among closed leads, the share where "qualified" matched "converted";
- revenue attributed: the sum of `Lead.revenue` over converted leads of the cohort.

Scores are the model's scores (`LeadScore.score`); manual overrides are a rep-facing correction and are
left out of the aggregates on purpose.
"""

from __future__ import annotations

import copy
import hashlib
import math
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import (
    Avg,
    Case,
    Count,
    DecimalField,
    F,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Floor, Least, TruncDay, TruncMonth, TruncWeek
from django.utils import timezone

from leadscoring.models import Lead

from .models import TIER_CHANGE, LeadScore, ScoreSnapshot, ScoringModel, ScoringProgram, TierDefinition

DEFAULT_RANGE_DAYS = 90
FUNNEL_STAGES = [
    ("new", "Lead"),
    ("contacted", "Contacted"),
    ("qualified", "Qualified"),
    ("converted", "Converted"),
]
NO_TIER = "(none)"


# ---------------------------------------------------------------- helpers


def default_range(*, today: date | None = None, days: int = DEFAULT_RANGE_DAYS) -> tuple[date, date]:
    """The last `days` days up to today, inclusive."""
    today = today or timezone.localdate()
    return today - timedelta(days=days - 1), today


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Aware datetimes [start 00:00, day after end 00:00) in the current time zone."""
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), tz),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz),
    )


def won_statuses(program: ScoringProgram) -> list[str]:
    return list(program.outcome_won_statuses or [Lead.Status.CONVERTED])


def _tiers(program: ScoringProgram) -> list[TierDefinition]:
    return list(TierDefinition.objects.filter(program=program).order_by("rank"))


def qualification_threshold(tiers: list[TierDefinition]) -> float:
    """The lower bound of the second-best tier (the best when there is only one)."""
    if not tiers:
        return 50.0
    return float(tiers[min(1, len(tiers) - 1)].lower_bound)


def cohort(*, program: ScoringProgram, start: date, end: date) -> QuerySet[LeadScore]:
    """Scores in the program of the leads created in [start, end]."""
    lo, hi = _bounds(start, end)
    return LeadScore.objects.filter(program=program, lead__created_at__gte=lo, lead__created_at__lt=hi)


@contextmanager
def _roomy():
    """A cursor whose sorts and materialized CTEs stay in memory: on PostgreSQL, 64 MB of work_mem for
    this one transaction (the 4 MB default spills the dashboard's sorts to disk). SQLite gets a plain
    cursor: its transactions begin IMMEDIATE (settings), which would make two dashboard reads queue for
    the write lock instead of running side by side."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '64MB'")
        yield cursor


def _ratio(part, whole) -> float | None:
    return round(part / whole, 4) if whole else None


def _money(value) -> float:
    return round(float(value or 0), 2)


def _conversion_aggregates(statuses: list[str]) -> dict:
    converted = Q(lead__status__in=statuses)
    return {
        "leads": Count("pk"),
        "converted": Count("pk", filter=converted),
        "revenue": Coalesce(
            Sum("lead__revenue", filter=converted),
            Value(0),
            output_field=DecimalField(max_digits=18, decimal_places=2),
        ),
        "avg_score": Avg("score"),
    }


def _shape_group(row: dict) -> dict:
    return {
        "leads": row["leads"],
        "converted": row["converted"],
        "conversion_rate": _ratio(row["converted"], row["leads"]),
        "revenue": _money(row["revenue"]),
        "avg_score": round(row["avg_score"], 1) if row["avg_score"] is not None else None,
    }


# ---------------------------------------------------------------- the cube: one scan for five figures


def cube(*, program: ScoringProgram, start: date, end: date, threshold: float, width: int = 5) -> list[dict]:
    """The cohort grouped by (score bin, tier, status, qualified), with counts, score sums and revenue.

    At most bins x tiers x statuses x 2 rows (800 by default), from one scan of the cohort: the KPIs, the
    histogram, the score bands, the tiers and the funnel are all sums over it, so the dashboard reads the
    leads once for the five of them instead of five times.
    """
    last = math.ceil(100 / width) - 1
    bucket = Least(Cast(Floor(F("score") / float(width)), FloatField()), Value(float(last)))
    qualified = Case(When(score__gte=threshold, then=Value(1)), default=Value(0), output_field=IntegerField())
    rows = (
        cohort(program=program, start=start, end=end)
        .annotate(bucket=bucket, qualified=qualified)
        .values("bucket", "tier", "lead__status", "qualified")
        .annotate(n=Count("pk"), score_sum=Sum("score"), revenue=Sum("lead__revenue"))
        .order_by()
    )
    return [
        {
            "bucket": int(r["bucket"]),
            "tier": r["tier"],
            "status": r["lead__status"],
            "qualified": bool(r["qualified"]),
            "n": r["n"],
            "score_sum": float(r["score_sum"] or 0),
            "revenue": float(r["revenue"] or 0),
            "width": width,
            "threshold": threshold,
        }
        for r in rows
        if r["bucket"] is not None
    ]


def _sum_groups(rows: list[dict], key, statuses: list[str]) -> dict:
    """Leads, conversions, revenue of converted leads and average score per key(row)."""
    out: dict = {}
    for r in rows:
        acc = out.setdefault(key(r), {"leads": 0, "converted": 0, "revenue": 0.0, "score_sum": 0.0})
        acc["leads"] += r["n"]
        acc["score_sum"] += r["score_sum"]
        if r["status"] in statuses:
            acc["converted"] += r["n"]
            acc["revenue"] += r["revenue"]
    for acc in out.values():
        acc["avg_score"] = acc["score_sum"] / acc["leads"] if acc["leads"] else None
    return out


# ---------------------------------------------------------------- KPIs


def _kpi_row(*, program, start, end, threshold, statuses) -> dict:
    converted = Q(lead__status__in=statuses)
    closed = converted | Q(lead__status=Lead.Status.LOST)
    qualified = Q(score__gte=threshold)
    row = cohort(program=program, start=start, end=end).aggregate(
        leads=Count("pk"),
        avg_score=Avg("score"),
        qualified=Count("pk", filter=qualified),
        converted=Count("pk", filter=converted),
        closed=Count("pk", filter=closed),
        correct=Count("pk", filter=(qualified & converted) | (~qualified & Q(lead__status=Lead.Status.LOST))),
        revenue=Sum("lead__revenue", filter=converted),
    )
    return {
        "lead_volume": row["leads"],
        "average_score": round(row["avg_score"], 1) if row["avg_score"] is not None else None,
        "qualified_leads": row["qualified"],
        "qualified_share": _ratio(row["qualified"], row["leads"]),
        "converted_leads": row["converted"],
        "conversion_rate": _ratio(row["converted"], row["leads"]),
        "closed_leads": row["closed"],
        "model_accuracy": _ratio(row["correct"], row["closed"]),
        "revenue_attributed": _money(row["revenue"]),
    }


def _model_auc(model: ScoringModel | None) -> float | None:
    """The live version's holdout AUC, wherever the training run recorded it."""
    if model is None or not isinstance(model.metrics, dict):
        return None
    metrics = model.metrics
    for holder in (metrics, metrics.get("holdout"), metrics.get("validation"), metrics.get("overall")):
        if isinstance(holder, dict):
            for key in ("auc", "roc_auc", "AUC"):
                value = holder.get(key)
                if isinstance(value, int | float) and not math.isnan(value):
                    return round(float(value), 4)
    return None


def _kpis_from_cube(rows: list[dict], statuses: list[str]) -> dict:
    leads = sum(r["n"] for r in rows)
    score_sum = sum(r["score_sum"] for r in rows)
    qualified = sum(r["n"] for r in rows if r["qualified"])
    converted = sum(r["n"] for r in rows if r["status"] in statuses)
    lost = [r for r in rows if r["status"] == Lead.Status.LOST and r["status"] not in statuses]
    closed = converted + sum(r["n"] for r in lost)
    correct = sum(r["n"] for r in rows if r["qualified"] and r["status"] in statuses) + sum(
        r["n"] for r in lost if not r["qualified"]
    )
    return {
        "lead_volume": leads,
        "average_score": round(score_sum / leads, 1) if leads else None,
        "qualified_leads": qualified,
        "qualified_share": _ratio(qualified, leads),
        "converted_leads": converted,
        "conversion_rate": _ratio(converted, leads),
        "closed_leads": closed,
        "model_accuracy": _ratio(correct, closed),
        "revenue_attributed": round(sum(r["revenue"] for r in rows if r["status"] in statuses), 2),
    }


def kpis(
    *,
    program: ScoringProgram,
    start: date,
    end: date,
    threshold: float | None = None,
    rows: list | None = None,
    previous_rows: list | None = None,
) -> dict:
    """Headline figures for the range, the same figures for the previous period of equal length, and the
    live model's holdout AUC. `rows` and `previous_rows` may be this range's and the previous period's
    `cube` (with the same threshold), as `scan` returns them, to save a scan each."""
    statuses = won_statuses(program)
    if threshold is None:
        threshold = rows[0]["threshold"] if rows else qualification_threshold(_tiers(program))
    if rows is not None:
        current = _kpis_from_cube(rows, statuses)
    else:
        current = _kpi_row(program=program, start=start, end=end, threshold=threshold, statuses=statuses)
    length = (end - start).days + 1
    if previous_rows is not None:
        previous = _kpis_from_cube(previous_rows, statuses)
    else:
        previous = _kpi_row(
            program=program,
            start=start - timedelta(days=length),
            end=start - timedelta(days=1),
            threshold=threshold,
            statuses=statuses,
        )
    live = ScoringModel.objects.filter(program=program, status=ScoringModel.Status.LIVE).first()
    return {
        **current,
        "qualification_threshold": threshold,
        "model_auc": _model_auc(live),
        "model_version": live.version if live else None,
        "previous": previous,
    }


# ---------------------------------------------------------------- score bins


def score_bins(
    *, program: ScoringProgram, start: date, end: date, width: int = 5, rows: list | None = None
) -> list[dict]:
    """Leads, conversions and revenue per score bin [k*width, (k+1)*width); 100 falls in the last bin.
    `rows` may be a `cube` of the same width."""
    if rows is None:
        rows = cube(program=program, start=start, end=end, threshold=100.0, width=width)
    last = math.ceil(100 / width) - 1
    by_bucket = _sum_groups(rows, lambda r: r["bucket"], won_statuses(program))
    out = []
    for k in range(last + 1):
        row = by_bucket.get(k, {"leads": 0, "converted": 0, "revenue": 0, "avg_score": None})
        lo, hi = k * width, min(100, (k + 1) * width)
        out.append({"band": f"{lo}-{hi}", "low": lo, "high": hi, **_shape_group(row)})
    return out


def score_distribution(*, program: ScoringProgram, start: date, end: date, width: int = 5, bins=None) -> dict:
    """The score histogram: bin edges and lead counts."""
    bins = bins if bins is not None else score_bins(program=program, start=start, end=end, width=width)
    return {
        "bins": [{"band": b["band"], "low": b["low"], "high": b["high"], "leads": b["leads"]} for b in bins],
        "total": sum(b["leads"] for b in bins),
    }


def by_score_band(
    *, program: ScoringProgram, start: date, end: date, width: int = 10, bins=None
) -> list[dict]:
    """Conversion rate and revenue per score band (ROI by band). `bins` may be finer `score_bins` rows
    (a divisor of `width`), which are merged, so the dashboard runs one query for both charts."""
    if bins is None:
        bins = score_bins(program=program, start=start, end=end, width=width)
    merged: dict[int, dict] = {}
    for b in bins:
        key = int(b["low"] // width)
        acc = merged.setdefault(key, {"leads": 0, "converted": 0, "revenue": 0.0, "score_sum": 0.0})
        acc["leads"] += b["leads"]
        acc["converted"] += b["converted"]
        acc["revenue"] += b["revenue"]
        acc["score_sum"] += (b["avg_score"] or 0) * b["leads"]
    out = []
    for key in sorted(merged):
        acc = merged[key]
        lo, hi = key * width, min(100, (key + 1) * width)
        out.append(
            {
                "band": f"{lo}-{hi}",
                "low": lo,
                "high": hi,
                "leads": acc["leads"],
                "converted": acc["converted"],
                "conversion_rate": _ratio(acc["converted"], acc["leads"]),
                "revenue": round(acc["revenue"], 2),
                "revenue_per_lead": round(acc["revenue"] / acc["leads"], 2) if acc["leads"] else None,
            }
        )
    return out


# ---------------------------------------------------------------- tiers, funnel, sources, geography


def by_tier(
    *, program: ScoringProgram, start: date, end: date, tiers=None, rows: list | None = None
) -> list[dict]:
    """Per tier, best first: leads, share, conversions, conversion rate, revenue and average score."""
    tiers = tiers if tiers is not None else _tiers(program)
    if rows is None:
        rows = cube(program=program, start=start, end=end, threshold=100.0)
    groups = _sum_groups(rows, lambda r: r["tier"], won_statuses(program))
    total = sum(g["leads"] for g in groups.values())
    out = []
    for tier in tiers:
        row = groups.pop(tier.name, {"leads": 0, "converted": 0, "revenue": 0, "avg_score": None})
        out.append(
            {
                "tier": tier.name,
                "colour": tier.colour,
                "share": _ratio(row["leads"], total),
                **_shape_group(row),
            }
        )
    for name, row in sorted(groups.items()):  # tiers renamed or removed since scoring
        out.append(
            {
                "tier": name or NO_TIER,
                "colour": "#9aa3af",
                "share": _ratio(row["leads"], total),
                **_shape_group(row),
            }
        )
    return out


def funnel(*, program: ScoringProgram, start: date, end: date, rows: list | None = None) -> list[dict]:
    """Leads that reached at least each stage (new, contacted, qualified, converted), from their current
    status; lost leads count in the first stage only, since how far they got is not recorded."""
    if rows is None:
        rows = cube(program=program, start=start, end=end, threshold=100.0)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + r["n"]
    total = sum(counts.values())
    order = [s for s, _ in FUNNEL_STAGES]
    out = []
    for i, (status, label) in enumerate(FUNNEL_STAGES):
        reached = total if i == 0 else sum(counts.get(s, 0) for s in order[i:])
        out.append(
            {"stage": status, "label": label, "leads": reached, "share_of_top": _ratio(reached, total)}
        )
    out.append(
        {
            "stage": "lost",
            "label": "Lost",
            "leads": counts.get(Lead.Status.LOST, 0),
            "share_of_top": _ratio(counts.get(Lead.Status.LOST, 0), total),
        }
    )
    return out


def _grouped(*, program, start, end, field: str, limit: int, order: str) -> list[dict]:
    rows = (
        cohort(program=program, start=start, end=end)
        .values(field)
        .annotate(**_conversion_aggregates(won_statuses(program)))
        .order_by(order, field)[:limit]
    )
    return [{"name": r[field] or "(unknown)", **_shape_group(r)} for r in rows]


def top_sources(*, program: ScoringProgram, start: date, end: date, limit: int = 10) -> list[dict]:
    """Lead sources by average score (sources with the most leads first on ties)."""
    return _grouped(
        program=program, start=start, end=end, field="lead__source", limit=limit, order="-avg_score"
    )


def geography(*, program: ScoringProgram, start: date, end: date, limit: int = 15) -> list[dict]:
    """Countries by lead volume, with average score, conversions and revenue."""
    return _grouped(program=program, start=start, end=end, field="lead__country", limit=limit, order="-leads")


# ---------------------------------------------------------------- trends and migration


def trend_granularity(start: date, end: date) -> str:
    days = (end - start).days + 1
    return "day" if days <= 62 else ("week" if days <= 370 else "month")


def trends(
    *, program: ScoringProgram, start: date, end: date, granularity: str | None = None, threshold=None
) -> dict:
    """Per day, week or month of lead creation: lead volume, average score, qualified and converted."""
    granularity = granularity or trend_granularity(start, end)
    trunc = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}[granularity]
    if threshold is None:
        threshold = qualification_threshold(_tiers(program))
    statuses = won_statuses(program)
    rows = (
        cohort(program=program, start=start, end=end)
        .annotate(period=trunc("lead__created_at"))
        .values("period")
        .annotate(
            leads=Count("pk"),
            avg_score=Avg("score"),
            qualified=Count("pk", filter=Q(score__gte=threshold)),
            converted=Count("pk", filter=Q(lead__status__in=statuses)),
        )
        .order_by("period")
    )
    points = []
    for r in rows:
        period = r["period"]
        period = period.date() if isinstance(period, datetime) else period
        points.append(
            {
                "period": period.isoformat(),
                "leads": r["leads"],
                "avg_score": round(r["avg_score"], 1) if r["avg_score"] is not None else None,
                "qualified": r["qualified"],
                "converted": r["converted"],
                "conversion_rate": _ratio(r["converted"], r["leads"]),
            }
        )
    return {"granularity": granularity, "points": points}


# Per lead, the previous tier of its first change and the tier of its last, without sorting: each row's
# tier rides behind its id written at a fixed width, so MIN and MAX over the text pick the first and last
# change (a hash aggregate by lead; a window over the changes sorted by lead was measured 25-40% slower).
NET_MOVES_SQL = """
SELECT from_tier, to_tier, COUNT(*)
FROM (
    SELECT
        SUBSTR(MIN(CAST(1000000000000 + id AS TEXT) || previous_tier), 14) AS from_tier,
        SUBSTR(MAX(CAST(1000000000000 + id AS TEXT) || tier), 14) AS to_tier
    FROM ({changes}) AS changes
    GROUP BY lead_id
) AS per_lead
GROUP BY from_tier, to_tier
"""


def _net_moves(*, program: ScoringProgram, lo: datetime, hi: datetime | None) -> dict[tuple[str, str], int]:
    """{(tier before lo, tier after the last change before hi): leads} over the leads whose tier changed in
    [lo, hi) ("" before a lead's first decision). Reads tier changes only (the partial index
    `snapshot_tier_change`), not every decision, and takes them in the order they were recorded (the log
    is append-only)."""
    changes = ScoreSnapshot.objects.filter(TIER_CHANGE, program=program, created_at__gte=lo)
    if hi is not None:
        changes = changes.filter(created_at__lt=hi)
    changes = changes.order_by().values("lead_id", "id", "tier", "previous_tier")
    sql, params = changes.query.get_compiler(using=changes.db).as_sql()
    with _roomy() as cursor:
        cursor.execute(NET_MOVES_SQL.format(changes=sql), params)
        return {(from_tier or "", to_tier): n for from_tier, to_tier, n in cursor.fetchall()}


def tier_migration(*, program: ScoringProgram, start: date, end: date, tiers=None) -> dict:
    """Each lead's tier when the range began ("New" when it was first scored inside the range) against its
    tier when the range ended, over every lead scored by then: leads that kept their tier sit on the
    diagonal. The model's tiers, as `TIER_CHANGE` defines a move (manual overrides are left out).

    The leads that moved are read from the tier changes in the range. The ones that stayed are counted
    without reading them one by one: the current tiers (one grouped read of LeadScore), wound back past the
    changes after the range to the tiers at its end, less the leads that moved in. Cost grows with tier
    changes, not with decisions or leads."""
    lo, hi = _bounds(start, end)
    tiers = tiers if tiers is not None else _tiers(program)
    moved = _net_moves(program=program, lo=lo, hi=hi)
    at_end: dict[str, int] = dict(
        LeadScore.objects.filter(program=program).values_list("tier").annotate(n=Count("pk")).order_by()
    )
    if hi <= timezone.now():
        for (tier_at_end, tier_now), n in _net_moves(program=program, lo=hi, hi=None).items():
            at_end[tier_now] = at_end.get(tier_now, 0) - n
            if tier_at_end:
                at_end[tier_at_end] = at_end.get(tier_at_end, 0) + n
    flows: dict[tuple[str, str], int] = {}
    for (tier_from, tier_to), n in moved.items():
        key = (tier_from or "New", tier_to or NO_TIER)
        flows[key] = flows.get(key, 0) + n
    for tier, n in at_end.items():
        stayed = n - sum(count for (_, tier_to), count in moved.items() if tier_to == tier)
        if stayed > 0:
            flows[(tier, tier)] = flows.get((tier, tier), 0) + stayed
    names = [t.name for t in tiers]
    seen = {f for f, _ in flows} | {t for _, t in flows}
    extra = sorted(seen - set(names) - {"New"})
    from_tiers, to_tiers = ["New", *names, *extra], [*names, *extra]
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "from_tiers": from_tiers,
        "to_tiers": to_tiers,
        # The same flows as a table: matrix[i][j] leads went from from_tiers[i] to to_tiers[j].
        "matrix": [[flows.get((f, t), 0) for t in to_tiers] for f in from_tiers],
        "flows": sorted(
            ({"from": f, "to": t, "leads": n} for (f, t), n in flows.items()),
            key=lambda f: (-f["leads"], f["from"], f["to"]),
        ),
        "total": sum(flows.values()),
        "colours": {t.name: t.colour for t in tiers},
    }


# ---------------------------------------------------------------- everything for one page


SCAN_SQL = """
WITH c AS MATERIALIZED ({cohort})
SELECT 'cube', c_cur, CAST(c_bucket AS INTEGER), c_tier, c_status, c_qualified,
    COUNT(*), SUM(c_score), SUM(c_revenue), CAST(NULL AS BIGINT)
FROM c GROUP BY c_cur, c_bucket, c_tier, c_status, c_qualified
UNION ALL
SELECT 'trend', 1, CAST(NULL AS INTEGER), CAST(c_period AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS INTEGER),
    COUNT(*), AVG(c_score), SUM(c_qualified), SUM(CASE WHEN c_status IN ({won}) THEN 1 ELSE 0 END)
FROM c WHERE c_cur = 1 GROUP BY c_period
UNION ALL
SELECT * FROM (
    SELECT 'source', 1, CAST(NULL AS INTEGER), c_source, CAST(NULL AS TEXT), CAST(NULL AS INTEGER),
        COUNT(*), AVG(c_score), SUM(CASE WHEN c_status IN ({won}) THEN c_revenue END),
        SUM(CASE WHEN c_status IN ({won}) THEN 1 ELSE 0 END)
    FROM c WHERE c_cur = 1 GROUP BY c_source ORDER BY AVG(c_score) DESC, c_source LIMIT %s
) AS top_sources
UNION ALL
SELECT * FROM (
    SELECT 'country', 1, CAST(NULL AS INTEGER), c_country, CAST(NULL AS TEXT), CAST(NULL AS INTEGER),
        COUNT(*), AVG(c_score), SUM(CASE WHEN c_status IN ({won}) THEN c_revenue END),
        SUM(CASE WHEN c_status IN ({won}) THEN 1 ELSE 0 END)
    FROM c WHERE c_cur = 1 GROUP BY c_country ORDER BY COUNT(*) DESC, c_country LIMIT %s
) AS top_countries
"""


def scan(
    *,
    program: ScoringProgram,
    start: date,
    end: date,
    threshold: float,
    width: int = 5,
    granularity: str | None = None,
    sources: int = 10,
    countries: int = 15,
) -> dict:
    """One read of the leads created in the range and in the previous period of equal length, aggregated
    in SQL five ways: this range's `cube`, the previous period's `cube`, the `trends` points, the
    `top_sources` and the `geography` rows, each as the function of that name returns it. The cohort is
    read once into a materialized CTE, so the dashboard joins leads and scores once instead of five times.
    """
    granularity = granularity or trend_granularity(start, end)
    trunc = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}[granularity]
    statuses = won_statuses(program)
    length = (end - start).days + 1
    lo, hi = _bounds(start, end)
    prev_lo, _ = _bounds(start - timedelta(days=length), end)
    last = math.ceil(100 / width) - 1
    cohort_qs = (
        LeadScore.objects.filter(program=program, lead__created_at__gte=prev_lo, lead__created_at__lt=hi)
        .values(
            c_score=F("score"),
            c_tier=F("tier"),
            c_status=F("lead__status"),
            c_revenue=F("lead__revenue"),
            c_source=F("lead__source"),
            c_country=F("lead__country"),
            c_period=trunc("lead__created_at"),
            c_cur=Case(
                When(lead__created_at__gte=lo, then=Value(1)), default=Value(0), output_field=IntegerField()
            ),
            c_bucket=Least(Cast(Floor(F("score") / float(width)), FloatField()), Value(float(last))),
            c_qualified=Case(
                When(score__gte=threshold, then=Value(1)), default=Value(0), output_field=IntegerField()
            ),
        )
        .order_by()
    )
    cohort_sql, cohort_params = cohort_qs.query.get_compiler(using=cohort_qs.db).as_sql()
    won = ", ".join(["%s"] * len(statuses))
    sql = SCAN_SQL.format(cohort=cohort_sql, won=won)
    params = [*cohort_params, *statuses, *statuses, *statuses, sources, *statuses, *statuses, countries]
    with _roomy() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    out: dict = {"cube": [], "previous_cube": [], "points": [], "top_sources": [], "geography": []}
    for kind, cur, bucket, key, status, qualified, n, total, money, converted in rows:
        if kind == "cube":
            if bucket is None:
                continue
            out["cube" if cur == 1 else "previous_cube"].append(
                {
                    "bucket": int(bucket),
                    "tier": key,
                    "status": status,
                    "qualified": bool(qualified),
                    "n": n,
                    "score_sum": float(total or 0),
                    "revenue": float(money or 0),
                    "width": width,
                    "threshold": threshold,
                }
            )
        elif kind == "trend":
            out["points"].append(
                {
                    "period": _period(key),
                    "leads": n,
                    "avg_score": round(total, 1) if total is not None else None,
                    "qualified": int(money or 0),
                    "converted": int(converted or 0),
                    "conversion_rate": _ratio(int(converted or 0), n),
                }
            )
        else:
            group = {"leads": n, "converted": int(converted or 0), "revenue": money or 0, "avg_score": total}
            out["top_sources" if kind == "source" else "geography"].append((key or "", group))
    out["points"].sort(key=lambda p: p["period"])
    out["trends"] = {"granularity": granularity, "points": out.pop("points")}
    # The order of the two ORDER BYs above (binary collation), whatever order the UNION returned them in.
    for name, order in (("top_sources", lambda g: -g["avg_score"]), ("geography", lambda g: -g["leads"])):
        ranked = sorted(out[name], key=lambda item, order=order: (order(item[1]), item[0]))
        out[name] = [{"name": key or "(unknown)", **_shape_group(group)} for key, group in ranked]
    return out


def _period(value) -> str:
    """An ISO date from a truncated timestamp read as text ('2025-01-31 00:00:00[+00]') or a datetime."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:10]


CACHE_SECONDS = 60


def _cache_key(*, program: ScoringProgram, start: date, end: date, tiers: list[TierDefinition]) -> str:
    """The dashboard's cache key: the program, the range and its time zone, the tiers and won statuses, and
    the newest decision and the newest lead change (every rescoring writes a decision, every lead save a
    history row), so a cached dashboard is dropped as soon as a score or a lead changes."""
    snapshots = ScoreSnapshot._meta.db_table
    lead_history = Lead.history.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT MAX(id) FROM {snapshots}), (SELECT MAX(history_id) FROM {lead_history})"
        )
        latest_snapshot, latest_lead_change = cursor.fetchone()
    shape = repr(
        (
            [(t.pk, t.name, t.rank, t.lower_bound, t.colour) for t in tiers],
            won_statuses(program),
            timezone.get_current_timezone_name(),
        )
    )
    digest = hashlib.sha1(shape.encode()).hexdigest()[:16]
    return (
        f"analytics:performance:{program.pk}:{start.isoformat()}:{end.isoformat()}:"
        f"{latest_snapshot}:{latest_lead_change}:{digest}"
    )


def _side_by_side(first, second) -> tuple:
    """(first(), second()), the second on its own database connection in a thread, so the dashboard's two
    heavy reads take the time of the longer, not of both (the database gives each its own core). Inside a
    transaction another connection would not see its writes, so there the two run one after the other."""
    if connection.in_atomic_block:
        return first(), second()
    with ThreadPoolExecutor(max_workers=1) as pool:
        other = pool.submit(_on_own_connection, second)
        return first(), other.result()


def _on_own_connection(fn):
    try:
        return fn()
    finally:
        connection.close()  # the worker thread's connection; Django does not close it for us


def performance(*, program: ScoringProgram, start: date, end: date) -> dict:
    """Everything the performance dashboard shows: one `scan` of the cohort (this range and the previous
    period) for the KPIs, histogram, bands, tiers, funnel, trends, sources and geography, and the tier
    changes of the range (and after it) for the migration. Those two reads are cached for CACHE_SECONDS under a key that
    changes with any new decision or lead change (`_cache_key`); the live model is read on every call."""
    tiers = _tiers(program)
    threshold = qualification_threshold(tiers)
    key = _cache_key(program=program, start=start, end=end, tiers=tiers)
    heavy = cache.get(key)
    if heavy is None:
        scanned, migration = _side_by_side(
            lambda: scan(program=program, start=start, end=end, threshold=threshold, width=5),
            lambda: tier_migration(program=program, start=start, end=end, tiers=tiers),
        )
        heavy = {"scan": scanned, "migration": migration}
        cache.set(key, heavy, CACHE_SECONDS)
    scanned = heavy["scan"]
    rows = scanned["cube"]
    bins = score_bins(program=program, start=start, end=end, width=5, rows=rows)
    return {
        "program": {"id": program.pk, "name": program.name, "slug": program.slug},
        "start": start.isoformat(),
        "end": end.isoformat(),
        "kpis": kpis(
            program=program,
            start=start,
            end=end,
            threshold=threshold,
            rows=rows,
            previous_rows=scanned["previous_cube"],
        ),
        "score_distribution": score_distribution(program=program, start=start, end=end, bins=bins),
        "by_score_band": by_score_band(program=program, start=start, end=end, width=10, bins=bins),
        "by_tier": by_tier(program=program, start=start, end=end, tiers=tiers, rows=rows),
        "funnel": funnel(program=program, start=start, end=end, rows=rows),
        "trends": copy.deepcopy(scanned["trends"]),
        "top_sources": copy.deepcopy(scanned["top_sources"]),
        "geography": copy.deepcopy(scanned["geography"]),
        "tier_migration": copy.deepcopy(heavy["migration"]),
    }
