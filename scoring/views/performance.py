"""Ops pages: `/` and the performance dashboard."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from config.pages import nav_for, role_required
from config.roles import is_compliance, is_ops, is_rep

from .. import analytics, charts, selectors

MAX_RANGE_DAYS = 3 * 366


def date_range(request: HttpRequest) -> tuple[date, date, str]:
    """The ?from=&to= range (ISO dates), the default last 90 days, and a message when the input was bad."""
    default_start, default_end = analytics.default_range()
    raw_from, raw_to = request.GET.get("from", ""), request.GET.get("to", "")
    problem = ""
    try:
        start = date.fromisoformat(raw_from) if raw_from else default_start
        end = date.fromisoformat(raw_to) if raw_to else default_end
    except ValueError:
        return default_start, default_end, "Dates must look like 2025-01-31; showing the last 90 days."
    if start > end:
        start, end = end, start
        problem = "The start was after the end; the two dates were swapped."
    if (end - start).days > MAX_RANGE_DAYS:
        start = date.fromordinal(end.toordinal() - MAX_RANGE_DAYS)
        problem = "Ranges are limited to three years; the start was moved."
    return start, end, problem


def home(request: HttpRequest) -> HttpResponse:
    """`/`: the performance dashboard for ops and compliance; a rep's home is their lead list."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if is_ops(user) or is_compliance(user):
        return performance(request)
    if is_rep(user):
        return redirect("leads")
    raise PermissionDenied("Your role does not include these pages.")


@role_required(is_ops, is_compliance)
def performance(request: HttpRequest) -> HttpResponse:
    """Lead Scoring Performance: KPIs and charts for a date range."""
    program = selectors.program_for_request(request)
    start, end, problem = date_range(request)
    if problem:
        messages.warning(request, problem)
    data = analytics.performance(program=program, start=start, end=end)
    tiers = selectors.tiers_for(program=program)
    has_leads = data["kpis"]["lead_volume"] > 0
    chart_html = {}
    if has_leads:
        chart_html = {
            "distribution": charts.score_histogram(data["score_distribution"], tiers),
            "funnel": charts.funnel_chart(data["funnel"]),
            "tiers": charts.tier_conversion_chart(data["by_tier"]),
            "bands": charts.band_roi_chart(data["by_score_band"]),
            "trends": charts.trends_chart(data["trends"]),
            "sources": charts.sources_chart(data["top_sources"]) if data["top_sources"] else "",
            "geography": charts.geography_chart(data["geography"]) if data["geography"] else "",
            "migration": charts.migration_chart(data["tier_migration"])
            if data["tier_migration"]["flows"]
            else "",
        }
    k = data["kpis"]
    return render(
        request,
        "scoring/performance.html",
        {
            "nav": nav_for(request.user, "performance"),
            "program": program,
            "programs": selectors.programs_active(),
            "start": start,
            "end": end,
            "data": data,
            "k": k,
            "kpi_cards": _kpi_cards(k),
            "charts": chart_html,
            "has_leads": has_leads,
            "migration_rows": _migration_rows(data["tier_migration"]),
        },
    )


def _migration_rows(migration: dict) -> list[dict]:
    """The migration matrix as table rows; the diagonal (kept their tier) is marked."""
    return [
        {
            "tier": tier_from,
            "colour": migration["colours"].get(tier_from, ""),
            "cells": [
                {"leads": n, "stayed": tier_from == tier_to}
                for tier_to, n in zip(migration["to_tiers"], row, strict=True)
            ],
        }
        for tier_from, row in zip(migration["from_tiers"], migration["matrix"], strict=True)
    ]


def _delta(current, previous, *, percent_points: bool = False) -> dict | None:
    if current is None or previous is None:
        return None
    diff = current - previous
    if percent_points:
        return {"text": f"{diff * 100:+.1f} pts vs previous period", "up": diff > 0, "down": diff < 0}
    if isinstance(current, float) and not float(current).is_integer():
        return {"text": f"{diff:+.1f} vs previous period", "up": diff > 0, "down": diff < 0}
    return {"text": f"{diff:+,.0f} vs previous period", "up": diff > 0, "down": diff < 0}


def _pct(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _kpi_cards(k: dict) -> list[dict]:
    p = k["previous"]
    auc = f"AUC {k['model_auc']:.2f} on holdout" if k.get("model_auc") is not None else "of closed leads"
    return [
        {
            "label": "Lead volume",
            "value": f"{k['lead_volume']:,}",
            "delta": _delta(k["lead_volume"], p["lead_volume"]),
        },
        {
            "label": "Average score",
            "value": "—" if k["average_score"] is None else f"{k['average_score']:.1f}",
            "delta": _delta(k["average_score"], p["average_score"]),
        },
        {
            "label": f"High quality (≥ {k['qualification_threshold']:.0f})",
            "value": _pct(k["qualified_share"]),
            "delta": _delta(k["qualified_share"], p["qualified_share"], percent_points=True),
        },
        {
            "label": "Conversion rate",
            "value": _pct(k["conversion_rate"]),
            "delta": _delta(k["conversion_rate"], p["conversion_rate"], percent_points=True),
        },
        {"label": "Model accuracy", "value": _pct(k["model_accuracy"]), "delta": {"text": auc}},
        {
            "label": "Revenue attributed",
            "value": f"${k['revenue_attributed']:,.0f}",
            "delta": _delta(k["revenue_attributed"], p["revenue_attributed"]),
        },
    ]
