"""The dashboard's reads: the cohort, its aggregates in SQL (ORM or raw, one query each), the tier
changes, and the two heavy reads side by side on two connections. Rows come back as the database gives
them; `figures` turns them into what the pages and the API show."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

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

from ..models import TIER_CHANGE, LeadScore, ScoreSnapshot, ScoringModel, ScoringProgram
from .figures import won_statuses

DEFAULT_RANGE_DAYS = 90
TRUNCATE = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


def default_range(*, today: date | None = None, days: int = DEFAULT_RANGE_DAYS) -> tuple[date, date]:
    """The last `days` days up to today, inclusive."""
    today = today or timezone.localdate()
    return today - timedelta(days=days - 1), today


def date_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Aware datetimes [start 00:00, day after end 00:00) in the current time zone."""
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), tz),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz),
    )


def live_model(program: ScoringProgram) -> ScoringModel | None:
    return ScoringModel.objects.filter(program=program, status=ScoringModel.Status.LIVE).first()


def cohort(*, program: ScoringProgram, start: date, end: date) -> QuerySet[LeadScore]:
    """Scores in the program of the leads created in [start, end]."""
    lo, hi = date_bounds(start, end)
    return LeadScore.objects.filter(program=program, lead__created_at__gte=lo, lead__created_at__lt=hi)


@contextmanager
def roomy_cursor():
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


def _bucket(width: int):
    """The score bin k of [k*width, (k+1)*width); 100 falls in the last bin."""
    last = math.ceil(100 / width) - 1
    return Least(Cast(Floor(F("score") / float(width)), FloatField()), Value(float(last)))


def _qualified(threshold: float):
    return Case(When(score__gte=threshold, then=Value(1)), default=Value(0), output_field=IntegerField())


def cube_rows(
    *, program: ScoringProgram, start: date, end: date, threshold: float, width: int
) -> list[tuple]:
    """(bucket, tier, status, qualified, n, score_sum, revenue) per group of the cohort."""
    rows = (
        cohort(program=program, start=start, end=end)
        .annotate(bucket=_bucket(width), qualified=_qualified(threshold))
        .values("bucket", "tier", "lead__status", "qualified")
        .annotate(n=Count("pk"), score_sum=Sum("score"), revenue=Sum("lead__revenue"))
        .order_by()
    )
    return [
        (r["bucket"], r["tier"], r["lead__status"], r["qualified"], r["n"], r["score_sum"], r["revenue"])
        for r in rows
    ]


def kpi_counts(
    *, program: ScoringProgram, start: date, end: date, threshold: float, statuses: list[str]
) -> dict:
    """leads, avg_score, qualified, converted, closed, correct and revenue of the cohort, in one aggregate."""
    converted = Q(lead__status__in=statuses)
    closed = converted | Q(lead__status=Lead.Status.LOST)
    qualified = Q(score__gte=threshold)
    return cohort(program=program, start=start, end=end).aggregate(
        leads=Count("pk"),
        avg_score=Avg("score"),
        qualified=Count("pk", filter=qualified),
        converted=Count("pk", filter=converted),
        closed=Count("pk", filter=closed),
        correct=Count("pk", filter=(qualified & converted) | (~qualified & Q(lead__status=Lead.Status.LOST))),
        revenue=Sum("lead__revenue", filter=converted),
    )


def grouped_rows(
    *, program: ScoringProgram, start: date, end: date, field: str, limit: int, order: str
) -> list:
    """Leads, conversions, revenue of converted leads and average score per value of `field`, the first
    `limit` by `order`."""
    converted = Q(lead__status__in=won_statuses(program))
    return list(
        cohort(program=program, start=start, end=end)
        .values(field)
        .annotate(
            leads=Count("pk"),
            converted=Count("pk", filter=converted),
            revenue=Coalesce(
                Sum("lead__revenue", filter=converted),
                Value(0),
                output_field=DecimalField(max_digits=18, decimal_places=2),
            ),
            avg_score=Avg("score"),
        )
        .order_by(order, field)[:limit]
    )


def trend_rows(
    *, program: ScoringProgram, start: date, end: date, granularity: str, threshold: float
) -> list:
    """Per period of lead creation: the period, leads, avg_score, qualified and converted."""
    return list(
        cohort(program=program, start=start, end=end)
        .annotate(period=TRUNCATE[granularity]("lead__created_at"))
        .values("period")
        .annotate(
            leads=Count("pk"),
            avg_score=Avg("score"),
            qualified=Count("pk", filter=Q(score__gte=threshold)),
            converted=Count("pk", filter=Q(lead__status__in=won_statuses(program))),
        )
        .order_by("period")
    )


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


def net_moves(*, program: ScoringProgram, lo: datetime, hi: datetime | None) -> dict[tuple[str, str], int]:
    """{(tier before lo, tier after the last change before hi): leads} over the leads whose tier changed in
    [lo, hi) ("" before a lead's first decision). Reads tier changes only (the partial index
    `snapshot_tier_change`), not every decision, and takes them in the order they were recorded (the log
    is append-only)."""
    changes = ScoreSnapshot.objects.filter(TIER_CHANGE, program=program, created_at__gte=lo)
    if hi is not None:
        changes = changes.filter(created_at__lt=hi)
    changes = changes.order_by().values("lead_id", "id", "tier", "previous_tier")
    sql, params = changes.query.get_compiler(using=changes.db).as_sql()
    with roomy_cursor() as cursor:
        cursor.execute(NET_MOVES_SQL.format(changes=sql), params)
        return {(from_tier or "", to_tier): n for from_tier, to_tier, n in cursor.fetchall()}


def tier_counts(program: ScoringProgram) -> dict[str, int]:
    """{tier: leads} over the program's current model scores (one grouped read of LeadScore)."""
    return dict(
        LeadScore.objects.filter(program=program).values_list("tier").annotate(n=Count("pk")).order_by()
    )


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


def scan_rows(
    *,
    program: ScoringProgram,
    start: date,
    end: date,
    threshold: float,
    width: int,
    granularity: str,
    sources: int,
    countries: int,
) -> list[tuple]:
    """One read of the leads created in the range and in the previous period of equal length, aggregated
    five ways in one statement (rows of kind 'cube', 'trend', 'source', 'country'; see SCAN_SQL). The
    cohort is read once into a materialized CTE, so the dashboard joins leads and scores once instead of
    five times."""
    statuses = won_statuses(program)
    length = (end - start).days + 1
    lo, hi = date_bounds(start, end)
    prev_lo, _ = date_bounds(start - timedelta(days=length), end)
    cohort_qs = (
        LeadScore.objects.filter(program=program, lead__created_at__gte=prev_lo, lead__created_at__lt=hi)
        .values(
            c_score=F("score"),
            c_tier=F("tier"),
            c_status=F("lead__status"),
            c_revenue=F("lead__revenue"),
            c_source=F("lead__source"),
            c_country=F("lead__country"),
            c_period=TRUNCATE[granularity]("lead__created_at"),
            c_cur=Case(
                When(lead__created_at__gte=lo, then=Value(1)), default=Value(0), output_field=IntegerField()
            ),
            c_bucket=_bucket(width),
            c_qualified=_qualified(threshold),
        )
        .order_by()
    )
    cohort_sql, cohort_params = cohort_qs.query.get_compiler(using=cohort_qs.db).as_sql()
    won = ", ".join(["%s"] * len(statuses))
    sql = SCAN_SQL.format(cohort=cohort_sql, won=won)
    params = [*cohort_params, *statuses, *statuses, *statuses, sources, *statuses, *statuses, countries]
    with roomy_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def latest_changes() -> tuple[int | None, int | None]:
    """(the newest decision's id, the newest lead history row's id), in one round trip of two index
    lookups. Every rescoring writes a decision; every lead saved or deleted through the ORM, and every
    imported row, writes a history row."""
    snapshots = ScoreSnapshot._meta.db_table
    lead_history = Lead.history.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT MAX(id) FROM {snapshots}), (SELECT MAX(history_id) FROM {lead_history})"
        )
        return cursor.fetchone()


def side_by_side(first, second) -> tuple:
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
