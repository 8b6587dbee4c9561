"""Rep pages: the lead list (a rep's own leads and the unassigned pool) and the lead page with its reasons."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from config.pages import nav_for, role_required
from config.roles import is_compliance, is_ops, is_rep
from scoring import charts, selectors, services
from scoring.models import LeadFeedback, LeadScore, ScoringProgram, Signal, TierDefinition, Trend

from .models import Lead
from .services import personal_data_read_record

PAGE_SIZE = 25
HOT_QUEUE_SIZE = 8
TREND_ARROWS = {Trend.RISING: "↑", Trend.FALLING: "↓", Trend.STABLE: "→"}
OPEN_STATUSES = (Lead.Status.NEW, Lead.Status.CONTACTED)


# ---------------------------------------------------------------- shared page plumbing


def program_from(request: HttpRequest) -> ScoringProgram:
    """The program named by ?program=<slug>, else the default one."""
    slug = request.GET.get("program")
    if slug:
        program = ScoringProgram.objects.filter(slug=slug).first()
        if program is not None:
            return program
    return selectors.program_default()


def sees_every_lead(user) -> bool:
    return is_ops(user) or is_compliance(user)


def visible_leads(user):
    """Leads this user may open: everything for ops and compliance; own and unassigned for a rep."""
    if sees_every_lead(user):
        return Lead.objects.all()
    if is_rep(user):
        return Lead.objects.filter(Q(owner=user) | Q(owner__isnull=True))
    raise PermissionDenied("Your role does not include lead pages.")


def tier_q(name: str, now) -> Q:
    """Leads whose effective tier is `name`: an active override's tier, else the model's."""
    override_active = ~Q(override_tier="") & (
        Q(override_expires_at__isnull=True) | Q(override_expires_at__gt=now)
    )
    return (override_active & Q(override_tier=name)) | (~override_active & Q(tier=name))


# ---------------------------------------------------------------- presentation helpers


def factor_view(factor) -> dict:
    """A top factor in plain words, whatever the explainer recorded: text and signed points."""
    if not isinstance(factor, dict):
        return {"text": str(factor), "impact": None, "signal": "", "against": False}
    text = factor.get("text") or factor.get("label") or factor.get("reason") or factor.get("name")
    signal = factor.get("signal") or factor.get("feature") or factor.get("key") or ""
    value = factor.get("value", factor.get("bin"))
    if not text:
        text = f"{signal}: {value}" if value not in (None, "") else str(signal)
    impact = None
    for key in ("points", "contribution", "impact", "effect", "weight"):
        if isinstance(factor.get(key), int | float):
            impact = float(factor[key])
            break
    against = (impact is not None and impact < 0) or factor.get("direction") in ("negative", "-", "against")
    return {"text": str(text), "impact": impact, "signal": signal, "against": against}


def split_factors(top_factors) -> tuple[list[dict], list[dict]]:
    """Factors for and against, each strongest first."""
    views = [factor_view(f) for f in (top_factors or [])]
    strength = lambda f: -abs(f["impact"] or 0)  # noqa: E731
    for_ = sorted((f for f in views if not f["against"]), key=strength)
    against = sorted((f for f in views if f["against"]), key=strength)
    return for_, against


def sla_view(score: LeadScore, tier: TierDefinition | None, status: str, now) -> dict | None:
    """Time left to respond to a lead still new in a tier with an SLA."""
    if tier is None or not tier.sla_hours or status != Lead.Status.NEW:
        return None
    due = score.tier_since + timedelta(hours=tier.sla_hours)
    seconds = (due - now).total_seconds()
    minutes = int(abs(seconds) // 60)
    span = f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
    if minutes >= 48 * 60:
        span = f"{minutes // (24 * 60)} days"
    if seconds < 0:
        return {"due": due, "state": "overdue", "text": f"Overdue {span}"}
    return {"due": due, "state": "due" if seconds < 3600 else "ok", "text": f"Respond within {span}"}


def score_row(score: LeadScore, tiers: dict[str, TierDefinition], now, *, with_sla: bool = True) -> dict:
    lead = score.lead
    tier_name = score.effective_tier
    tier = tiers.get(tier_name)
    for_, _ = split_factors(score.top_factors)
    top_tier = min(tiers.values(), key=lambda t: t.rank) if tiers else None
    return {
        "lead": lead,
        "score": score,
        "value": round(score.effective_score),
        "tier": tier_name,
        "colour": tier.colour if tier else "#7a8794",
        "overridden": score.override_active(now),
        "trend": score.trend,
        "arrow": TREND_ARROWS.get(score.trend, "→"),
        "top_reason": for_[0]["text"] if for_ else "",
        "action": tier.recommended_action if tier else "",
        "sla": sla_view(score, tier, lead.status, now) if with_sla and tier is top_tier else None,
    }


# ---------------------------------------------------------------- pages


def lead_sources() -> list[str]:
    """The source filter's options; a DISTINCT over every lead, so kept for five minutes."""
    sources = cache.get("leadscoring:lead-sources")
    if sources is None:
        sources = list(
            Lead.objects.exclude(source="")
            .order_by("source")
            .values_list("source", flat=True)
            .distinct()[:60]
        )
        cache.set("leadscoring:lead-sources", sources, 300)
    return sources


@role_required(is_rep, is_ops, is_compliance)
def leads(request: HttpRequest) -> HttpResponse:
    """My leads: sorted by score, filterable, paginated, with the Hot queue on top."""
    user = request.user
    program = program_from(request)
    tier_list = selectors.tiers_for(program=program)
    tiers = {t.name: t for t in tier_list}
    rep = None if sees_every_lead(user) else user
    now = timezone.now()
    base = selectors.lead_scores(program=program, rep=rep)

    tier = request.GET.get("tier", "")
    source = request.GET.get("source", "")
    status = request.GET.get("status", "")
    owner = request.GET.get("owner", "")
    search = request.GET.get("q", "").strip()
    qs = base
    if tier in tiers:
        qs = qs.filter(tier_q(tier, now))
    if source:
        qs = qs.filter(lead__source=source)
    if status in Lead.Status.values:
        qs = qs.filter(lead__status=status)
    if owner == "me":
        qs = qs.filter(lead__owner=user)
    elif owner == "pool":
        qs = qs.filter(lead__owner__isnull=True)
    if search:
        words = Q()
        for field in (
            "lead__first_name",
            "lead__last_name",
            "lead__email",
            "lead__account__name",
            "lead__title",
        ):
            words |= Q(**{f"{field}__icontains": search})
        qs = qs.filter(words)

    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [score_row(s, tiers, now) for s in page.object_list]

    hot_queue = []
    filtered = any([tier, source, status, owner, search])
    if tier_list and page.number == 1 and not filtered:
        best = tier_list[0]
        queue = base.filter(tier_q(best.name, now), lead__status__in=OPEN_STATUSES).order_by(
            "tier_since", "-score"
        )[:HOT_QUEUE_SIZE]
        hot_queue = [score_row(s, tiers, now) for s in queue]

    sources = lead_sources()
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "leadscoring/leads.html",
        {
            "nav": nav_for(user, "leads"),
            "program": program,
            "rows": rows,
            "page": page,
            "hot_queue": hot_queue,
            "hot_tier": tier_list[0] if tier_list else None,
            "tiers": tier_list,
            "sources": sources,
            "statuses": Lead.Status.choices,
            "filters": {"tier": tier, "source": source, "status": status, "owner": owner, "q": search},
            "filtered": filtered,
            "querystring": params.urlencode(),
            "rep_only": rep is not None,
            "show_owner": rep is None,
        },
    )


def _dimension_maxima(model) -> dict[str, float]:
    """The most points each dimension can add, from the version's learned caps when it recorded them."""
    if model is None:
        return {}
    for holder in (model.metrics, model.thresholds, model.guardrails):
        if not isinstance(holder, dict):
            continue
        for key in ("dimension_caps", "caps", "dimension_max"):
            value = holder.get(key)
            if isinstance(value, dict):
                return {k: float(v) for k, v in value.items() if isinstance(v, int | float)}
        scorecard = holder.get("scorecard")
        if isinstance(scorecard, dict) and isinstance(scorecard.get("caps"), dict):
            return {k: float(v) for k, v in scorecard["caps"].items() if isinstance(v, int | float)}
    return {}


def _subtotal_rows(subtotals: dict, maxima: dict, labels: dict) -> list[dict]:
    """Dimension subtotals as bars: against the dimension's cap when the version recorded caps, else
    against the largest subtotal, so the bars show what the score is made of."""
    values = {d: v for d, v in subtotals.items() if d in labels and isinstance(v, int | float)}
    scale = max((abs(v) for v in values.values()), default=0) or 1.0
    rows = []
    for dimension, label in labels.items():
        if dimension not in values:
            continue
        value = values[dimension]
        top = maxima.get(dimension)
        rows.append(
            {
                "label": label,
                "value": round(value, 1),
                "max": round(top, 1) if top else None,
                "percent": max(0, min(100, round(abs(value) / (top or scale) * 100))),
                "negative": value < 0,
            }
        )
    return rows


def _missing_rows(items, signal_names: dict) -> list[dict]:
    """Signals without data, in plain words, with how far each could move the score when known."""
    rows = []
    for item in items or []:
        if isinstance(item, dict):
            key = str(item.get("signal") or item.get("key") or item.get("name") or "")
            label = item.get("label") or signal_names.get(key, key)
            down, up = item.get("down"), item.get("up")
            span = ""
            if isinstance(down, int | float) and isinstance(up, int | float) and (down or up):
                span = f"{-abs(down):+.0f} to {abs(up):+.0f} points"
            rows.append({"label": label, "span": span})
        else:
            rows.append({"label": signal_names.get(str(item), str(item)), "span": ""})
    return rows


@role_required(is_rep, is_ops, is_compliance)
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One lead: score, tier, reasons, what is missing, what to do, its history and activity."""
    from scoring.models import Dimension

    user = request.user
    lead = get_object_or_404(visible_leads(user).select_related("account", "owner"), pk=pk)
    program = program_from(request)
    tier_list = selectors.tiers_for(program=program)
    tiers = {t.name: t for t in tier_list}
    now = timezone.now()
    score = LeadScore.objects.filter(lead=lead, program=program).select_related("model").first()
    history = list(
        selectors.lead_score_history(lead=lead, program=program)
        .select_related("actor")
        .order_by("-created_at")[:200]
    )[::-1]
    events = list(lead.events.all()[:40])
    feedback = list(lead.feedback.select_related("user")[:10])
    signal_names = dict(Signal.objects.filter(program=program).values_list("key", "name"))

    context = {
        "nav": nav_for(user, "leads"),
        "lead": lead,
        "program": program,
        "score": score,
        "events": events,
        "feedback": feedback,
        "verdicts": LeadFeedback.Verdict.choices,
        "can_feedback": is_rep(user) or is_ops(user),
        "history_rows": history[::-1][:12],
    }
    if score is not None:
        tier = tiers.get(score.effective_tier)
        for_, against = split_factors(score.top_factors)
        for f in for_ + against:
            if f["text"] in signal_names:
                f["text"] = signal_names[f["text"]]
        missing = []
        for item in score.missing_signals or []:
            key = (
                item.get("signal") or item.get("key") or item.get("name") if isinstance(item, dict) else item
            )
            missing.append(signal_names.get(str(key), str(key)))
        context.update(
            {
                "row": score_row(score, tiers, now, with_sla=False),
                "tier": tier,
                "sla": sla_view(score, tier, lead.status, now),
                "factors_for": for_[:6],
                "factors_against": against[:6],
                "missing": _missing_rows(score.missing_signals, signal_names),
                "subtotals": _subtotal_rows(
                    score.subtotals or {}, _dimension_maxima(score.model), dict(Dimension.choices)
                ),
            }
        )
    if history:
        points = []
        for snap in history:
            cause = snap.reason or snap.get_trigger_display()
            points.append(
                {
                    "at": snap.created_at.isoformat(),
                    "score": round(snap.score, 1),
                    "tier": snap.tier,
                    "previous_tier": snap.previous_tier,
                    "cause": cause,
                }
            )
        context["history_chart"] = charts.score_history_chart(points, tier_list)

    personal_data_read_record(leads=[lead], user=user, channel="page", action="view lead page")
    return render(request, "leadscoring/lead_detail.html", context)


@require_POST
@role_required(is_rep, is_ops)
def lead_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    """A rep's 'good lead' or 'bad fit / junk' verdict, with a reason, fed back into training."""
    lead = get_object_or_404(visible_leads(request.user), pk=pk)
    verdict = request.POST.get("verdict", "")
    reason = request.POST.get("reason", "")[:500]
    if verdict not in LeadFeedback.Verdict.values:
        messages.error(request, "Choose “Good lead” or “Bad fit / junk”.")
        return redirect("lead", pk=lead.pk)
    try:
        feedback = services.lead_feedback_record(lead=lead, user=request.user, verdict=verdict, reason=reason)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return redirect("lead", pk=lead.pk)
    messages.success(
        request,
        f"Thanks: {lead} marked as “{feedback.get_verdict_display()}”. It will count in the next training.",
    )
    return redirect("lead", pk=lead.pk)
