"""Assignment: choose an active rep for each unassigned lead, record why, or leave it in the pool.

A rep's score for a lead adds, with the weights of AssignmentRules: a territory match (the lead's or its
account's country or region), an industry match, the room left in their weekly capacity, and their win
rate on leads of the same industry, shrunk toward the team's rate by `prior_leads` closed leads of team
history (a rep with 2 closed leads is mostly the team rate). A rep whose open Hot + Warm leads fill their
capacity gets none. Ties go to the rep assigned longest ago (round-robin). Reads are a few aggregates per
batch, never a query per lead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Max, Q

from leadscoring.models import Lead, Rep

from ..models import LeadScore
from .models import Assignment, AssignmentRules
from .queue import OPEN_STATUSES

TIE = 1e-9


@dataclass(slots=True)
class Candidate:
    rep: Rep
    load: int
    last_assigned: float  # epoch seconds of their last assignment; -inf for never
    wins: dict[str, tuple[int, int]] = field(default_factory=dict)  # industry -> (won, closed)

    @property
    def room(self) -> int:
        return self.rep.capacity - self.load


@dataclass(slots=True)
class Choice:
    lead_id: int
    rep_user_id: int | None
    reasons: list[str]


def _lead_places(lead: Lead) -> set[str]:
    account = lead.account
    places = {lead.country, getattr(account, "country", ""), getattr(account, "region", "")}
    return {p.strip().lower() for p in places if p and p.strip()}


def _candidates(*, program, tiers: list[str], exclude_user_ids=()) -> list[Candidate]:
    reps = list(
        Rep.objects.filter(active=True, user__is_active=True)
        .exclude(user_id__in=exclude_user_ids)
        .select_related("user")
    )
    if not reps:
        return []
    user_ids = [r.user_id for r in reps]
    loads = dict(
        LeadScore.objects.filter(
            program=program, tier__in=tiers, lead__owner_id__in=user_ids, lead__status__in=OPEN_STATUSES
        )
        .values_list("lead__owner_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    last = dict(
        Assignment.objects.filter(rep_id__in=user_ids)
        .values_list("rep_id")
        .annotate(at=Max("assigned_at"))
        .order_by()
    )
    history: dict[int, dict[str, tuple[int, int]]] = {}
    for owner_id, industry, won, closed in (
        Lead.objects.filter(owner_id__in=user_ids, status__in=[Lead.Status.CONVERTED, Lead.Status.LOST])
        .values_list("owner_id", "account__industry")
        .annotate(won=Count("pk", filter=Q(status=Lead.Status.CONVERTED)), closed=Count("pk"))
        .order_by()
    ):
        history.setdefault(owner_id, {})[industry or ""] = (won, closed)
    return [
        Candidate(
            rep=r,
            load=loads.get(r.user_id, 0),
            last_assigned=last[r.user_id].timestamp() if r.user_id in last else float("-inf"),
            wins=history.get(r.user_id, {}),
        )
        for r in reps
    ]


def _team_rates(candidates: list[Candidate]) -> dict[str, float]:
    totals: dict[str, list[int]] = {}
    for c in candidates:
        for industry, (won, closed) in c.wins.items():
            t = totals.setdefault(industry, [0, 0])
            t[0] += won
            t[1] += closed
    won_all = sum(t[0] for t in totals.values())
    closed_all = sum(t[1] for t in totals.values())
    overall = won_all / closed_all if closed_all else 0.0
    rates = {industry: (t[0] / t[1] if t[1] else overall) for industry, t in totals.items()}
    rates[""] = rates.get("", overall) if totals.get("") else overall
    rates["*"] = overall
    return rates


def _score(
    c: Candidate, lead: Lead, rules: AssignmentRules, team: dict[str, float]
) -> tuple[float, list[str]]:
    reasons = []
    points = 0.0
    places = _lead_places(lead)
    territory = (c.rep.territory or "").strip()
    if territory and territory.lower() in places:
        points += rules.territory_weight
        reasons.append(f"territory {territory}")
    industry = getattr(lead.account, "industry", "") or ""
    expert = {i.strip().lower() for i in (c.rep.industries or []) if isinstance(i, str)}
    if industry and industry.lower() in expert:
        points += rules.industry_weight
        reasons.append(f"industry expertise in {industry}")
    points += rules.workload_weight * (c.room / c.rep.capacity)
    reasons.append(f"{c.load} of {c.rep.capacity} capacity used")
    won, closed = c.wins.get(industry, (0, 0))
    prior_rate = team.get(industry, team["*"])
    shrunk = (
        (won + rules.prior_leads * prior_rate) / (closed + rules.prior_leads)
        if (closed + rules.prior_leads)
        else 0.0
    )
    points += rules.win_rate_weight * shrunk
    reasons.append(
        f"{shrunk:.0%} win rate on {industry or 'leads without an industry'} "
        f"({won} of {closed} closed, shrunk toward the team's {prior_rate:.0%})"
    )
    return points, reasons


def assignments_choose(*, leads: list[Lead], program, tiers: list[str], exclude_user_ids=()) -> list[Choice]:
    """The rep for each lead (or None: the pool), with the reasons; workload counts the leads given here."""
    rules = AssignmentRules.load()
    candidates = _candidates(program=program, tiers=tiers, exclude_user_ids=exclude_user_ids)
    team = _team_rates(candidates)
    choices = []
    for lead in leads:
        open_reps = [c for c in candidates if c.rep.capacity > 0 and c.room > 0]
        if not open_reps:
            full = ", ".join(f"{c.rep} {c.load} of {c.rep.capacity}" for c in candidates) or "no active reps"
            choices.append(Choice(lead.pk, None, [f"left in the pool: no active rep has room ({full})"]))
            continue
        scored = [(*_score(c, lead, rules, team), c) for c in open_reps]
        best = max(s[0] for s in scored)
        tied = [s for s in scored if best - s[0] <= TIE]
        tied.sort(key=lambda s: (s[2].last_assigned, s[2].rep.user_id))
        points, reasons, chosen = tied[0]
        if len(tied) > 1:
            reasons = [*reasons, f"tie with {len(tied) - 1} other rep(s), broken round-robin"]
        chosen.load += 1
        chosen.last_assigned = 1e12 + len(choices)  # after every earlier assignment, in this order
        choices.append(Choice(lead.pk, chosen.rep.user_id, reasons))
    return choices
