"""Reads for the audit page: the decision log searched and filtered, configuration history, recent reads."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Case, Q, QuerySet, When
from django.urls import NoReverseMatch, reverse

from leadscoring.models import Lead
from scoring.analytics import date_bounds
from scoring.models import (
    ScoreSnapshot,
    ScoringModel,
    ScoringProgram,
    ScoringSettings,
    Signal,
    TierDefinition,
)

from .models import PersonalDataAccess

HISTORY_SIZE = 40
CHANGE_TYPES = {"+": "Created", "~": "Changed", "-": "Deleted"}


def decisions_search(
    *,
    program: ScoringProgram,
    search: str = "",
    trigger: str = "",
    tier: str = "",
    start: date | None = None,
    end: date | None = None,
) -> QuerySet[ScoreSnapshot]:
    """A program's decisions, newest first in the order they were recorded: the log is append-only, and the
    primary key's index serves this order at any size (created_at has no index of its own)."""
    decisions = ScoreSnapshot.objects.filter(program=program).select_related("lead", "model", "actor")
    if search:
        decisions = decisions.filter(search_filter(search))
    if trigger:
        decisions = decisions.filter(trigger=trigger)
    if tier:
        decisions = decisions.filter(tier=tier)
    if start:
        lo, hi = date_bounds(start, end)
        decisions = decisions.filter(created_at__gte=lo, created_at__lt=hi)
    return decisions.order_by("-pk")


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


def lead_decisions(
    *, lead: Lead, program: ScoringProgram, since: datetime | None = None, until: datetime | None = None
) -> QuerySet[ScoreSnapshot]:
    """Every decision about a lead in a program, newest first, within [since, until] when given."""
    decisions = ScoreSnapshot.objects.filter(lead=lead, program=program).select_related("model", "actor")
    if since is not None:
        decisions = decisions.filter(created_at__gte=since)
    if until is not None:
        decisions = decisions.filter(created_at__lte=until)
    return decisions.order_by("-created_at", "-id")


def model_latest_reported(*, program: ScoringProgram) -> ScoringModel | None:
    """The live version if it was trained, else the latest trained one: its reports describe the scores being
    given now."""
    return (
        ScoringModel.objects.filter(program=program, trained_at__isnull=False)
        .order_by(Case(When(status=ScoringModel.Status.LIVE, then=0), default=1), "-trained_at")
        .first()
    )


def tier_names(*, program: ScoringProgram) -> list[str]:
    return list(TierDefinition.objects.filter(program=program).values_list("name", flat=True))


def accesses_recent(*, limit: int = 15) -> list[PersonalDataAccess]:
    return list(PersonalDataAccess.objects.select_related("user")[:limit])


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


def person_lead(*, ref: str) -> Lead | None:
    """The lead a data-subject request names: by id (digits), e-mail (with an @) or external id."""
    ref = (ref or "").strip()
    if not ref:
        return None
    if "@" in ref:
        return Lead.objects.filter(Q(email=ref) | Q(email=ref.lower())).order_by("pk").first()
    found = Lead.objects.filter(external_id=ref).order_by("pk").first()
    if found is None and ref.isdigit() and len(ref) <= 18:
        found = Lead.objects.filter(pk=int(ref)).first()
    return found


ACTIVITY_KINDS = ("sign-in", "config", "export", "erasure", "admin", "read")


def activity_stream(
    *, start=None, end=None, kind: str = "", actor: str = "", limit: int | None = 200
) -> list[dict]:
    """One stream of what people did, newest first: sign-ins (and failures, lock-outs), configuration
    changes, exports, erasures, admin actions and personal-data reads. Each row: at, kind, actor, ip, what.
    Only sign-ins record an address; the other sources never stored one."""
    from django.contrib.admin.models import LogEntry

    from .models import Erasure, ExportLog, UserActivity

    def window(queryset, field: str):
        if start is not None:
            queryset = queryset.filter(**{f"{field}__gte": start})
        if end is not None:
            queryset = queryset.filter(**{f"{field}__lt": end})
        order = queryset.order_by(f"-{field}")
        return order[:limit] if limit else order.iterator(chunk_size=2000)

    def user_name(user) -> str:
        return user.get_username() if user is not None else ""

    def entry(at, kind: str, actor: str, what: str, ip: str = "") -> dict:
        return {"at": at, "kind": kind, "actor": actor, "ip": ip, "what": what}

    rows: list[dict] = []
    if kind in ("", "sign-in"):
        for a in window(UserActivity.objects.select_related("user"), "created_at"):
            rows.append(
                entry(
                    a.created_at, "sign-in", user_name(a.user) or a.username, a.get_kind_display(), a.ip or ""
                )
            )
    if kind in ("", "config"):
        for change in config_changes(limit=limit or 10**9):
            if (start is None or change["at"] >= start) and (end is None or change["at"] < end):
                reason = f" ({change['reason']})" if change["reason"] else ""
                what = f"{change['type']} {change['label']}{reason}"
                rows.append(entry(change["at"], "config", user_name(change["user"]), what))
    if kind in ("", "export"):
        for e in window(ExportLog.objects.select_related("user"), "created_at"):
            what = f"{e.kind}: {e.rows:,} rows, sha256 {e.sha256[:12]}"
            rows.append(entry(e.created_at, "export", user_name(e.user), what))
    if kind in ("", "erasure"):
        for e in window(Erasure.objects.select_related("user"), "created_at"):
            what = f"lead {e.lead_id} erased ({e.request_ref or e.reason})"
            rows.append(entry(e.created_at, "erasure", user_name(e.user), what))
    if kind in ("", "admin"):
        for e in window(LogEntry.objects.select_related("user", "content_type"), "action_time"):
            model = e.content_type.name if e.content_type else ""
            what = f"{e.get_change_message() or 'changed'}: {model} {e.object_repr}"
            rows.append(entry(e.action_time, "admin", user_name(e.user), what))
    if kind in ("", "read"):
        for a in window(PersonalDataAccess.objects.select_related("user"), "created_at"):
            what = f"{a.channel} {a.action}: lead {a.lead_external_id}"
            rows.append(entry(a.created_at, "read", user_name(a.user) or a.integration, what))
    if actor:
        rows = [r for r in rows if actor.lower() in (r["actor"] or "").lower()]
    rows.sort(key=lambda r: r["at"], reverse=True)
    return rows[:limit] if limit else rows


def decisions_summary(*, program: ScoringProgram, start, end) -> dict:
    """Decisions in [start, end): how many, per cause and per tier (two grouped queries)."""
    from django.db.models import Count

    decisions = ScoreSnapshot.objects.filter(program=program, created_at__gte=start, created_at__lt=end)
    by_trigger = list(decisions.values("trigger").annotate(n=Count("pk")).order_by("-n"))
    by_tier = list(decisions.values("tier").annotate(n=Count("pk")).order_by("-n"))
    return {"total": sum(r["n"] for r in by_trigger), "by_trigger": by_trigger, "by_tier": by_tier}
