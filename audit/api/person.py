"""The person endpoints: export everything held about a lead, erase them, reconstruct a past decision."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from config import roles
from config.api.common import ApiView
from config.api.schema import example
from leadscoring.api.access import personal_data_read_log
from leadscoring.models import Lead
from scoring import selectors
from scoring.api.serializers import SnapshotDetailOut

from ..services.erasure import person_erase
from ..services.person_export import person_export_json, person_export_zip
from ..services.reconstruction import decision_reconstruct

COMPLIANCE = (roles.COMPLIANCE,)


class ExportQuery(serializers.Serializer):
    # Not "format": DRF reads that parameter to pick a renderer.
    bundle = serializers.ChoiceField(
        choices=["json", "zip"], default="json", required=False, help_text="zip: one CSV per section."
    )


class EraseIn(serializers.Serializer):
    request_ref = serializers.CharField(
        max_length=128, required=False, default="", help_text="The data-subject request's reference."
    )
    reason = serializers.CharField(max_length=255, required=False, default="")


class EraseOut(serializers.Serializer):
    lead_id = serializers.IntegerField()
    erased_at = serializers.DateTimeField(allow_null=True)
    wiped = serializers.DictField(child=serializers.IntegerField(), help_text="What was wiped, as counts.")
    already_erased = serializers.BooleanField()


class ReconstructQuery(serializers.Serializer):
    at = serializers.DateTimeField(help_text="The moment asked about (ISO 8601).")
    program = serializers.SlugField(required=False, max_length=64)


class RecomputationOut(serializers.Serializer):
    matches = serializers.BooleanField(allow_null=True)
    score = serializers.FloatField(required=False)
    tier = serializers.CharField(required=False)
    differences = serializers.ListField(child=serializers.DictField(), required=False)
    why = serializers.CharField(allow_blank=True)


class ReconstructOut(serializers.Serializer):
    lead_id = serializers.IntegerField()
    program = serializers.CharField()
    at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(required=False)
    decision = SnapshotDetailOut(allow_null=True)
    model = serializers.DictField(allow_null=True, required=False)
    tiers = serializers.ListField(child=serializers.DictField(), required=False)
    settings = serializers.DictField(required=False)
    signals = serializers.ListField(child=serializers.DictField(), required=False)
    recomputation = RecomputationOut(required=False)
    matches = serializers.BooleanField(allow_null=True)
    why = serializers.CharField(required=False)


class LeadExportApi(ApiView):
    read_roles = COMPLIANCE

    @extend_schema(
        operation_id="lead_export",
        summary="Everything held about a person (GDPR/CCPA access request); the export is logged",
        parameters=[ExportQuery],
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT, description="A JSON document, or with bundle=zip a zip of CSVs."
            )
        },
        examples=[
            example(
                "A person's data",
                {
                    "lead_id": 42,
                    "generated_at": "2026-03-01T09:30:00Z",
                    "counts": {"lead": 1, "lead_history": 3, "scoring_scoresnapshot": 12},
                    "sections": {"lead": [{"id": 42, "email": "ines@example.com"}], "lead_history": []},
                },
            )
        ],
    )
    def get(self, request, pk: int):
        query = ExportQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        lead = get_object_or_404(Lead, pk=pk)
        if query.validated_data["bundle"] == "zip":
            response = HttpResponse(
                person_export_zip(lead=lead, user=request.user), content_type="application/zip"
            )
            response["Content-Disposition"] = f'attachment; filename="lead-{lead.pk}-export.zip"'
            return response
        return HttpResponse(person_export_json(lead=lead, user=request.user), content_type="application/json")


class LeadEraseApi(ApiView):
    read_roles = COMPLIANCE
    write_roles = COMPLIANCE

    @extend_schema(
        operation_id="lead_erase",
        summary="Erase a person (compliance only): personal data wiped everywhere, decisions kept",
        request=EraseIn,
        responses={200: EraseOut},
        examples=[
            example(
                "Erased",
                {
                    "lead_id": 42,
                    "erased_at": "2026-03-01T09:30:00Z",
                    "wiped": {
                        "lead fields": 4,
                        "lead history rows": 3,
                        "events": 12,
                        "decisions redacted": 0,
                    },
                    "already_erased": False,
                },
            )
        ],
    )
    def post(self, request, pk: int):
        body = EraseIn(data=request.data)
        body.is_valid(raise_exception=True)
        lead = get_object_or_404(Lead, pk=pk)
        result = person_erase(
            lead=lead,
            actor=request.user,
            reason=body.validated_data["reason"] or "API erasure request",
            request_ref=body.validated_data["request_ref"],
        )
        return Response(EraseOut(result.as_dict()).data)


class LeadReconstructApi(ApiView):
    read_roles = COMPLIANCE + (roles.OPS,)

    @extend_schema(
        operation_id="lead_reconstruct",
        summary="The decision in force at a moment, its configuration then, and its recomputation",
        parameters=[ReconstructQuery, OpenApiParameter("at", str, required=True)],
        responses={200: ReconstructOut},
        examples=[
            example(
                "Recomputed, matching",
                {
                    "lead_id": 42,
                    "program": "lead-score",
                    "at": "2026-03-01T12:00:00Z",
                    "decided_at": "2026-02-27T08:00:00Z",
                    "decision": {"id": 901, "score": 81.5, "tier": "Hot"},
                    "model": {"id": 3, "version": 3, "artifact_sha256": "9f2c…", "status_now": "retired"},
                    "tiers": [{"name": "Hot", "rank": 1, "lower_bound": 75.0}],
                    "settings": {"hysteresis": 3.0},
                    "signals": [{"key": "pricing_views_7d", "name": "Pricing page views (7 days)"}],
                    "recomputation": {
                        "matches": True,
                        "score": 81.5,
                        "tier": "Hot",
                        "differences": [],
                        "why": "",
                    },
                    "matches": True,
                },
            )
        ],
    )
    def get(self, request, pk: int):
        query = ReconstructQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        lead = get_object_or_404(Lead, pk=pk)
        program = selectors.program_for_request(request)
        body = decision_reconstruct(lead=lead, program=program, at=query.validated_data["at"])
        personal_data_read_log(request=request, leads=[lead], action="audit.reconstruct")
        return Response(ReconstructOut(body).data)
