"""The dashboard's figures from the rows `queries` returns: pure arithmetic, no database. Every
function returns plain dicts and lists (JSON-ready: floats, ints, strings, ISO dates)."""

from __future__ import annotations

import math
from datetime import date, datetime

from leadscoring.models import Lead

FUNNEL_STAGES = [
    ("new", "Lead"),
    ("contacted", "Contacted"),
    ("qualified", "Qualified"),
    ("converted", "Converted"),
]
NO_TIER = "(none)"
FORMER_TIER_COLOUR = "#9aa3af"
EMPTY_GROUP = {"leads": 0, "converted": 0, "revenue": 0, "avg_score": None}


def won_statuses(program) -> list[str]:
    return list(program.outcome_won_statuses or [Lead.Status.CONVERTED])


def qualification_threshold(tiers: list) -> float:
    """The lower bound of the second-best tier (the best when there is only one)."""
    if not tiers:
        return 50.0
    return float(tiers[min(1, len(tiers) - 1)].lower_bound)


def trend_granularity(start: date, end: date) -> str:
    days = (end - start).days + 1
    return "day" if days <= 62 else ("week" if days <= 370 else "month")


def ratio(part, whole) -> float | None:
    return round(part / whole, 4) if whole else None


def money(value) -> float:
    return round(float(value or 0), 2)


def rounded_score(value) -> float | None:
    return round(value, 1) if value is not None else None


def shape_group(row: dict) -> dict:
    return {
        "leads": row["leads"],
        "converted": row["converted"],
        "conversion_rate": ratio(row["converted"], row["leads"]),
        "revenue": money(row["revenue"]),
        "avg_score": rounded_score(row["avg_score"]),
    }


def named_groups(rows, key: str) -> list[dict]:
    """Grouped rows (leads, converted, revenue, avg_score) named by their `key` value, "(unknown)" when blank."""
    return [{"name": r[key] or "(unknown)", **shape_group(r)} for r in rows]


def cube_from_rows(rows: list[tuple], *, width: int, threshold: float) -> list[dict]:
    """`queries.cube_rows` as dicts (the cube: one per bucket, tier, status and qualified); leads without a
    score fall in no bucket and are left out."""
    return [
        {
            "bucket": int(bucket),
            "tier": tier,
            "status": status,
            "qualified": bool(qualified),
            "n": n,
            "score_sum": float(score_sum or 0),
            "revenue": float(revenue or 0),
            "width": width,
            "threshold": threshold,
        }
        for bucket, tier, status, qualified, n, score_sum, revenue in rows
        if bucket is not None
    ]


def sum_groups(rows: list[dict], key, statuses: list[str]) -> dict:
    """Leads, conversions, revenue of converted leads and average score per key(row) of a cube."""
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


def _kpis(*, leads, average, qualified, converted, closed, correct, revenue) -> dict:
    return {
        "lead_volume": leads,
        "average_score": average,
        "qualified_leads": qualified,
        "qualified_share": ratio(qualified, leads),
        "converted_leads": converted,
        "conversion_rate": ratio(converted, leads),
        "closed_leads": closed,
        "model_accuracy": ratio(correct, closed),
        "revenue_attributed": revenue,
    }


def kpis_from_counts(row: dict) -> dict:
    """The headline figures from `queries.kpi_counts`."""
    return _kpis(
        leads=row["leads"],
        average=rounded_score(row["avg_score"]),
        qualified=row["qualified"],
        converted=row["converted"],
        closed=row["closed"],
        correct=row["correct"],
        revenue=money(row["revenue"]),
    )


def kpis_from_cube(rows: list[dict], statuses: list[str]) -> dict:
    """The headline figures summed over a cube (the same as `kpis_from_counts` over the same cohort)."""
    leads = sum(r["n"] for r in rows)
    score_sum = sum(r["score_sum"] for r in rows)
    converted = sum(r["n"] for r in rows if r["status"] in statuses)
    lost = [r for r in rows if r["status"] == Lead.Status.LOST and r["status"] not in statuses]
    correct = sum(r["n"] for r in rows if r["qualified"] and r["status"] in statuses) + sum(
        r["n"] for r in lost if not r["qualified"]
    )
    return _kpis(
        leads=leads,
        average=round(score_sum / leads, 1) if leads else None,
        qualified=sum(r["n"] for r in rows if r["qualified"]),
        converted=converted,
        closed=converted + sum(r["n"] for r in lost),
        correct=correct,
        revenue=round(sum(r["revenue"] for r in rows if r["status"] in statuses), 2),
    )


def model_auc(model) -> float | None:
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


def _band(lo: int, width: int) -> dict:
    hi = min(100, lo + width)
    return {"band": f"{lo}-{hi}", "low": lo, "high": hi}


def bins_from_cube(rows: list[dict], *, width: int, statuses: list[str]) -> list[dict]:
    """Leads, conversions and revenue per score bin [k*width, (k+1)*width); 100 falls in the last bin."""
    by_bucket = sum_groups(rows, lambda r: r["bucket"], statuses)
    return [
        {**_band(k * width, width), **shape_group(by_bucket.get(k, EMPTY_GROUP))}
        for k in range(math.ceil(100 / width))
    ]


def distribution_from_bins(bins: list[dict]) -> dict:
    """The score histogram: bin edges and lead counts."""
    return {
        "bins": [{"band": b["band"], "low": b["low"], "high": b["high"], "leads": b["leads"]} for b in bins],
        "total": sum(b["leads"] for b in bins),
    }


def bands_from_bins(bins: list[dict], *, width: int) -> list[dict]:
    """Conversion rate and revenue per band of `width` (ROI by band), merging bins of a divisor of it."""
    merged: dict[int, dict] = {}
    for b in bins:
        key = int(b["low"] // width)
        acc = merged.setdefault(key, {"leads": 0, "converted": 0, "revenue": 0.0})
        acc["leads"] += b["leads"]
        acc["converted"] += b["converted"]
        acc["revenue"] += b["revenue"]
    return [
        {
            **_band(key * width, width),
            "leads": acc["leads"],
            "converted": acc["converted"],
            "conversion_rate": ratio(acc["converted"], acc["leads"]),
            "revenue": round(acc["revenue"], 2),
            "revenue_per_lead": round(acc["revenue"] / acc["leads"], 2) if acc["leads"] else None,
        }
        for key, acc in sorted(merged.items())
    ]


def tiers_from_cube(rows: list[dict], *, tiers: list, statuses: list[str]) -> list[dict]:
    """Per tier, best first: leads, share, conversions, conversion rate, revenue and average score; then
    tiers renamed or removed since scoring, by name."""
    groups = sum_groups(rows, lambda r: r["tier"], statuses)
    total = sum(g["leads"] for g in groups.values())
    named = [(tier.name, tier.colour, groups.pop(tier.name, EMPTY_GROUP)) for tier in tiers]
    former = [(name or NO_TIER, FORMER_TIER_COLOUR, row) for name, row in sorted(groups.items())]
    return [
        {"tier": name, "colour": colour, "share": ratio(row["leads"], total), **shape_group(row)}
        for name, colour, row in named + former
    ]


def funnel_from_cube(rows: list[dict]) -> list[dict]:
    """Leads that reached at least each stage (new, contacted, qualified, converted), from their current
    status; lost leads count in the first stage only, since how far they got is not recorded."""
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + r["n"]
    total = sum(counts.values())
    order = [s for s, _ in FUNNEL_STAGES]
    out = []
    for i, (status, label) in enumerate(FUNNEL_STAGES):
        reached = total if i == 0 else sum(counts.get(s, 0) for s in order[i:])
        out.append({"stage": status, "label": label, "leads": reached, "share_of_top": ratio(reached, total)})
    lost = counts.get(Lead.Status.LOST, 0)
    out.append({"stage": "lost", "label": "Lost", "leads": lost, "share_of_top": ratio(lost, total)})
    return out


def trend_point(*, period: str, leads: int, avg_score, qualified: int, converted: int) -> dict:
    return {
        "period": period,
        "leads": leads,
        "avg_score": rounded_score(avg_score),
        "qualified": qualified,
        "converted": converted,
        "conversion_rate": ratio(converted, leads),
    }


def period_iso(value) -> str:
    """An ISO date from a truncated timestamp read as text ('2025-01-31 00:00:00[+00]') or a datetime."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:10]


def trends_from_rows(rows: list[dict], *, granularity: str) -> dict:
    """`queries.trend_rows` as the trend chart's points."""
    points = [
        trend_point(
            period=period_iso(r["period"]),
            leads=r["leads"],
            avg_score=r["avg_score"],
            qualified=r["qualified"],
            converted=r["converted"],
        )
        for r in rows
    ]
    return {"granularity": granularity, "points": points}


def migration(
    *,
    start: date,
    end: date,
    tiers: list,
    moved: dict[tuple[str, str], int],
    at_end: dict[str, int],
) -> dict:
    """The tier migration of a range: `moved` {(tier at the start or "", tier at the end): leads} over the
    leads whose tier changed in the range, `at_end` {tier: leads} over every lead scored by its end. Leads
    that kept their tier sit on the diagonal: at_end less the leads that moved in."""
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


def wound_back(now: dict[str, int], after: dict[tuple[str, str], int]) -> dict[str, int]:
    """{tier: leads} at a moment, from the current counts and the net moves since that moment
    {(tier then or "", tier now): leads}."""
    then = dict(now)
    for (tier_then, tier_now), n in after.items():
        then[tier_now] = then.get(tier_now, 0) - n
        if tier_then:
            then[tier_then] = then.get(tier_then, 0) + n
    return then


def scan_figures(rows: list[tuple], *, width: int, threshold: float, granularity: str) -> dict:
    """`queries.scan_rows` as this range's `cube`, the previous period's `previous_cube`, the `trends`
    points, and the `top_sources` and `geography` rows, each as the function of that name returns it."""
    out: dict = {"cube": [], "previous_cube": [], "points": [], "top_sources": [], "geography": []}
    for kind, cur, bucket, key, status, qualified, n, total, amount, converted in rows:
        if kind == "cube":
            cube = out["cube" if cur == 1 else "previous_cube"]
            cube.extend(
                cube_from_rows(
                    [(bucket, key, status, qualified, n, total, amount)], width=width, threshold=threshold
                )
            )
        elif kind == "trend":
            out["points"].append(
                trend_point(
                    period=period_iso(key),
                    leads=n,
                    avg_score=total,
                    qualified=int(amount or 0),
                    converted=int(converted or 0),
                )
            )
        else:
            group = {"leads": n, "converted": int(converted or 0), "revenue": amount or 0, "avg_score": total}
            out["top_sources" if kind == "source" else "geography"].append((key or "", group))
    out["points"].sort(key=lambda p: p["period"])
    out["trends"] = {"granularity": granularity, "points": out.pop("points")}
    # The order of the two ORDER BYs of SCAN_SQL (binary collation), whatever order the UNION returned.
    for name, order in (("top_sources", lambda g: -g["avg_score"]), ("geography", lambda g: -g["leads"])):
        ranked = sorted(out[name], key=lambda item, order=order: (order(item[1]), item[0]))
        out[name] = [{"name": key or "(unknown)", **shape_group(group)} for key, group in ranked]
    return out
