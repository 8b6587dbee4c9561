"""Reads of the scoring configuration and of lead scores."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from config import roles
from leadscoring.models import Lead

from .models import (
    ABTest,
    Job,
    LeadFeedback,
    LeadScore,
    ScoreSnapshot,
    ScoringModel,
    ScoringProgram,
    Signal,
    TierDefinition,
)


def program_default() -> ScoringProgram:
    """The default program; the data migration creates it and `services.defaults_ensure` puts it back."""
    program = ScoringProgram.objects.filter(is_default=True).first()
    if program is None:
        raise ScoringProgram.DoesNotExist("No default program: run migrate (or services.defaults_ensure).")
    return program


def program_by_slug(slug: str | None) -> ScoringProgram:
    """The program a slug names (404 when none does), or the default program when no slug is given."""
    if slug:
        return get_object_or_404(ScoringProgram, slug=slug[:64])
    return program_default()


def program_for_request(request) -> ScoringProgram:
    """`?program=<slug>` of a page or an API request (404 for an unknown slug), else the default program."""
    return program_by_slug(request.GET.get("program"))


def model_live(*, program: ScoringProgram) -> ScoringModel | None:
    return ScoringModel.objects.filter(program=program, status=ScoringModel.Status.LIVE).first()


def model_previous_live(*, program: ScoringProgram) -> ScoringModel | None:
    """The version that was live before the current one (the rollback target)."""
    live = model_live(program=program)
    if live is not None and live.replaces_id:
        return live.replaces
    return (
        ScoringModel.objects.filter(program=program, deployed_at__isnull=False)
        .exclude(status=ScoringModel.Status.LIVE)
        .order_by("-deployed_at")
        .first()
    )


def tiers_for(*, program: ScoringProgram) -> list[TierDefinition]:
    return list(TierDefinition.objects.filter(program=program).order_by("rank"))


def signals_active(*, program: ScoringProgram) -> list[Signal]:
    return list(Signal.objects.filter(program=program, active=True).order_by("key"))


# ---------------------------------------------------------------- which leads a user may see


def sees_every_lead(user) -> bool:
    """Ops, compliance and integrations read every lead; a rep reads their own and the unassigned pool."""
    return roles.has_role(user, roles.OPS, roles.COMPLIANCE, roles.INTEGRATION)


def _rep_q(user, prefix: str = "") -> Q:
    if sees_every_lead(user):
        return Q()
    if roles.is_rep(user):
        return Q(**{f"{prefix}owner": user}) | Q(**{f"{prefix}owner__isnull": True})
    raise PermissionDenied("Your role does not include leads.")


def leads_visible(*, user) -> QuerySet[Lead]:
    """The leads this user may open."""
    return Lead.objects.filter(_rep_q(user))


def lead_visible(*, user, lead: Lead) -> bool:
    try:
        rule = _rep_q(user)
    except PermissionDenied:
        return False
    return not rule or lead.owner_id is None or lead.owner_id == user.pk


def lead_scores_visible(*, user, program: ScoringProgram) -> QuerySet[LeadScore]:
    """The current scores of the leads this user may see, best model score first.

    Each row's `effective_score` / `effective_tier` is what to show and filter on: an active override's,
    else the model's (`effective_tier_q`, `effective_score_q`).
    """
    return (
        LeadScore.objects.filter(_rep_q(user, "lead__"), program=program)
        .select_related("lead", "lead__account", "lead__owner")
        .order_by("-score", "lead_id")
    )


def _override_active_q(now) -> Q:
    return Q(override_expires_at__isnull=True) | Q(override_expires_at__gt=now)


def effective_tier_q(name: str, *, now=None) -> Q:
    """Scores whose effective tier is `name`: an active override's tier, else the model's (as
    `LeadScore.effective_tier` reads it)."""
    overridden = ~Q(override_tier="") & _override_active_q(now or timezone.now())
    return (overridden & Q(override_tier=name)) | (~overridden & Q(tier=name))


def effective_score_q(lookup: str, value: float, *, now=None) -> Q:
    """Scores whose effective score satisfies `lookup` ("gte", "lte") against `value` (as
    `LeadScore.effective_score` reads it)."""
    overridden = Q(override_score__isnull=False) & _override_active_q(now or timezone.now())
    return (overridden & Q(**{f"override_score__{lookup}": value})) | (
        ~overridden & Q(**{f"score__{lookup}": value})
    )


def hot_queue(*, scores: QuerySet[LeadScore], tier: TierDefinition, statuses) -> QuerySet[LeadScore]:
    """Open leads in `tier` (effective), longest in the tier first: the ones to call now. A lead a rep
    called a bad fit leaves the queue (it waits for ops review)."""
    bad_fit = LeadFeedback.objects.filter(lead_id=OuterRef("lead_id"), verdict=LeadFeedback.Verdict.BAD_FIT)
    return (
        scores.filter(effective_tier_q(tier.name), lead__status__in=statuses)
        .exclude(Exists(bad_fit))
        .order_by("tier_since", "-score")
    )


def lead_sources() -> list[str]:
    """The lead list's source options; a DISTINCT over every lead, so kept for five minutes."""
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


def signal_names(*, program: ScoringProgram) -> dict[str, str]:
    return dict(Signal.objects.filter(program=program).values_list("key", "name"))


def lead_score_of(*, lead: Lead, program: ScoringProgram) -> LeadScore | None:
    return LeadScore.objects.filter(lead=lead, program=program).select_related("model").first()


def lead_score_history(*, lead, program: ScoringProgram, days: int | None = None) -> QuerySet[ScoreSnapshot]:
    qs = ScoreSnapshot.objects.filter(lead=lead, program=program).select_related("model")
    if days is not None:
        qs = qs.filter(created_at__gte=timezone.now() - timedelta(days=days))
    return qs.order_by("created_at")


def snapshot_in_force(*, lead, program: ScoringProgram, at: datetime) -> ScoreSnapshot | None:
    """The decision that stood for a lead at a moment: why it was in its tier then."""
    return (
        ScoreSnapshot.objects.filter(lead=lead, program=program, created_at__lte=at)
        .select_related("model")
        .order_by("-created_at")
        .first()
    )


SIGNAL_SNAPSHOT_FIELDS = (
    "key",
    "name",
    "dimension",
    "value_type",
    "source",
    "source_field",
    "event_kind",
    "window_days",
    "transformation",
    "points",
    "weight",
    "cap",
    "decay",
    "repeat_cap",
)


def signal_snapshot(signal: Signal) -> dict:
    """A signal as a version stores it: later edits to the Signal row never change a trained model."""
    return {name: getattr(signal, name) for name in SIGNAL_SNAPSHOT_FIELDS}


def signals_of_model(*, model: ScoringModel) -> list[Signal]:
    """The signals a version was trained with, as unsaved Signal objects for the frame builder."""
    return [
        Signal(program_id=model.program_id, **{k: v for k, v in row.items() if k in SIGNAL_SNAPSHOT_FIELDS})
        for row in model.signals
    ]


# ---------------------------------------------------------------- the settings page


def models_recent(*, program: ScoringProgram, limit: int = 20) -> list[ScoringModel]:
    return list(
        ScoringModel.objects.filter(program=program).select_related("created_by").order_by("-version")[:limit]
    )


def tier_lead_counts(*, program: ScoringProgram, won_statuses: list[str]) -> dict[str, dict]:
    """Per model tier: how many leads hold it now (`n`) and how many of them converted (`converted`)."""
    rows = (
        LeadScore.objects.filter(program=program)
        .values("tier")
        .annotate(n=Count("pk"), converted=Count("pk", filter=Q(lead__status__in=won_statuses)))
        .order_by()
    )
    return {row["tier"]: row for row in rows}


def training_jobs_recent(*, limit: int = 5) -> list[Job]:
    return list(Job.objects.filter(kind=Job.Kind.TRAIN).select_related("model", "created_by")[:limit])


def signals_of_program(*, program: ScoringProgram) -> list[Signal]:
    return list(Signal.objects.filter(program=program).order_by("dimension", "name"))


def ab_tests_recent(*, program: ScoringProgram, limit: int = 10) -> list[ABTest]:
    return list(
        ABTest.objects.filter(program=program)
        .select_related("champion", "challenger")
        .order_by("-pk")[:limit]
    )


def programs_active() -> list[ScoringProgram]:
    return list(ScoringProgram.objects.filter(active=True).only("name", "slug"))


# ---------------------------------------------------------------- API lists


def models_of_program(*, program: ScoringProgram, status: str | None = None) -> QuerySet[ScoringModel]:
    """A program's versions, newest first; only those in `status` when given."""
    qs = ScoringModel.objects.filter(program=program).select_related("program").order_by("-version")
    return qs.filter(status=status) if status else qs


def signals_listed(*, program: ScoringProgram, active: bool | None = None) -> QuerySet[Signal]:
    """A program's signals by dimension and key; only the active (or inactive) ones when `active` is given."""
    qs = Signal.objects.filter(program=program).select_related("program").order_by("dimension", "key")
    return qs if active is None else qs.filter(active=active)


def lead_ids_existing(*, lead_ids) -> set[int]:
    return set(Lead.objects.filter(pk__in=lead_ids).values_list("pk", flat=True))


def lead_scores_by_lead(*, program: ScoringProgram, lead_ids) -> dict[int, LeadScore]:
    return {row.lead_id: row for row in LeadScore.objects.filter(program=program, lead_id__in=lead_ids)}


def signal_rules_by_key(*, program: ScoringProgram) -> dict[str, dict]:
    """Each signal's validation rules (ops may tighten them after training; the current rules apply)."""
    return {
        key: rules or {}
        for key, rules in Signal.objects.filter(program=program).values_list("key", "validation_rules")
    }


def signal_key_taken(*, program: ScoringProgram, key: str) -> bool:
    return Signal.objects.filter(program=program, key=key).exists()
