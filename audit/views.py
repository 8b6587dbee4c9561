"""Lead Scoring Audit: every scoring decision, every configuration change, and the model's audit reports."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import cached_property

from config.pages import nav_for, role_required
from config.roles import is_compliance, is_ops
from scoring import selectors as selectors_scoring
from scoring.models import Trigger
from scoring.views.performance import date_range

from . import selectors
from .reports import model_audit

PAGE_SIZE = 30


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


@role_required(is_ops, is_compliance)
def audit_page(request: HttpRequest) -> HttpResponse:
    """Lead Scoring Audit: the decision log with search, configuration history and the audit reports."""
    program = selectors_scoring.program_for_request(request)
    start, end, _ = (
        date_range(request) if (request.GET.get("from") or request.GET.get("to")) else (None, None, "")
    )
    search = request.GET.get("q", "").strip()
    trigger = request.GET.get("trigger", "")
    tier = request.GET.get("tier", "")
    decisions = selectors.decisions_search(
        program=program,
        search=search,
        trigger=trigger if trigger in Trigger.values else "",
        tier=tier,
        start=start,
        end=end,
    )
    page = CappedPaginator(decisions, PAGE_SIZE, wanted=request.GET.get("page")).get_page(
        request.GET.get("page")
    )
    latest = selectors.model_latest_reported(program=program)
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
            "tiers": selectors.tier_names(program=program),
            "querystring": params.urlencode(),
            "changes": selectors.config_changes(),
            "latest": latest,
            "sections": model_audit(latest, program),
            "accesses": selectors.accesses_recent(),
        },
    )
