"""`leads`: the scored leads a caller may see, one lead with its score and history, upsert and update."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from config.api.caller import actor_of
from config.api.common import ApiView
from config.api.pagination import StandardPagination
from config.api.permissions import READERS_ALL, WRITERS_DATA
from config.api.schema import example
from leadscoring import services
from leadscoring.api import serializers as s
from leadscoring.api.access import personal_data_read_log
from leadscoring.models import Lead
from scoring import selectors
from scoring.automation import selectors as automation_selectors
from scoring.automation.queue import next_step
from scoring.filters import LeadScoreFilter

from .. import serializers as ss
from .common import PROGRAM_PARAM

LEAD_ROW_EXAMPLE = {
    "id": 42,
    "external_id": "CRM-0042",
    "source_system": "crm",
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "company": "Analytical Engines Ltd",
    "owner": {"id": 3, "username": "sam"},
    "source": "webinar",
    "status": "new",
    "country": "UK",
    "score": 81.5,
    "tier": "Hot",
    "probability": 0.42,
    "confidence": 0.8,
    "trend": "rising",
    "scored_at": "2026-03-01T09:30:00Z",
    "updated_at": "2026-03-01T09:29:58Z",
}

LEAD_PLAIN_FIELDS = (
    "external_id",
    "source_system",
    "first_name",
    "last_name",
    "email",
    "phone",
    "title",
    "seniority",
    "department",
    "source",
    "country",
    "status",
    "attributes",
    "created_at",
    "updated_at",
)

# One decision as the history lists it; the audit endpoints' examples extend it with the reasons.
DECISION_EXAMPLE = {
    "id": 901,
    "created_at": "2026-03-01T09:30:00Z",
    "score": 81.5,
    "tier": "Hot",
    "previous_tier": "Warm",
    "probability": 0.42,
    "confidence": 0.8,
    "trigger": "event",
    "reason": "",
    "model_version": 3,
}

LEAD_DETAIL_EXAMPLE = {
    "id": 42,
    "external_id": "CRM-0042",
    "source_system": "crm",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "phone": "",
    "title": "VP Engineering",
    "seniority": "vp",
    "department": "Engineering",
    "source": "webinar",
    "country": "UK",
    "status": "new",
    "owner": {"id": 3, "username": "sam"},
    "account": {
        "id": 7,
        "name": "Analytical Engines Ltd",
        "domain": "engines.example",
        "industry": "Software",
        "employee_count": 250,
        "country": "UK",
    },
    "attributes": {"utm_campaign": "spring"},
    "created_at": "2026-02-20T10:00:00Z",
    "updated_at": "2026-03-01T09:29:58Z",
    "score": {
        "program": "lead-score",
        "score": 81.5,
        "tier": "Hot",
        "model_score": 81.5,
        "model_tier": "Hot",
        "probability": 0.42,
        "confidence": 0.8,
        "subtotals": {
            "firmographic": 30.0,
            "behavioral": 10.0,
            "engagement": 6.5,
            "intent": 35.0,
            "negative": 0.0,
        },
        "top_factors": [
            {"signal": "demo_requests_90d", "label": "Demo requests (90 days) is 1", "points": 14.2}
        ],
        "missing_signals": [{"signal": "budget", "label": "Budget", "down": -3.8, "up": 5.1}],
        "trend": "rising",
        "scored_at": "2026-03-01T09:30:00Z",
        "tier_since": "2026-03-01T09:30:00Z",
        "model_version": 3,
        "override": None,
    },
    "recommended_action": "Call now: respond within 1 business hour",
    "sla": {
        "tier": "Hot",
        "hours": 1.0,
        "started_at": "2026-03-01T09:30:00Z",
        "due_at": "2026-03-01T10:30:00Z",
        "stopped_at": "2026-03-01T09:52:00Z",
        "stop_reason": "contact",
        "breached": False,
    },
    "assignment": {
        "rep": {"id": 3, "username": "sam"},
        "assigned_at": "2026-03-01T09:30:00Z",
        "method": "automatic",
        "reasons": [
            "territory UK",
            "12 of 40 capacity used",
            "31% win rate on Software (8 of 20 closed, shrunk toward the team's 25%)",
        ],
    },
    "trend": "rising",
    "history": [DECISION_EXAMPLE],
}


def _owner(user):
    return {"id": user.pk, "username": user.get_username()} if user is not None else None


def lead_detail_data(*, lead: Lead, program, history_days: int) -> dict:
    """The lead, its current score in the program, the tier's action and SLA, and its score history."""
    score_row = selectors.lead_score_of(lead=lead, program=program)
    tiers = {tier.name: tier for tier in selectors.tiers_for(program=program)}
    score = None
    recommended_action = ""
    sla = None
    if score_row is not None:
        tier = tiers.get(score_row.effective_tier)
        override = None
        if score_row.override_active():
            override = {
                "score": score_row.override_score,
                "tier": score_row.override_tier,
                "reason": score_row.override_reason,
                "expires_at": score_row.override_expires_at,
            }
        score = {
            "program": program.slug,
            "score": score_row.effective_score,
            "tier": score_row.effective_tier,
            "model_score": score_row.score,
            "model_tier": score_row.tier,
            "probability": score_row.probability,
            "confidence": score_row.confidence,
            "subtotals": score_row.subtotals,
            "top_factors": score_row.top_factors,
            "missing_signals": score_row.missing_signals,
            "trend": score_row.trend,
            "scored_at": score_row.scored_at,
            "tier_since": score_row.tier_since,
            "model_version": score_row.model.version if score_row.model else None,
            "override": override,
        }
        recommended_action = next_step(status=lead.status, tier=tier)
    clock = automation_selectors.clock_latest(lead=lead)
    if clock is not None:
        sla = {
            "tier": clock.tier,
            "hours": clock.hours,
            "started_at": clock.started_at,
            "due_at": clock.due_at,
            "stopped_at": clock.stopped_at,
            "stop_reason": clock.stop_reason,
            "breached": clock.breached_at is not None
            or (clock.stopped_at is None and clock.due_at < timezone.now())
            or (
                clock.stopped_at is not None
                and clock.stop_reason == "contact"
                and clock.stopped_at > clock.due_at
            ),
        }
    latest = automation_selectors.assignments_of(lead=lead, limit=1)
    assignment = (
        {
            "rep": _owner(latest[0].rep),
            "assigned_at": latest[0].assigned_at,
            "method": latest[0].method,
            "reasons": latest[0].reasons,
        }
        if latest
        else None
    )
    history = selectors.lead_score_history(lead=lead, program=program, days=history_days)
    account = lead.account
    return {
        **{name: getattr(lead, name) for name in LEAD_PLAIN_FIELDS},
        "id": lead.pk,
        "owner": _owner(lead.owner),
        "account": (
            {
                "id": account.pk,
                "name": account.name,
                "domain": account.domain,
                "industry": account.industry,
                "employee_count": account.employee_count,
                "country": account.country,
            }
            if account is not None
            else None
        ),
        "score": score,
        "recommended_action": recommended_action,
        "sla": sla,
        "assignment": assignment,
        "trend": score["trend"] if score else None,
        "history": list(history),
    }


class LeadListApi(ApiView):
    read_roles = READERS_ALL
    write_roles = WRITERS_DATA
    filterset_class = LeadScoreFilter

    @extend_schema(
        operation_id="leads_list",
        summary="Scored leads, best first",
        description="Filters combine with AND. A rep sees only their own leads and the unassigned pool. "
        "Each lead returned is logged as a read of personal data.",
        parameters=[PROGRAM_PARAM],
        responses={200: ss.LeadScoreRowOut(many=True)},
        examples=[
            example(
                "A page of leads", {"count": 1, "next": None, "previous": None, "results": [LEAD_ROW_EXAMPLE]}
            )
        ],
    )
    def get(self, request):
        program = selectors.program_for_request(request)
        queryset = selectors.lead_scores_visible(user=request.user, program=program)
        filterset = self.filterset_class(
            request.query_params,
            queryset=queryset,
            request=request,
            known_tiers=[tier.name for tier in selectors.tiers_for(program=program)],
        )
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        queryset = filterset.qs
        if "ordering" not in request.query_params:
            queryset = queryset.order_by("-score", "lead_id")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, request, view=self)
        personal_data_read_log(request=request, leads=[row.lead for row in page], action="leads.list")
        return paginator.get_paginated_response(ss.LeadScoreRowOut(page, many=True).data)

    @extend_schema(
        operation_id="leads_upsert",
        summary="Create or update a lead by (source_system, external_id)",
        description="201 when the lead is new, 200 when it existed and was updated. A new lead is scored "
        "straight away. Unknown CRM columns belong in `attributes`.",
        request=s.LeadUpsertIn,
        responses={200: s.LeadWriteOut, 201: s.LeadWriteOut},
        examples=[
            example(
                "A web form lead",
                {
                    "external_id": "CRM-0042",
                    "source_system": "crm",
                    "email": "ada@example.com",
                    "first_name": "Ada",
                    "last_name": "Lovelace",
                    "source": "webinar",
                    "country": "UK",
                    "attributes": {"utm_campaign": "spring"},
                },
                request=True,
            ),
            example(
                "Created",
                {
                    "id": 42,
                    "external_id": "CRM-0042",
                    "source_system": "crm",
                    "created": True,
                    "url": "/api/v1/leadscoring/leads/42/",
                },
                status_codes=["201"],
            ),
        ],
    )
    def post(self, request):
        data = s.LeadUpsertIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        source_system = fields.pop("source_system")
        external_id = fields.pop("external_id")
        lead, created = services.lead_upsert(
            source_system=source_system, external_id=external_id, fields=fields, actor=actor_of(request)
        )
        return Response(_lead_write_out(lead, created), status=status.HTTP_201_CREATED if created else 200)

    pagination_class = StandardPagination


def _lead_write_out(lead: Lead, created: bool) -> dict:
    return {
        "id": lead.pk,
        "external_id": lead.external_id,
        "source_system": lead.source_system,
        "created": created,
        "url": reverse("api:lead-detail", args=[lead.pk]),
    }


class LeadDetailApi(ApiView):
    read_roles = READERS_ALL
    write_roles = WRITERS_DATA

    def _lead(self, request, pk: int) -> Lead:
        lead = get_object_or_404(Lead.objects.select_related("account", "owner"), pk=pk)
        if not selectors.lead_visible(user=request.user, lead=lead):
            self.permission_denied(
                request, message="A rep sees only their own leads and the unassigned pool."
            )
        return lead

    @extend_schema(
        operation_id="leads_retrieve",
        summary="One lead: score, tier, reasons, action, SLA, trend and history",
        parameters=[ss.LeadDetailQuery],
        responses={200: ss.LeadDetailOut},
        examples=[example("A Hot lead", LEAD_DETAIL_EXAMPLE)],
    )
    def get(self, request, pk: int):
        query = ss.LeadDetailQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        lead = self._lead(request, pk)
        program = selectors.program_for_request(request)
        data = lead_detail_data(
            lead=lead, program=program, history_days=query.validated_data.get("history_days", 14)
        )
        personal_data_read_log(request=request, leads=[lead], action="leads.retrieve")
        return Response(ss.LeadDetailOut(data).data)

    @extend_schema(
        operation_id="leads_partial_update",
        summary="Update a lead's fields",
        request=s.LeadFieldsIn,
        responses={200: s.LeadWriteOut},
        examples=[
            example(
                "Updated",
                {
                    "id": 42,
                    "external_id": "CRM-0042",
                    "source_system": "crm",
                    "created": False,
                    "url": "/api/v1/leadscoring/leads/42",
                },
            ),
            example("Qualify a lead", {"status": "qualified", "timeline_days": 30}, request=True),
        ],
    )
    def patch(self, request, pk: int):
        lead = self._lead(request, pk)
        data = s.LeadFieldsIn(data=request.data)
        data.is_valid(raise_exception=True)
        lead, _ = services.lead_upsert(
            source_system=lead.source_system,
            external_id=lead.external_id,
            fields=dict(data.validated_data),
            actor=actor_of(request),
        )
        return Response(_lead_write_out(lead, False))
