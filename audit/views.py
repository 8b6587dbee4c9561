"""Lead Scoring Audit: every scoring decision, every configuration change, and the model's audit reports."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Case, Q, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.functional import cached_property

from config.pages import nav_for, role_required
from config.roles import is_compliance, is_ops
from leadscoring.models import Lead
from leadscoring.views import program_from
from scoring.models import ScoreSnapshot, ScoringModel, ScoringSettings, Signal, TierDefinition, Trigger
from scoring.views import date_range

from .models import PersonalDataAccess
from .reports import model_audit

PAGE_SIZE = 30
HISTORY_SIZE = 40
CHANGE_TYPES = {"+": "Created", "~": "Changed", "-": "Deleted"}


def search_filter(search: str) -> Q:
    """Decisions about the leads a search names, or whose reason contains it.

    A search with an "@" is an email (or its beginning): matched as a prefix of the lead's email, as typed
    or in lower case, through the email index, and not against names or reasons, so looking a lead up by
    email reads that lead's decisions only. Anything else is looked for in the email, the names and the
    reason, and matched exactly against the external id.

    The matching leads are read first and passed as a list of ids: given a subquery instead, PostgreSQL
    guessed a hundred matches and walked the whole log newest first looking for them (300 ms for a lead
    whose decisions are old, on 600,000 decisions); with the ids it reads each lead's decisions by index.
    """
    if "@" in search:
        leads = Lead.objects.filter(
            Q(external_id=search) | Q(email__startswith=search) | Q(email__startswith=search.lower())
        )
        return _leads_named(leads)
    leads = Lead.objects.filter(
        Q(external_id=search)
        | Q(email__icontains=search)
        | Q(last_name__icontains=search)
        | Q(first_name__icontains=search)
    )
    return _leads_named(leads) | Q(reason__icontains=search)


SEARCH_LEADS = 2000


def _leads_named(leads) -> Q:
    """The leads as a list of ids when there are at most SEARCH_LEADS of them, else as a subquery (a
    search that broad matches too many leads for a literal list, and the planner then expects many)."""
    ids = list(leads.order_by("pk").values_list("pk", flat=True)[: SEARCH_LEADS + 1])
    return Q(lead_id__in=ids) if len(ids) <= SEARCH_LEADS else Q(lead__in=leads.values("pk"))


class CappedPaginator(Paginator):
    """A paginator that counts matches only up to ten pages past the one asked for: on a log of millions
    of decisions an exact COUNT(*) reads them all. `capped` tells the page to show "N+" and an "Older"
    link always leads further, since the cap moves with the page."""

    AHEAD = 10

    def __init__(self, object_list, per_page, *, wanted=None):
        super().__init__(object_list, per_page)
        try:
            number = max(1, int(wanted))
        except (TypeError, ValueError):
            number = 1
        self.cap = (number + self.AHEAD) * per_page
        self.capped = False

    @cached_property
    def count(self) -> int:
        found = self.object_list[: self.cap + 1].count()
        self.capped = found > self.cap
        return min(found, self.cap)


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
        decisions = decisions.filter(search_filter(search))
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
    page = CappedPaginator(decisions.order_by("-pk"), PAGE_SIZE, wanted=request.GET.get("page")).get_page(
        request.GET.get("page")
    )
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
            "sections": model_audit(latest, program),
            "accesses": list(PersonalDataAccess.objects.select_related("user")[:15]),
        },
    )
