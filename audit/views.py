"""Lead Scoring Audit: every scoring decision, every configuration change, and the model's audit reports."""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.db.models import Case, Q, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from leadscoring.roles import is_compliance, is_ops
from leadscoring.views import nav_for, program_from, role_required
from scoring.models import ScoreSnapshot, ScoringModel, ScoringSettings, Signal, TierDefinition, Trigger
from scoring.views import date_range

from .models import PersonalDataAccess

PAGE_SIZE = 30
HISTORY_SIZE = 40
CHANGE_TYPES = {"+": "Created", "~": "Changed", "-": "Deleted"}
# The sections a trained version may record about its data and its fairness, in the order shown.
REPORT_SECTIONS = [
    ("data_quality", "Data quality", ("data_quality", "audit", "data_audit")),
    ("drift", "Drift", ("drift", "psi", "score_drift")),
    ("bias", "Bias and fairness", ("bias", "fairness")),
    ("errors", "Errors: false positives and negatives", ("errors", "error_analysis", "false_positives")),
]


def _label(record, kind: str) -> str:
    # Built from the history row's own columns: str() on a historical model may follow foreign keys.
    if kind == "ScoringModel":
        return f"Model v{record.version}: {record.name}"
    if kind == "ScoringSettings":
        return "Scoring settings"
    return f"{'Signal' if kind == 'Signal' else 'Tier'} “{record.name}”"


def config_changes(limit: int = HISTORY_SIZE) -> list[dict]:
    """The latest configuration changes across signals, tiers, settings and model versions (4 queries)."""
    rows = []
    for model in (Signal, TierDefinition, ScoringSettings, ScoringModel):
        kind = model.__name__
        admin_name = model._meta.model_name
        for record in model.history.select_related("history_user").order_by("-history_date")[:limit]:
            try:
                url = reverse(f"admin:scoring_{admin_name}_history", args=[record.id])
            except NoReverseMatch:
                url = ""
            rows.append(
                {
                    "at": record.history_date,
                    "kind": kind,
                    "label": _label(record, kind),
                    "type": CHANGE_TYPES.get(record.history_type, record.history_type),
                    "user": record.history_user,
                    "reason": record.history_change_reason or "",
                    "admin_url": url,
                }
            )
    rows.sort(key=lambda r: r["at"], reverse=True)
    return rows[:limit]


def _present(value) -> list[dict]:
    """A report section as rows of (name, text); nested structures are shown as compact JSON."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((str(i + 1), v) for i, v in enumerate(value))
    else:
        return [{"name": "", "text": str(value)}]
    rows = []
    for name, item in items:
        if isinstance(item, dict | list):
            text = json.dumps(item, indent=1, default=str)
            rows.append({"name": str(name).replace("_", " "), "text": text, "block": True})
        else:
            rows.append({"name": str(name).replace("_", " "), "text": str(item), "block": False})
    return rows


def report_sections(model: ScoringModel | None) -> list[dict]:
    metrics = model.metrics if model is not None and isinstance(model.metrics, dict) else {}
    sections = []
    for key, title, names in REPORT_SECTIONS:
        found = next((metrics[n] for n in names if metrics.get(n) not in (None, {}, [])), None)
        sections.append({"key": key, "title": title, "rows": _present(found) if found is not None else []})
    return sections


@role_required(is_ops, is_compliance)
def audit_page(request: HttpRequest) -> HttpResponse:
    """Lead Scoring Audit: the decision log with search, configuration history and the audit reports."""
    program = program_from(request)
    start, end, _ = (
        date_range(request) if (request.GET.get("from") or request.GET.get("to")) else (None, None, "")
    )
    search = request.GET.get("q", "").strip()
    trigger = request.GET.get("trigger", "")
    tier = request.GET.get("tier", "")
    decisions = ScoreSnapshot.objects.filter(program=program).select_related("lead", "model", "actor")
    if search:
        decisions = decisions.filter(
            Q(lead__email__icontains=search)
            | Q(lead__external_id=search)
            | Q(lead__last_name__icontains=search)
            | Q(lead__first_name__icontains=search)
            | Q(reason__icontains=search)
        )
    if trigger in Trigger.values:
        decisions = decisions.filter(trigger=trigger)
    if tier:
        decisions = decisions.filter(tier=tier)
    if start:
        from scoring.analytics import _bounds

        lo, hi = _bounds(start, end)
        decisions = decisions.filter(created_at__gte=lo, created_at__lt=hi)
    # Newest first in the order decisions were recorded: the log is append-only, and the primary key's
    # index serves this order at any size (created_at has no index of its own).
    page = Paginator(decisions.order_by("-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    # The live version's reports first: they describe the scores being given now.
    latest = (
        ScoringModel.objects.filter(program=program, trained_at__isnull=False)
        .order_by(Case(When(status=ScoringModel.Status.LIVE, then=0), default=1), "-trained_at")
        .first()
    )
    params = request.GET.copy()
    params.pop("page", None)
    filtered = any([search, trigger, tier, start])
    return render(
        request,
        "audit/audit.html",
        {
            "nav": nav_for(request.user, "audit"),
            "program": program,
            "page": page,
            "filters": {"q": search, "trigger": trigger, "tier": tier, "from": start or "", "to": end or ""},
            "filtered": filtered,
            "triggers": Trigger.choices,
            "tiers": list(TierDefinition.objects.filter(program=program).values_list("name", flat=True)),
            "querystring": params.urlencode(),
            "changes": config_changes(),
            "latest": latest,
            "sections": report_sections(latest),
            "accesses": list(PersonalDataAccess.objects.select_related("user")[:15]),
        },
    )
