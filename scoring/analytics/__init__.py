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

The package: `queries` (the SQL and the second connection), `figures` (pure arithmetic on what the
queries return), `cache` (the dashboard's cache key and read-through), `dashboard` (the functions below,
each a query and its figures).
"""

from .cache import CACHE_SECONDS
from .dashboard import (
    by_score_band,
    by_tier,
    cube,
    funnel,
    geography,
    kpis,
    performance,
    scan,
    score_bins,
    score_distribution,
    tier_migration,
    top_sources,
    trends,
)
from .figures import FUNNEL_STAGES, NO_TIER, qualification_threshold, trend_granularity, won_statuses
from .queries import DEFAULT_RANGE_DAYS, NET_MOVES_SQL, SCAN_SQL, cohort, date_bounds, default_range

__all__ = [
    "CACHE_SECONDS",
    "DEFAULT_RANGE_DAYS",
    "FUNNEL_STAGES",
    "NET_MOVES_SQL",
    "NO_TIER",
    "SCAN_SQL",
    "by_score_band",
    "by_tier",
    "cohort",
    "cube",
    "date_bounds",
    "default_range",
    "funnel",
    "geography",
    "kpis",
    "performance",
    "qualification_threshold",
    "scan",
    "score_bins",
    "score_distribution",
    "tier_migration",
    "top_sources",
    "trend_granularity",
    "trends",
    "won_statuses",
]
