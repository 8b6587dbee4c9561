"""Compliance reads: every decision for a lead, a config object's change history, and the decision
that stood for a lead on a given date ("why was lead X in tier T on date D")."""

from __future__ import annotations

from datetime import datetime, time

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from audit import selectors as audit_selectors
from config import roles
from config.api.common import ApiView
from config.api.pagination import StandardPagination
from config.api.schema import example
from leadscoring.api.access import personal_data_read_log
from leadscoring.models import Account, Lead
from scoring import selectors
from scoring.api.serializers import SnapshotDetailOut
from scoring.api.views.common import page
from scoring.api.views.leads import DECISION_EXAMPLE
from scoring.models import (
    ScoringModel,
    ScoringProgram,
    ScoringSettings,
    Signal,
    TierDefinition,
)

AUDITORS = (roles.COMPLIANCE,)
PROGRAM_PARAM = OpenApiParameter("program", str, description="Program slug; the default program if absent.")

# Objects whose history compliance may read; leads and accounts carry personal data and are logged.
HISTORY_MODELS = {
    "signal": Signal,
    "tier": TierDefinition,
    "settings": ScoringSettings,
    "model": ScoringModel,
    "program": ScoringProgram,
    "lead": Lead,
    "account": Account,
}


DECISION = {
    **DECISION_EXAMPLE,
    "subtotals": {"firmographic": 30.0, "intent": 35.0},
    "top_factors": [
        {"signal": "pricing_views_7d", "label": "Pricing page views (7 days) is 3", "points": 18.0}
    ],
    "missing_signals": [{"signal": "budget", "label": "Budget", "down": -3.8, "up": 5.1}],
    "inputs": {"pricing_views_7d": 3},
    "actor": None,
}


class DecisionsQuery(serializers.Serializer):
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)
    program = serializers.SlugField(required=False, max_length=64)


class TierOnDateQuery(serializers.Serializer):
    date = serializers.DateField(help_text="The day (YYYY-MM-DD); the decision in force at its end.")
    tier = serializers.CharField(required=False, max_length=32, help_text="The tier asked about, if any.")
    program = serializers.SlugField(required=False, max_length=64)


class TierOnDateOut(serializers.Serializer):
    lead_id = serializers.IntegerField()
    date = serializers.DateField()
    tier = serializers.CharField(
        allow_null=True, help_text="The tier in force that day (null: not yet scored)."
    )
    tier_asked = serializers.CharField(allow_null=True)
    tier_matches = serializers.BooleanField(allow_null=True)
    decision = SnapshotDetailOut(allow_null=True)


class ChangeOut(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class HistoryRecordOut(serializers.Serializer):
    history_id = serializers.IntegerField()
    date = serializers.DateTimeField()
    type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    user = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_null=True)
    changes = ChangeOut(many=True)


def _lead(pk: int) -> Lead:
    return get_object_or_404(Lead, pk=pk)


class LeadDecisionsApi(ApiView):
    read_roles = AUDITORS
    pagination_class = StandardPagination

    @extend_schema(
        operation_id="audit_lead_decisions",
        summary="Every scoring decision for a lead, newest first (compliance)",
        description="Each decision carries its inputs, subtotals, factors, trigger and model version.",
        parameters=[DecisionsQuery],
        responses={200: SnapshotDetailOut(many=True)},
        examples=[example("Decisions", page(DECISION))],
    )
    def get(self, request, pk: int):
        query = DecisionsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        lead = _lead(pk)
        program = selectors.program_for_request(request)
        decisions = audit_selectors.lead_decisions(
            lead=lead,
            program=program,
            since=query.validated_data.get("since"),
            until=query.validated_data.get("until"),
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(decisions, request, view=self)
        personal_data_read_log(request=request, leads=[lead], action="audit.decisions")
        return paginator.get_paginated_response(SnapshotDetailOut(page, many=True).data)


class LeadTierOnDateApi(ApiView):
    read_roles = AUDITORS

    @extend_schema(
        operation_id="audit_lead_tier_on_date",
        summary="Why was this lead in tier T on date D: the decision in force at the end of that day",
        parameters=[TierOnDateQuery],
        responses={200: TierOnDateOut},
        examples=[
            example(
                "Hot on 1 March",
                {
                    "lead_id": 42,
                    "date": "2026-03-01",
                    "tier": "Hot",
                    "tier_asked": "Hot",
                    "tier_matches": True,
                    "decision": DECISION,
                },
            )
        ],
    )
    def get(self, request, pk: int):
        query = TierOnDateQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        lead = _lead(pk)
        program = selectors.program_for_request(request)
        day = query.validated_data["date"]
        end_of_day = timezone.make_aware(datetime.combine(day, time.max), timezone.get_current_timezone())
        decision = selectors.snapshot_in_force(lead=lead, program=program, at=end_of_day)
        asked = query.validated_data.get("tier")
        tier = decision.tier if decision is not None else None
        personal_data_read_log(request=request, leads=[lead], action="audit.tier_on_date")
        body = {
            "lead_id": lead.pk,
            "date": day,
            "tier": tier,
            "tier_asked": asked,
            "tier_matches": (tier == asked) if asked else None,
            "decision": decision,
        }
        return Response(TierOnDateOut(body).data)


class ConfigHistoryApi(ApiView):
    read_roles = AUDITORS
    pagination_class = StandardPagination

    @extend_schema(
        operation_id="audit_history",
        summary="Who changed a configuration object (or a lead, account) and what, newest first",
        description="`object_type` is one of: " + ", ".join(HISTORY_MODELS) + ".",
        parameters=[OpenApiParameter("object_type", str, OpenApiParameter.PATH, enum=list(HISTORY_MODELS))],
        responses={200: HistoryRecordOut(many=True)},
        examples=[
            example(
                "A threshold raised",
                {
                    "count": 1,
                    "next": None,
                    "previous": None,
                    "results": [
                        {
                            "history_id": 77,
                            "date": "2026-03-01T09:30:00Z",
                            "type": "changed",
                            "user": "olivia-ops",
                            "reason": None,
                            "changes": [{"field": "lower_bound", "old": 75.0, "new": 80.0}],
                        }
                    ],
                },
            )
        ],
    )
    def get(self, request, object_type: str, pk: int):
        model = HISTORY_MODELS.get(object_type)
        if model is None:
            raise serializers.ValidationError({"object_type": [f"One of: {', '.join(HISTORY_MODELS)}."]})
        records = (
            model.history.filter(id=pk)
            .select_related("history_user")
            .order_by("-history_date", "-history_id")
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(records, request, view=self)
        if not page and not model.history.filter(id=pk).exists():
            get_object_or_404(model, pk=pk)
        if model is Lead:
            lead = Lead.objects.filter(pk=pk).first()
            if lead is not None:
                personal_data_read_log(request=request, leads=[lead], action="audit.history")
        return paginator.get_paginated_response(HistoryRecordOut([_record(r) for r in page], many=True).data)


TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def _record(record) -> dict:
    previous = record.prev_record
    if previous is not None:
        delta = record.diff_against(previous)
        changes = [{"field": c.field, "old": _plain(c.old), "new": _plain(c.new)} for c in delta.changes]
    else:
        # The first record (or the first since history began): every tracked value, as set.
        changes = [
            {"field": f.name, "old": None, "new": _plain(getattr(record, f.attname))}
            for f in record.tracked_fields
            if f.name != "id"
        ]
    return {
        "history_id": record.history_id,
        "date": record.history_date,
        "type": TYPES.get(record.history_type, "changed"),
        "user": record.history_user.get_username() if record.history_user else None,
        "reason": record.history_change_reason,
        "changes": changes,
    }


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)
