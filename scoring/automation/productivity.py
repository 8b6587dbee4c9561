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

from django.db.models import Avg, Count, Q

from leadscoring.models import Lead, Rep

from ..analytics.queries import date_bounds
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
    lo, hi = date_bounds(start, end)
    reps = _reps_shown(viewer=viewer, only_user=only_user)
    user_ids = [r.user_id for r in reps]
    tiers = list(TierDefinition.objects.filter(program=program).order_by("rank"))
    top_two = [t.name for t in tiers[:2]]

    contacts = defaultdict(lambda: {"hot_warm": 0, "other": 0})
    for rep_id, hot_warm, total in (
        RepContact.objects.filter(rep_id__in=user_ids, occurred_at__gte=lo, occurred_at__lt=hi)
        .values_list("rep_id")
        .annotate(
            hot_warm=Count("pk", filter=Q(lead__scores__program=program, lead__scores__tier__in=top_two)),
            total=Count("pk"),
        )
        .order_by()
    ):
        contacts[rep_id] = {"hot_warm": hot_warm, "other": total - hot_warm}

    conversion = defaultdict(dict)
    for owner_id, tier, n, won in (
        LeadScore.objects.filter(
            program=program, lead__owner_id__in=user_ids, lead__created_at__gte=lo, lead__created_at__lt=hi
        )
        .values_list("lead__owner_id", "tier")
        .annotate(n=Count("pk"), won=Count("pk", filter=Q(lead__status=Lead.Status.CONVERTED)))
        .order_by()
    ):
        conversion[owner_id][tier] = {"n": n, "won": won, "rate": won / n if n else None}

    open_scores = LeadScore.objects.filter(
        program=program, lead__owner_id__in=user_ids, lead__status__in=OPEN_STATUSES
    )
    pipeline = dict(open_scores.values_list("lead__owner_id").annotate(avg=Avg("score")).order_by())
    workload = dict(
        open_scores.filter(tier__in=top_two).values_list("lead__owner_id").annotate(n=Count("pk")).order_by()
    )

    clocks = list(
        SlaClock.objects.filter(owner_id__in=user_ids, started_at__gte=lo, started_at__lt=hi)
        .filter(Q(breached_at__isnull=False) | Q(stop_reason="contact"))
        .values_list("owner_id", "tier", "started_at", "stopped_at", "due_at", "stop_reason")
        .order_by("started_at")[:MAX_CLOCK_ROWS]
    )
    sla = defaultdict(lambda: {"met": 0, "decided": 0})
    weekly = defaultdict(lambda: {"met": 0, "decided": 0})
    first_contact = defaultdict(list)
    for owner_id, tier, started, stopped, due, reason in clocks:
        met = reason == "contact" and stopped is not None and stopped <= due
        for bucket in (sla[owner_id], weekly[started.date().isocalendar()[:2]]):
            bucket["decided"] += 1
            bucket["met"] += int(met)
        if reason == "contact" and stopped is not None:
            first_contact[tier].append((stopped - started).total_seconds() / 3600)

    rows = []
    for rep in reps:
        s = sla[rep.user_id]
        rows.append(
            {
                "rep": rep,
                "name": str(rep),
                "contacts_hot_warm": contacts[rep.user_id]["hot_warm"],
                "contacts_other": contacts[rep.user_id]["other"],
                "conversion": conversion.get(rep.user_id, {}),
                "sla_met": s["met"],
                "sla_decided": s["decided"],
                "sla_rate": s["met"] / s["decided"] if s["decided"] else None,
                "pipeline_score": pipeline.get(rep.user_id),
                "workload": workload.get(rep.user_id, 0),
                "capacity": rep.capacity,
            }
        )
    weeks = sorted(weekly)
    return {
        "reps": rows,
        "tiers": [t.name for t in tiers],
        "colours": {t.name: t.colour for t in tiers},
        "top_two": top_two,
        "sla_weekly": [
            {
                "week": f"{y}-W{w:02d}",
                "rate": weekly[(y, w)]["met"] / weekly[(y, w)]["decided"],
                "n": weekly[(y, w)]["decided"],
            }
            for y, w in weeks
        ],
        "median_first_contact": {
            tier: statistics.median(hours) for tier, hours in first_contact.items() if hours
        },
        "clocks_truncated": len(clocks) == MAX_CLOCK_ROWS,
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
