"""What the pages and the API ask for: each function reads with `queries` (one query each, or none when
given the rows of an earlier read) and computes with `figures`."""

from __future__ import annotations

import copy
from datetime import date, timedelta

from django.utils import timezone

from ..models import ScoringProgram
from ..selectors import tiers_for
from . import cache, figures, queries
from .figures import qualification_threshold, trend_granularity, won_statuses


def cube(*, program: ScoringProgram, start: date, end: date, threshold: float, width: int = 5) -> list[dict]:
    """The cohort grouped by (score bin, tier, status, qualified), with counts, score sums and revenue.

    At most bins x tiers x statuses x 2 rows (800 by default), from one scan of the cohort: the KPIs, the
    histogram, the score bands, the tiers and the funnel are all sums over it, so the dashboard reads the
    leads once for the five of them instead of five times.
    """
    rows = queries.cube_rows(program=program, start=start, end=end, threshold=threshold, width=width)
    return figures.cube_from_rows(rows, width=width, threshold=threshold)


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
        threshold = rows[0]["threshold"] if rows else qualification_threshold(tiers_for(program=program))
    length = (end - start).days + 1

    def period(cube_rows, period_start, period_end):
        if cube_rows is not None:
            return figures.kpis_from_cube(cube_rows, statuses)
        counts = queries.kpi_counts(
            program=program, start=period_start, end=period_end, threshold=threshold, statuses=statuses
        )
        return figures.kpis_from_counts(counts)

    current = period(rows, start, end)
    previous = period(previous_rows, start - timedelta(days=length), start - timedelta(days=1))
    live = queries.live_model(program)
    return {
        **current,
        "qualification_threshold": threshold,
        "model_auc": figures.model_auc(live),
        "model_version": live.version if live else None,
        "previous": previous,
    }


def _cube_or(rows, *, program, start, end, width: int = 5) -> list[dict]:
    """`rows` when given, else a fresh cube (its threshold unused: 100 for the cheapest CASE)."""
    return (
        rows
        if rows is not None
        else cube(program=program, start=start, end=end, threshold=100.0, width=width)
    )


def score_bins(
    *, program: ScoringProgram, start: date, end: date, width: int = 5, rows: list | None = None
) -> list[dict]:
    """Leads, conversions and revenue per score bin [k*width, (k+1)*width); 100 falls in the last bin.
    `rows` may be a `cube` of the same width."""
    rows = _cube_or(rows, program=program, start=start, end=end, width=width)
    return figures.bins_from_cube(rows, width=width, statuses=won_statuses(program))


def score_distribution(*, program: ScoringProgram, start: date, end: date, width: int = 5, bins=None) -> dict:
    """The score histogram: bin edges and lead counts."""
    bins = bins if bins is not None else score_bins(program=program, start=start, end=end, width=width)
    return figures.distribution_from_bins(bins)


def by_score_band(
    *, program: ScoringProgram, start: date, end: date, width: int = 10, bins=None
) -> list[dict]:
    """Conversion rate and revenue per score band (ROI by band). `bins` may be finer `score_bins` rows
    (a divisor of `width`), which are merged, so the dashboard runs one query for both charts."""
    bins = bins if bins is not None else score_bins(program=program, start=start, end=end, width=width)
    return figures.bands_from_bins(bins, width=width)


def by_tier(
    *, program: ScoringProgram, start: date, end: date, tiers=None, rows: list | None = None
) -> list[dict]:
    """Per tier, best first: leads, share, conversions, conversion rate, revenue and average score."""
    tiers = tiers if tiers is not None else tiers_for(program=program)
    rows = _cube_or(rows, program=program, start=start, end=end)
    return figures.tiers_from_cube(rows, tiers=tiers, statuses=won_statuses(program))


def funnel(*, program: ScoringProgram, start: date, end: date, rows: list | None = None) -> list[dict]:
    """Leads that reached at least each stage (new, contacted, qualified, converted), from their current
    status; lost leads count in the first stage only, since how far they got is not recorded."""
    return figures.funnel_from_cube(_cube_or(rows, program=program, start=start, end=end))


def top_sources(*, program: ScoringProgram, start: date, end: date, limit: int = 10) -> list[dict]:
    """Lead sources by average score (sources with the most leads first on ties)."""
    rows = queries.grouped_rows(
        program=program, start=start, end=end, field="lead__source", limit=limit, order="-avg_score"
    )
    return figures.named_groups(rows, "lead__source")


def geography(*, program: ScoringProgram, start: date, end: date, limit: int = 15) -> list[dict]:
    """Countries by lead volume, with average score, conversions and revenue."""
    rows = queries.grouped_rows(
        program=program, start=start, end=end, field="lead__country", limit=limit, order="-leads"
    )
    return figures.named_groups(rows, "lead__country")


def trends(
    *, program: ScoringProgram, start: date, end: date, granularity: str | None = None, threshold=None
) -> dict:
    """Per day, week or month of lead creation: lead volume, average score, qualified and converted."""
    granularity = granularity or trend_granularity(start, end)
    if threshold is None:
        threshold = qualification_threshold(tiers_for(program=program))
    rows = queries.trend_rows(
        program=program, start=start, end=end, granularity=granularity, threshold=threshold
    )
    return figures.trends_from_rows(rows, granularity=granularity)


def tier_migration(*, program: ScoringProgram, start: date, end: date, tiers=None) -> dict:
    """Each lead's tier when the range began ("New" when it was first scored inside the range) against its
    tier when the range ended, over every lead scored by then: leads that kept their tier sit on the
    diagonal. The model's tiers, as `TIER_CHANGE` defines a move (manual overrides are left out).

    The leads that moved are read from the tier changes in the range. The ones that stayed are counted
    without reading them one by one: the current tiers (one grouped read of LeadScore), wound back past the
    changes after the range to the tiers at its end, less the leads that moved in. Cost grows with tier
    changes, not with decisions or leads."""
    lo, hi = queries.date_bounds(start, end)
    tiers = tiers if tiers is not None else tiers_for(program=program)
    moved = queries.net_moves(program=program, lo=lo, hi=hi)
    at_end = queries.tier_counts(program)
    if hi <= timezone.now():
        at_end = figures.wound_back(at_end, queries.net_moves(program=program, lo=hi, hi=None))
    return figures.migration(start=start, end=end, tiers=tiers, moved=moved, at_end=at_end)


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
    rows = queries.scan_rows(
        program=program,
        start=start,
        end=end,
        threshold=threshold,
        width=width,
        granularity=granularity,
        sources=sources,
        countries=countries,
    )
    return figures.scan_figures(rows, width=width, threshold=threshold, granularity=granularity)


def performance(*, program: ScoringProgram, start: date, end: date) -> dict:
    """Everything the performance dashboard shows: one `scan` of the cohort (this range and the previous
    period) for the KPIs, histogram, bands, tiers, funnel, trends, sources and geography, and the tier
    changes of the range (and after it) for the migration. Those two reads are cached (`cache`) under a
    key that changes with any new decision or lead change; the live model is read on every call."""
    tiers = tiers_for(program=program)
    threshold = qualification_threshold(tiers)

    def heavy_reads() -> dict:
        scanned, migration = queries.side_by_side(
            lambda: scan(program=program, start=start, end=end, threshold=threshold, width=5),
            lambda: tier_migration(program=program, start=start, end=end, tiers=tiers),
        )
        return {"scan": scanned, "migration": migration}

    heavy = cache.dashboard_cached(
        key=cache.dashboard_key(program=program, start=start, end=end, tiers=tiers), compute=heavy_reads
    )
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
