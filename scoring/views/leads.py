"""Rep pages: the lead list (a rep's own leads and the unassigned pool) and the lead page with its reasons."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from config.pages import nav_for, role_required
from config.roles import is_ops, is_rep
from leadscoring.models import Lead
from leadscoring.services import personal_data_read_record

from .. import charts, selectors, services
from ..automation import selectors as automation_selectors
from ..automation import services as automation_services
from ..automation.queue import CLOSED_STATUSES, OPEN_STATUSES, next_step
from ..engine.contracts import Factor, MissingSignal
from ..filters import LeadPageFilter
from ..forms import LeadFeedbackForm, RepContactForm
from ..models import Dimension, LeadFeedback, LeadScore, RepContact, ScoringModel, TierDefinition, Trend

PAGE_SIZE = 25
HOT_QUEUE_SIZE = 8
TREND_ARROWS = {Trend.RISING: "↑", Trend.FALLING: "↓", Trend.STABLE: "→"}
# The status filter's extra choices: the default ("") is open leads only; closed leads need asking for.
STATUS_ALL, STATUS_CLOSED = "all", "closed"
PAGE_FILTERS = ("tier", "source", "status", "owner", "q")


# ---------------------------------------------------------------- presentation helpers


def factor_view(factor: dict) -> dict:
    """A stored top factor for the page: its text and signed points."""
    reason = Factor.from_dict(factor)
    return {
        "text": reason.label,
        "impact": reason.points,
        "signal": reason.signal,
        "against": reason.points < 0,
    }


def missing_view(item: dict) -> dict:
    """A stored missing signal for the page: its name, and how far knowing it could move the score."""
    missing = MissingSignal.from_dict(item)
    down, up = missing.down, missing.up
    span = f"{-abs(down):+.0f} to {abs(up):+.0f} points" if (down or up) else ""
    return {"label": missing.label, "span": span}


def split_factors(top_factors) -> tuple[list[dict], list[dict]]:
    """Factors for and against, each strongest first."""
    views = [factor_view(f) for f in (top_factors or [])]
    strength = lambda f: -abs(f["impact"] or 0)  # noqa: E731
    for_ = sorted((f for f in views if not f["against"]), key=strength)
    against = sorted((f for f in views if f["against"]), key=strength)
    return for_, against


def score_row(score: LeadScore, tiers: dict[str, TierDefinition], now, *, clock=None) -> dict:
    lead = score.lead
    tier_name = score.effective_tier
    tier = tiers.get(tier_name)
    for_, _ = split_factors(score.top_factors)
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
        "action": next_step(status=lead.status, tier=tier),
        "sla": automation_selectors.clock_view(clock, now),
    }


def _status_scope(qs, status: str):
    """Open leads unless the status filter asks for closed ones, any, or one status."""
    if status == STATUS_ALL:
        return qs
    if status == STATUS_CLOSED:
        return qs.filter(lead__status__in=CLOSED_STATUSES)
    if status in Lead.Status.values:
        return qs.filter(lead__status=status)
    return qs.filter(lead__status__in=OPEN_STATUSES)


# ---------------------------------------------------------------- pages


@role_required(is_rep, is_ops)
def leads(request: HttpRequest) -> HttpResponse:
    """My leads: sorted by score, filterable, paginated, with the Hot queue on top."""
    user = request.user
    program = selectors.program_for_request(request)
    tier_list = selectors.tiers_for(program=program)
    tiers = {t.name: t for t in tier_list}
    rep_only = not selectors.sees_every_lead(user)
    now = timezone.now()
    base = selectors.lead_scores_visible(user=user, program=program)
    filters = {name: request.GET.get(name, "") for name in PAGE_FILTERS}
    filters["q"] = filters["q"].strip()
    query = request.GET.copy()
    query.pop("status", None)  # the status scope is applied here: open leads unless asked otherwise
    qs = _status_scope(
        LeadPageFilter(query, queryset=base, request=request, tiers=tier_list).qs, filters["status"]
    )

    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    hot_queue = []
    filtered = any(filters.values())
    queue = []
    if tier_list and page.number == 1 and not filtered:
        queue = list(
            selectors.hot_queue(scores=base, tier=tier_list[0], statuses=OPEN_STATUSES)[:HOT_QUEUE_SIZE]
        )
    clocks = automation_selectors.clocks_running(lead_ids=[s.lead_id for s in [*page.object_list, *queue]])
    rows = [score_row(s, tiers, now, clock=clocks.get(s.lead_id)) for s in page.object_list]
    hot_queue = [score_row(s, tiers, now, clock=clocks.get(s.lead_id)) for s in queue]

    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "scoring/leads.html",
        {
            "nav": nav_for(user, "leads"),
            "program": program,
            "rows": rows,
            "page": page,
            "hot_queue": hot_queue,
            "hot_tier": tier_list[0] if tier_list else None,
            "tiers": tier_list,
            "sources": selectors.lead_sources(),
            "statuses": [(STATUS_CLOSED, "Closed (converted or lost)"), *Lead.Status.choices],
            "status_all": STATUS_ALL,
            "filters": filters,
            "filtered": filtered,
            "querystring": params.urlencode(),
            "rep_only": rep_only,
            "show_owner": not rep_only,
        },
    )


def _dimension_maxima(model: ScoringModel | None) -> dict[str, float]:
    """The most points each dimension can add: a points model's learned caps (`scorecard["caps"]`, on the
    0-100 scale of its subtotals). A learner's subtotals are its own contributions, which no cap bounds."""
    if model is None or model.kind != ScoringModel.Kind.POINTS:
        return {}
    return {dimension: float(cap) for dimension, cap in (model.scorecard or {}).get("caps", {}).items()}


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


@role_required(is_rep, is_ops)
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One lead: score, tier, reasons, what is missing, what to do, its history and activity."""
    user = request.user
    lead = get_object_or_404(selectors.leads_visible(user=user).select_related("account", "owner"), pk=pk)
    program = selectors.program_for_request(request)
    tier_list = selectors.tiers_for(program=program)
    tiers = {t.name: t for t in tier_list}
    now = timezone.now()
    score = selectors.lead_score_of(lead=lead, program=program)
    history = list(
        selectors.lead_score_history(lead=lead, program=program)
        .select_related("actor")
        .order_by("-created_at")[:200]
    )[::-1]
    signal_names = selectors.signal_names(program=program)

    feedback = list(lead.feedback.select_related("user")[:10])
    context = {
        "nav": nav_for(user, "leads"),
        "lead": lead,
        "program": program,
        "score": score,
        "events": list(lead.events.all()[:40]),
        "feedback": feedback,
        "my_verdict": next((f for f in feedback if f.user_id == user.pk), None),
        "verdicts": LeadFeedback.Verdict.choices,
        "can_feedback": is_rep(user) or is_ops(user),
        "history_rows": history[::-1][:12],
        "sla": automation_selectors.clock_view(automation_selectors.clock_latest(lead=lead), now),
        "contacts": automation_selectors.contacts_of(lead=lead),
        "contact_kinds": RepContact.Kind.choices,
        "contact_outcomes": RepContact.Outcome.choices,
        "can_contact": is_rep(user) or is_ops(user),
        "assignments": automation_selectors.assignments_of(lead=lead),
    }
    if score is not None:
        tier = tiers.get(score.effective_tier)
        for_, against = split_factors(score.top_factors)
        for f in for_ + against:
            if f["text"] in signal_names:
                f["text"] = signal_names[f["text"]]
        context.update(
            {
                "row": score_row(score, tiers, now),
                "tier": tier,
                "factors_for": for_[:6],
                "factors_against": against[:6],
                "missing": [missing_view(item) for item in score.missing_signals or []],
                "subtotals": _subtotal_rows(
                    score.subtotals or {}, _dimension_maxima(score.model), dict(Dimension.choices)
                ),
            }
        )
    if history:
        points = [
            {
                "at": snap.created_at.isoformat(),
                "score": round(snap.score, 1),
                "tier": snap.tier,
                "previous_tier": snap.previous_tier,
                "cause": snap.reason or snap.get_trigger_display(),
            }
            for snap in history
        ]
        context["history_chart"] = charts.score_history_chart(points, tier_list)

    personal_data_read_record(leads=[lead], user=user, channel="page", action="view lead page")
    return render(request, "scoring/lead_detail.html", context)


@require_POST
@role_required(is_rep, is_ops)
def lead_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    """A rep's 'good lead' or 'bad fit / junk' verdict, with a reason, fed back into training."""
    lead = get_object_or_404(selectors.leads_visible(user=request.user), pk=pk)
    form = LeadFeedbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["verdict"]))
        return redirect("lead", pk=lead.pk)
    try:
        feedback = services.lead_feedback_record(lead=lead, user=request.user, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return redirect("lead", pk=lead.pk)
    messages.success(
        request,
        f"Thanks: {lead} marked as “{feedback.get_verdict_display()}”. It will count in the next training.",
    )
    return redirect("lead", pk=lead.pk)


@require_POST
@role_required(is_rep, is_ops)
def lead_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """A rep logs a call, e-mail, meeting or note with its outcome; the first one stops the SLA clock."""
    lead = get_object_or_404(selectors.leads_visible(user=request.user), pk=pk)
    form = RepContactForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{name}: {' '.join(errs)}" for name, errs in form.errors.items()))
        return redirect("lead", pk=lead.pk)
    try:
        contact = automation_services.contact_log(lead=lead, rep=request.user, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return redirect("lead", pk=lead.pk)
    messages.success(request, f"Logged: {contact.get_kind_display()} ({contact.get_outcome_display()}).")
    return redirect("lead", pk=lead.pk)
