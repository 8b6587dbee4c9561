"""`leads/{id}/contacts` (a rep's logged contact) and `notifications` (the caller's, unread first)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from config import roles
from config.api.common import MAX_ID, ApiView
from config.api.pagination import StandardPagination
from config.api.permissions import READERS_ALL
from config.api.schema import example
from leadscoring.models import Lead
from scoring import selectors
from scoring.automation import selectors as automation_selectors
from scoring.automation import services as automation_services
from scoring.automation.models import RepContact

from .common import page

CONTACT_WRITERS = (roles.REP, roles.OPS, roles.INTEGRATION)


class ContactIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RepContact.Kind.choices)
    outcome = serializers.ChoiceField(choices=RepContact.Outcome.choices)
    occurred_at = serializers.DateTimeField(required=False, help_text="When it happened; now if absent.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    rep = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="User id of the rep who made the contact (ops and integrations only); the caller if absent.",
    )


class ContactOut(serializers.Serializer):
    id = serializers.IntegerField()
    lead = serializers.IntegerField(source="lead_id")
    rep = serializers.IntegerField(source="rep_id", allow_null=True)
    kind = serializers.CharField()
    outcome = serializers.CharField()
    note = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    sla_stopped = serializers.BooleanField()


class NotificationOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    lead = serializers.IntegerField(source="lead_id", allow_null=True)
    title = serializers.CharField()
    body = serializers.CharField()
    tier = serializers.CharField()
    previous_tier = serializers.CharField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    email_status = serializers.CharField()


CONTACT_EXAMPLE = {
    "id": 12,
    "lead": 42,
    "rep": 3,
    "kind": "call",
    "outcome": "connected",
    "note": "Wants a demo next week",
    "occurred_at": "2026-03-01T09:45:00Z",
    "sla_stopped": True,
}


class LeadContactsApi(ApiView):
    read_roles = READERS_ALL
    write_roles = CONTACT_WRITERS

    @extend_schema(
        operation_id="lead_contacts_create",
        summary="Log a rep's contact with a lead (call, e-mail sent, meeting held, note)",
        description="The owner's first contact after a lead turned Hot stops its SLA clock. Contacts are the "
        "rep's own work: they are never used to score.",
        request=ContactIn,
        responses={201: ContactOut},
        examples=[
            example("A call", {"kind": "call", "outcome": "connected", "note": "Wants a demo"}, request=True),
            example("Logged", CONTACT_EXAMPLE, status_codes=["201"]),
        ],
    )
    def post(self, request, pk: int):
        lead = get_object_or_404(Lead, pk=pk)
        if not selectors.lead_visible(user=request.user, lead=lead):
            self.permission_denied(request, message="A rep logs contacts on their own leads and the pool.")
        data = ContactIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        rep = request.user
        if "rep" in fields:
            rep_id = fields.pop("rep")
            if not roles.has_role(request.user, roles.OPS, roles.INTEGRATION) and rep_id != request.user.pk:
                raise serializers.ValidationError(
                    {"rep": ["Only ops and integrations log contacts for others."]}
                )
            rep = get_user_model().objects.filter(pk=rep_id).first()
            if rep is None:
                raise serializers.ValidationError({"rep": [f"No user with id {rep_id}."]})
        contact = automation_services.contact_log(lead=lead, rep=rep, **fields)
        clock = automation_selectors.clock_latest(lead=lead)
        contact.sla_stopped = clock is not None and clock.stopped_by_id == contact.pk
        return Response(ContactOut(contact).data, status=status.HTTP_201_CREATED)


class NotificationListApi(ApiView):
    read_roles = READERS_ALL
    pagination_class = StandardPagination

    @extend_schema(
        operation_id="notifications_list",
        summary="The caller's notifications, unread first",
        responses={200: NotificationOut(many=True)},
        examples=[
            example(
                "One tier change",
                page(
                    {
                        "id": 7,
                        "kind": "tier_change",
                        "lead": 42,
                        "title": "Ada Lovelace is now Hot (was Warm)",
                        "body": "Ada Lovelace moved from Warm to Hot (score 81).",
                        "tier": "Hot",
                        "previous_tier": "Warm",
                        "created_at": "2026-03-01T09:30:00Z",
                        "read_at": None,
                        "email_status": "sent",
                    }
                ),
            )
        ],
    )
    def get(self, request):
        queryset = automation_selectors.notifications_listed(user=request.user)
        paginator = self.pagination_class()
        rows = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(NotificationOut(rows, many=True).data)
