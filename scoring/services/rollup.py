"""Account roll-ups: one score per account and program from its leads' current scores, in one statement."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from leadscoring.models import ActivityEvent, Lead

from ..engine.thresholds import Cutoffs
from ..models import AccountScore, LeadScore, ScoringProgram
from .reads import cutoffs_for

# A contact is active with an activity event in this many days.
ACTIVE_DAYS = 30
# Several engaged contacts at one company are a buying committee: each active contact beyond the
# first adds this many points, up to BREADTH_BONUS_MAX.
BREADTH_POINTS = 2.5
BREADTH_BONUS_MAX = 10.0
# Account ids per statement when a list is given (SQLite's parameter limit).
ACCOUNTS_PER_STATEMENT = 5000


def _rollup_sql(*, cutoffs: Cutoffs, account_filter: str) -> str:
    score_table, lead_table = LeadScore._meta.db_table, Lead._meta.db_table
    event_table, account_table = ActivityEvent._meta.db_table, AccountScore._meta.db_table
    names = [str(n).replace("'", "''") for n in cutoffs.names]
    hot, warm, cool = cutoffs.bounds
    # The raw (unrounded) roll-up score picks the tier, as Cutoffs.tier_of does with no hysteresis.
    raw = f"min(100.0, g.best + min({BREADTH_BONUS_MAX!r}, {BREADTH_POINTS!r} * max(0, g.active - 1)))"
    if connection.vendor == "postgresql":
        raw = raw.replace("min(", "least(").replace("max(", "greatest(")
        rounded = f"round(({raw})::numeric, 2)::double precision"
    else:
        rounded = f"round({raw}, 2)"
    tier = (
        f"CASE WHEN {raw} >= {hot!r} THEN '{names[0]}' WHEN {raw} >= {warm!r} THEN '{names[1]}' "
        f"WHEN {raw} >= {cool!r} THEN '{names[2]}' ELSE '{names[3]}' END"
    )
    grouped = (
        "SELECT account_id, max(score) AS best, count(*) AS n, "
        "sum(CASE WHEN active THEN 1 ELSE 0 END) AS active, max(CASE WHEN rn = 1 THEN lead_id END) AS best_lead "
        "FROM (SELECT l.account_id, s.lead_id, s.score, "
        "row_number() OVER (PARTITION BY l.account_id ORDER BY s.score DESC, s.lead_id) AS rn, "
        f"EXISTS (SELECT 1 FROM {event_table} e WHERE e.lead_id = s.lead_id AND e.occurred_at >= %s) AS active "
        f"FROM {score_table} s JOIN {lead_table} l ON l.id = s.lead_id "
        f"WHERE s.program_id = %s AND l.account_id IS NOT NULL{account_filter}) scored "
        "GROUP BY account_id"
    )
    # WHERE true: SQLite cannot otherwise tell the upsert's ON from a join's.
    return (
        f"INSERT INTO {account_table} (account_id, program_id, score, tier, best_lead_id, best_lead_score, "
        "active_contacts, scored_leads, updated_at) "
        f"SELECT g.account_id, %s, {rounded}, {tier}, g.best_lead, g.best, g.active, g.n, %s "
        f"FROM ({grouped}) g WHERE true "
        "ON CONFLICT (account_id, program_id) DO UPDATE SET score = excluded.score, tier = excluded.tier, "
        "best_lead_id = excluded.best_lead_id, best_lead_score = excluded.best_lead_score, "
        "active_contacts = excluded.active_contacts, scored_leads = excluded.scored_leads, "
        "updated_at = excluded.updated_at"
    )


def accounts_rollup(
    *, program: ScoringProgram, account_ids: list[int] | None = None, cutoffs: Cutoffs | None = None
) -> int:
    """Refresh the accounts' roll-ups (every account with a scored lead when `account_ids` is None) with
    one INSERT ... SELECT ... GROUP BY ... ON CONFLICT; returns how many were written.

    The rule: an account scores its best lead's current score plus a breadth bonus of BREADTH_POINTS
    (2.5) for every active contact beyond the first (a lead with an event in the last ACTIVE_DAYS, 30,
    days), the bonus at most BREADTH_BONUS_MAX (10) and the total at most 100. So a best lead of 70 with
    four active contacts rolls up to min(100, 70 + min(10, 2.5 * 3)) = 77.5. The tier comes from the
    program's cut-offs on that score, without hysteresis (an account has no tier of its own to keep).
    The best lead is the highest score, the lowest lead id among equals. Overrides are not rolled up:
    the roll-up reads the model's scores. A batch calls this once after its last chunk: an account
    whose leads span chunks is aggregated once, and two chunks never race on its row.
    """
    cutoffs = cutoffs or cutoffs_for(program=program)
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    head = [adapt(now - timedelta(days=ACTIVE_DAYS)), program.pk]
    if account_ids is None:
        parts: list[list[int]] = [[]]
    else:
        ids = sorted(set(account_ids))
        if not ids:
            return 0
        parts = [ids[i : i + ACCOUNTS_PER_STATEMENT] for i in range(0, len(ids), ACCOUNTS_PER_STATEMENT)]
    written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # JIT compiling this one statement took over a second of its four (measured on 100,000
            # leads), and its sort spilled to disk at the default work_mem.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '256MB'")
        for part in parts:
            if account_ids is None:
                account_filter, params = "", head
            elif connection.vendor == "postgresql":
                account_filter, params = " AND l.account_id = ANY(%s)", [*head, part]
            else:
                account_filter = f" AND l.account_id IN ({', '.join(['%s'] * len(part))})"
                params = [*head, *part]
            sql = _rollup_sql(cutoffs=cutoffs, account_filter=account_filter)
            cursor.execute(sql, [program.pk, adapt(now), *params])
            written += max(cursor.rowcount, 0)
    return written
