"""The rep productivity dashboard's figures and charts, each defined where it is computed.

Every figure is one aggregate query grouped by rep (a handful in all), bounded by the date range:
- contacts: RepContacts a rep logged in the range, split by the lead's tier now (top two tiers vs the rest);
- conversion: of the leads a rep owns that were created in the range, the share converted, per tier now;
- SLA compliance: of the clocks started in the range that were decided (contacted in time, or breached),
  the share contacted in time; by rep and by week;
- time to first contact: hours from a clock's start to the owner's contact that stopped it, median, per
  clocked tier (the clock is the lead's arrival in that tier);
- open pipeline: the average current score of a rep's open leads;
- workload: open leads in the top two tiers against the rep's weekly capacity.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncWeek

from leadscoring.models import Lead, Rep

from ..analytics.cache import dashboard_cached
from ..analytics.queries import date_bounds, latest_changes
from ..charts import ACCENT, ACCENT_2, MUTED, _layout, render
from ..models import LeadScore, TierDefinition
from .models import RepContact, SlaClock
from .queue import OPEN_STATUSES

MAX_CLOCK_ROWS = 20_000


def _reps_shown(*, viewer, only_user) -> list[Rep]:
    reps = Rep.objects.select_related("user").order_by("user__username")
    if only_user is not None:
        reps = reps.filter(Q(user=only_user) | Q(manager=only_user))
    return list(reps[:200])


def rep_productivity(*, program, start: date, end: date, viewer, only_user=None) -> dict:
    """The page's figures, kept a minute like the performance dashboard's; the key moves with every new
    decision, lead change and logged contact (a breach recorded meanwhile shows within the minute)."""
    reps = _reps_shown(viewer=viewer, only_user=only_user)
    latest_snapshot, latest_lead_change = latest_changes()
    latest_contact = RepContact.objects.order_by("-pk").values_list("pk", flat=True).first()
    key = (
        f"automation:reps:{program.pk}:{start}:{end}:{','.join(str(r.user_id) for r in reps)}:"
        f"{latest_snapshot}:{latest_lead_change}:{latest_contact}"
    )
    return dashboard_cached(
        key=key, compute=lambda: _figures(program=program, start=start, end=end, reps=reps)
    )


def _figures(*, program, start: date, end: date, reps: list[Rep]) -> dict:
    lo, hi = date_bounds(start, end)
    user_ids = [r.user_id for r in reps]
    tiers = list(TierDefinition.objects.filter(program=program).order_by("rank"))
    top_two = [t.name for t in tiers[:2]]

    # One row per contact and its lead's tier now (a lead has one score per program): no DISTINCT needed.
    contacts = defaultdict(lambda: {"hot_warm": 0, "other": 0})
    for rep_id, tier, n in (
        RepContact.objects.filter(
            rep_id__in=user_ids, occurred_at__gte=lo, occurred_at__lt=hi, lead__scores__program=program
        )
        .values_list("rep_id", "lead__scores__tier")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        contacts[rep_id]["hot_warm" if tier in top_two else "other"] += n

    # One pass over the reps' leads: created-in-range conversion and the open pipeline, per rep and tier.
    conversion = defaultdict(dict)
    pipeline_sum, pipeline_n, workload = defaultdict(float), defaultdict(int), defaultdict(int)
    in_range = Q(lead__created_at__gte=lo, lead__created_at__lt=hi)
    is_open = Q(lead__status__in=OPEN_STATUSES)
    for owner_id, tier, n, won, open_n, open_sum in (
        LeadScore.objects.filter(program=program, lead__owner_id__in=user_ids)
        .values_list("lead__owner_id", "tier")
        .annotate(
            n=Count("pk", filter=in_range),
            won=Count("pk", filter=in_range & Q(lead__status=Lead.Status.CONVERTED)),
            open_n=Count("pk", filter=is_open),
            open_sum=Sum("score", filter=is_open),
        )
        .order_by()
    ):
        if n:
            conversion[owner_id][tier] = {"n": n, "won": won, "rate": won / n}
        pipeline_n[owner_id] += open_n
        pipeline_sum[owner_id] += open_sum or 0.0
        if tier in top_two:
            workload[owner_id] += open_n
    pipeline = {owner: pipeline_sum[owner] / n for owner, n in pipeline_n.items() if n}

    decided = Q(breached_at__isnull=False) | Q(stop_reason="contact")
    met = Q(stop_reason="contact", stopped_at__lte=F("due_at"))
    clocks = SlaClock.objects.filter(owner_id__in=user_ids, started_at__gte=lo, started_at__lt=hi).filter(
        decided
    )
    sla = {
        owner_id: {"met": m, "decided": d}
        for owner_id, d, m in clocks.values_list("owner_id")
        .annotate(d=Count("pk"), m=Count("pk", filter=met))
        .order_by()
    }
    weekly = list(
        clocks.annotate(week=TruncWeek("started_at"))
        .values_list("week")
        .annotate(d=Count("pk"), m=Count("pk", filter=met))
        .order_by("week")
    )
    first_contact = defaultdict(list)
    stopped = clocks.filter(stop_reason="contact").values_list("tier", "started_at", "stopped_at")
    for tier, started, stopped_at in stopped.order_by("started_at")[:MAX_CLOCK_ROWS]:
        first_contact[tier].append((stopped_at - started).total_seconds() / 3600)

    rows = []
    for rep in reps:
        s = sla.get(rep.user_id, {"met": 0, "decided": 0})
        rows.append(
            {
                "rep": rep,
                "name": str(rep),
                "contacts_hot_warm": contacts[rep.user_id]["hot_warm"],
                "contacts_other": contacts[rep.user_id]["other"],
                "conversion": conversion[rep.user_id],
                "sla_met": s["met"],
                "sla_decided": s["decided"],
                "sla_rate": s["met"] / s["decided"] if s["decided"] else None,
                "pipeline_score": pipeline.get(rep.user_id),
                "workload": workload[rep.user_id],
                "capacity": rep.capacity,
            }
        )
    return {
        "reps": rows,
        "tiers": [t.name for t in tiers],
        "colours": {t.name: t.colour for t in tiers},
        "top_two": top_two,
        "sla_weekly": [
            {"week": f"{week:%Y-%m-%d}", "rate": m / d, "n": d}
            for week, d, m in weekly
            if week is not None and d
        ],
        "median_first_contact": {
            tier: statistics.median(hours) for tier, hours in first_contact.items() if hours
        },
    }


def rep_charts(data: dict) -> dict[str, str]:
    names = [r["name"] for r in data["reps"]]
    charts = {
        "sla": render(
            {
                "data": [
                    {
                        "type": "bar",
                        "x": names,
                        "y": [
                            None if r["sla_rate"] is None else round(r["sla_rate"] * 100, 1)
                            for r in data["reps"]
                        ],
                        "marker": {"color": ACCENT},
                        "hovertemplate": "%{x}: %{y}% of Hot leads contacted within the SLA<extra></extra>",
                    }
                ],
                "layout": _layout(yaxis={"title": {"text": "% contacted within SLA"}, "range": [0, 100]}),
            },
            div_id="chart-rep-sla",
            label="SLA compliance by rep",
        ),
        "workload": render(
            {
                "data": [
                    {
                        "type": "bar",
                        "name": "Open Hot + Warm",
                        "x": names,
                        "y": [r["workload"] for r in data["reps"]],
                        "marker": {"color": ACCENT},
                    },
                    {
                        "type": "bar",
                        "name": "Weekly capacity",
                        "x": names,
                        "y": [r["capacity"] for r in data["reps"]],
                        "marker": {"color": MUTED},
                    },
                ],
                "layout": _layout(barmode="group", showlegend=True, yaxis={"title": {"text": "leads"}}),
            },
            div_id="chart-rep-workload",
            label="Workload against capacity by rep",
        ),
        "conversion": render(
            {
                "data": [
                    {
                        "type": "bar",
                        "name": tier,
                        "marker": {"color": data["colours"].get(tier, MUTED)},
                        "x": names,
                        "y": [
                            None
                            if r["conversion"].get(tier, {}).get("rate") is None
                            else round(r["conversion"][tier]["rate"] * 100, 1)
                            for r in data["reps"]
                        ],
                    }
                    for tier in data["tiers"]
                ],
                "layout": _layout(barmode="group", showlegend=True, yaxis={"title": {"text": "% converted"}}),
            },
            div_id="chart-rep-conversion",
            label="Conversion rate by rep by tier",
        ),
    }
    if data["sla_weekly"]:
        charts["sla_weekly"] = render(
            {
                "data": [
                    {
                        "type": "scatter",
                        "mode": "lines+markers",
                        "x": [w["week"] for w in data["sla_weekly"]],
                        "y": [round(w["rate"] * 100, 1) for w in data["sla_weekly"]],
                        "line": {"color": ACCENT_2},
                    }
                ],
                "layout": _layout(yaxis={"title": {"text": "% within SLA"}, "range": [0, 100]}),
            },
            div_id="chart-sla-weekly",
            label="SLA compliance by week",
        )
    return charts
