"""Ops pages: the performance dashboard and the settings page (edits go through scoring.services)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from config.pages import nav_for, role_required
from config.roles import is_compliance, is_ops, is_rep
from leadscoring.views import program_from

from . import analytics, charts, selectors, services
from .models import ABTest, Job, LeadScore, ScoringModel, ScoringSettings, Signal, TierDefinition

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
    program = program_from(request)
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
            "programs": _programs(),
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


def _programs():
    from .models import ScoringProgram

    return list(ScoringProgram.objects.filter(active=True).only("name", "slug"))


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


# ---------------------------------------------------------------- settings


def _metric(model: ScoringModel, *names):
    metrics = model.metrics if isinstance(model.metrics, dict) else {}
    for holder in (metrics, metrics.get("holdout"), metrics.get("validation"), metrics.get("overall")):
        if isinstance(holder, dict):
            for name in names:
                value = holder.get(name)
                if isinstance(value, int | float):
                    return value
    return None


def _model_row(model: ScoringModel) -> dict:
    return {
        "model": model,
        "auc": _metric(model, "auc", "roc_auc"),
        "pr_auc": _metric(model, "pr_auc", "average_precision"),
        "brier": _metric(model, "brier", "brier_score"),
        "lift": _metric(model, "top_decile_lift", "lift_top_decile", "lift_at_10"),
    }


def _expected_conversion(live: ScoringModel | None) -> dict[str, float]:
    """Expected conversion per tier, from the live version's thresholds when training recorded it."""
    if live is None or not isinstance(live.thresholds, dict):
        return {}
    out = {}
    for item in live.thresholds.get("expected") or []:
        name = item.get("name", item.get("tier")) if isinstance(item, dict) else None
        if name is not None:
            rate = item.get("win_rate", item.get("conversion_rate", item.get("expected_conversion")))
            if isinstance(rate, int | float):
                out[str(name)] = rate
    return out


@role_required(is_ops)
def scoring_settings(request: HttpRequest) -> HttpResponse:
    """Lead Scoring Settings: models, tiers, signals, training and A/B tests; every edit is a service call."""
    program = program_from(request)
    if request.method == "POST":
        return _settings_post(request, program)
    tiers = selectors.tiers_for(program=program)
    live = selectors.model_live(program=program)
    models = list(
        ScoringModel.objects.filter(program=program).select_related("created_by").order_by("-version")[:20]
    )
    challengers = [
        m
        for m in models
        if m.status
        in (ScoringModel.Status.SHADOW, ScoringModel.Status.VALIDATED, ScoringModel.Status.TRAINED)
    ]
    counts = {
        r["tier"]: r
        for r in LeadScore.objects.filter(program=program)
        .values("tier")
        .annotate(
            n=Count("pk"), converted=Count("pk", filter=Q(lead__status__in=analytics.won_statuses(program)))
        )
        .order_by()
    }
    total = sum(r["n"] for r in counts.values())
    expected = _expected_conversion(live)
    tier_rows = []
    for i, tier in enumerate(tiers):
        row = counts.get(tier.name, {"n": 0, "converted": 0})
        upper = tiers[i - 1].lower_bound if i > 0 else 100
        tier_rows.append(
            {
                "tier": tier,
                "upper": upper,
                "leads": row["n"],
                "share": row["n"] / total if total else None,
                "observed": row["converted"] / row["n"] if row["n"] else None,
                "expected": expected.get(tier.name),
            }
        )
    jobs = list(Job.objects.filter(kind=Job.Kind.TRAIN).select_related("model", "created_by")[:5])
    running = [j for j in jobs if j.status in (Job.Status.QUEUED, Job.Status.RUNNING)]
    training_models = [m for m in models if m.status == ScoringModel.Status.TRAINING]
    return render(
        request,
        "scoring/settings.html",
        {
            "nav": nav_for(request.user, "settings"),
            "program": program,
            "live": live,
            "live_row": _model_row(live) if live else None,
            "challengers": challengers,
            "model_rows": [_model_row(m) for m in models],
            "tier_rows": tier_rows,
            "signals": list(Signal.objects.filter(program=program).order_by("dimension", "name")),
            "settings_row": ScoringSettings.load(),
            "jobs": jobs,
            "running": running or training_models,
            "ab_tests": list(
                ABTest.objects.filter(program=program)
                .select_related("champion", "challenger")
                .order_by("-pk")[:10]
            ),
            "kinds": ScoringModel.Kind.choices,
            "model_types": ScoringModel.ModelType.choices,
        },
    )


SETTINGS_FIELDS = {
    "stale_after_days": int,
    "trend_window_days": int,
    "trend_band": float,
    "hysteresis": float,
    "hot_capacity": int,
    "low_confidence_below": float,
}
TIER_FIELDS = {"lower_bound": float, "sla_hours": int, "recommended_action": str, "cadence_days": int}


def _parse(post, fields: dict) -> dict:
    """Typed values of the fields present in the form; blank optional numbers become None."""
    out = {}
    for name, kind in fields.items():
        if name not in post:
            continue
        raw = post.get(name, "").strip()
        if kind is str:
            out[name] = raw
        elif raw == "":
            out[name] = None
        else:
            try:
                out[name] = kind(raw)
            except ValueError as exc:
                raise ValidationError({name: [f"“{raw}” is not a number"]}) from exc
    return out


def _settings_post(request: HttpRequest, program) -> HttpResponse:
    """One action per form; each parses its input and calls one service."""
    action = request.POST.get("action", "")
    actor = request.user
    try:
        if action == "settings":
            services.scoring_settings_update(actor=actor, **_parse(request.POST, SETTINGS_FIELDS))
            messages.success(request, "Scoring settings saved.")
        elif action == "tier":
            tier = get_object_or_404(TierDefinition, pk=request.POST.get("tier"), program=program)
            services.tier_update(tier=tier, actor=actor, **_parse(request.POST, TIER_FIELDS))
            messages.success(request, f"Tier {tier.name} saved.")
        elif action == "signal":
            signal = get_object_or_404(Signal, pk=request.POST.get("signal"), program=program)
            fields = _parse(request.POST, {"weight": float, "points": float})
            fields = {k: v for k, v in fields.items() if v is not None}
            fields["active"] = request.POST.get("active") == "on"
            services.signal_update(signal=signal, actor=actor, **fields)
            messages.success(request, f"Signal “{signal.name}” saved.")
        elif action == "deploy":
            model = get_object_or_404(ScoringModel, pk=request.POST.get("model"), program=program)
            services.model_deploy(
                model=model, actor=actor, override_reason=request.POST.get("override_reason", "")
            )
            messages.success(request, f"v{model.version} is live; leads are being rescored.")
        elif action == "rollback":
            model = services.model_rollback(program=program, actor=actor)
            messages.success(request, f"Rolled back: v{model.version} is live again.")
        elif action == "train":
            kind = request.POST.get("kind") or ScoringModel.Kind.LEARNER
            model_type = request.POST.get("model_type") or ScoringModel.ModelType.AUTO
            name = request.POST.get("name", "").strip() or "Retrained from the pages"
            model = services.model_create(
                program=program, name=name, kind=kind, model_type=model_type, actor=actor
            )
            services.model_train_start(model=model, actor=actor)
            messages.success(request, f"Training v{model.version} started.")
        else:
            messages.error(request, "Unknown action.")
    except ValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        text = "; ".join(
            f"{k.replace('_', ' ')}: {' '.join(v)}" if k else " ".join(v) for k, v in detail.items()
        )
        messages.error(request, f"Not saved. {text}")
    except (services.DeployRefused, services.TrainingRefused) as exc:
        messages.error(request, str(exc))
    suffix = f"?program={program.slug}" if request.GET.get("program") else ""
    return redirect(f"{request.path}{suffix}")
