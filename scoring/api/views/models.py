"""`models`: versions of a program's scoring model: create, edit, train, deploy, roll back, read figures."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from config.api.caller import actor_of
from config.api.common import ApiView
from config.api.exceptions import Conflict
from config.api.pagination import StandardPagination
from config.api.permissions import READERS_STAFF, WRITERS_CONFIG
from config.api.schema import example
from scoring import selectors, services
from scoring.models import ScoringModel

from .. import serializers as s
from .common import PROGRAM_PARAM, page
from .jobs import JOB_ACCEPTED_EXAMPLE, job_accepted

MODEL = {
    "id": 3,
    "program": "lead-score",
    "name": "Spring retrain",
    "version": 3,
    "kind": "learner",
    "model_type": "gradient_boosting",
    "status": "live",
    "validation_passed": True,
    "progress": 100,
    "progress_message": "Trained",
    "created_at": "2026-03-01T09:00:00Z",
    "trained_at": "2026-03-01T09:04:10Z",
    "deployed_at": "2026-03-01T10:00:00Z",
}
MODEL_DETAIL = {
    **MODEL,
    "training_options": {"split": "time", "holdout": 0.3, "seed": 42},
    "guardrails": {},
    "outcome_definition": {"won_statuses": ["converted"], "within_days": 180},
    "thresholds": {"hot": 75.0, "warm": 50.0, "cool": 25.0},
    "signals": [{"key": "demo_requests_90d", "name": "Demo requests (90 days)", "dimension": "intent"}],
    "trained_on": {"closed_leads": 4200, "won": 610, "from": "2024-01-01", "to": "2026-02-28"},
    "error": "",
    "deploy_override_reason": "",
    "replaces_id": 2,
}

MODEL_EXAMPLE = example("A version", MODEL_DETAIL, status_codes=["200", "201"])
MODEL_LIST_EXAMPLE = example("Versions", page(MODEL), status_codes=["200"])
MODEL_PERFORMANCE_EXAMPLE = example(
    "Holdout figures",
    {
        "model_id": 3,
        "version": 3,
        "status": "live",
        "validation_passed": True,
        "metrics": {"auc": 0.84, "pr_auc": 0.41, "brier": 0.071, "lift_top_decile": 3.2},
        "thresholds": {"hot": 75.0, "warm": 50.0, "cool": 25.0},
        "trained_on": {"closed_leads": 4200, "won": 610},
    },
    status_codes=["200"],
)
MODEL_REPORT_EXAMPLE = example(
    "Report",
    {
        "model_id": 3,
        "version": 3,
        "filename": "lead-scoring-model.md",
        "markdown": "# Lead scoring model v3\n...",
    },
    status_codes=["200"],
)


class ModelListApi(ApiView):
    read_roles = READERS_STAFF
    write_roles = WRITERS_CONFIG
    pagination_class = StandardPagination

    @extend_schema(
        operation_id="models_list",
        summary="Model versions of a program, newest first",
        parameters=[
            PROGRAM_PARAM,
            OpenApiParameter("status", str, enum=[c for c, _ in ScoringModel.Status.choices]),
        ],
        responses={200: s.ModelOut(many=True)},
        examples=[MODEL_LIST_EXAMPLE],
    )
    def get(self, request):
        program = selectors.program_for_request(request)
        wanted = request.query_params.get("status")
        if wanted is not None and wanted not in ScoringModel.Status.values:  # `?status=` too
            raise serializers.ValidationError(
                {"status": [f"One of: {', '.join(ScoringModel.Status.values)}."]}
            )
        models = selectors.models_of_program(program=program, status=wanted or None)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(models, request, view=self)
        return paginator.get_paginated_response(s.ModelOut(page, many=True).data)

    @extend_schema(
        operation_id="models_create",
        summary="A new draft version (inert until trained and deployed)",
        request=s.ModelCreateIn,
        responses={201: s.ModelDetailOut},
        examples=[
            MODEL_EXAMPLE,
            example(
                "Gradient boosting, split by time",
                {
                    "name": "Spring retrain",
                    "kind": "learner",
                    "model_type": "gradient_boosting",
                    "training_options": {"split": "time", "holdout": 0.3, "seed": 42},
                },
                request=True,
            ),
        ],
    )
    def post(self, request):
        data = s.ModelCreateIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        program = selectors.program_by_slug(fields.pop("program", None))
        model = services.model_create(program=program, actor=actor_of(request), **fields)
        return Response(s.ModelDetailOut(model).data, status=status.HTTP_201_CREATED)


def _model(pk: int) -> ScoringModel:
    return get_object_or_404(ScoringModel.objects.select_related("program"), pk=pk)


class ModelDetailApi(ApiView):
    read_roles = READERS_STAFF
    write_roles = WRITERS_CONFIG

    @extend_schema(
        operation_id="models_retrieve",
        summary="One model version",
        responses={200: s.ModelDetailOut},
        examples=[MODEL_EXAMPLE],
    )
    def get(self, request, pk: int):
        return Response(s.ModelDetailOut(_model(pk)).data)

    @extend_schema(
        operation_id="models_update",
        summary="Edit a version's name, training options or guardrails",
        description="Only a draft (or a failed) version may change; a trained version is immutable.",
        request=s.ModelUpdateIn,
        responses={200: s.ModelDetailOut},
        examples=[
            MODEL_EXAMPLE,
            example("Guardrails", {"guardrails": {"disqualify": {"unsubscribed": True}}}, request=True),
        ],
    )
    def put(self, request, pk: int):
        model = _model(pk)
        data = s.ModelUpdateIn(data=request.data)
        data.is_valid(raise_exception=True)
        model = services.model_update(model=model, actor=actor_of(request), **data.validated_data)
        return Response(s.ModelDetailOut(model).data)


class ModelTrainApi(ApiView):
    write_roles = WRITERS_CONFIG

    @extend_schema(
        operation_id="models_train",
        summary="Train this version (202 with a job URL)",
        request=None,
        responses={202: s.JobAcceptedOut},
        examples=[JOB_ACCEPTED_EXAMPLE],
    )
    def post(self, request, pk: int):
        model = _model(pk)
        if model.status == ScoringModel.Status.TRAINING:
            raise Conflict("This version is already training.")
        if model.status in (
            ScoringModel.Status.LIVE,
            ScoringModel.Status.RETIRED,
            ScoringModel.Status.SHADOW,
        ):
            raise Conflict(
                f"A {model.get_status_display().lower()} version is not retrained; create a new version."
            )
        return job_accepted(services.model_train_start(model=model, actor=actor_of(request)))


class ModelDeployApi(ApiView):
    write_roles = WRITERS_CONFIG

    @extend_schema(
        operation_id="models_deploy",
        summary="Make this version live (the current one becomes the rollback target)",
        description="A version that failed its validation gates needs `override_reason` (else 409).",
        request=s.DeployIn,
        responses={200: s.ModelDetailOut},
        examples=[MODEL_EXAMPLE, example("Deploy", {"override_reason": ""}, request=True)],
    )
    def post(self, request, pk: int):
        data = s.DeployIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            model = services.model_deploy(
                model=_model(pk),
                actor=actor_of(request),
                override_reason=data.validated_data["override_reason"],
            )
        except services.DeployRefused as refused:
            raise Conflict(str(refused)) from None
        return Response(s.ModelDetailOut(model).data)


class ModelRollbackApi(ApiView):
    write_roles = WRITERS_CONFIG

    @extend_schema(
        operation_id="models_rollback",
        summary="Put back the version this live version replaced; answers the version now live",
        request=None,
        responses={200: s.ModelDetailOut},
        examples=[MODEL_EXAMPLE],
    )
    def post(self, request, pk: int):
        model = _model(pk)
        if model.status != ScoringModel.Status.LIVE:
            raise Conflict("Only the live version can be rolled back.")
        try:
            restored = services.model_rollback(program=model.program, actor=actor_of(request))
        except services.DeployRefused as refused:
            raise Conflict(str(refused)) from None
        return Response(s.ModelDetailOut(restored).data)


class ModelPerformanceApi(ApiView):
    read_roles = READERS_STAFF

    @extend_schema(
        operation_id="models_performance",
        summary="Validation figures of a version (AUC, Brier, per-tier precision and recall, lift...)",
        responses={200: s.ModelPerformanceOut},
        examples=[MODEL_PERFORMANCE_EXAMPLE],
    )
    def get(self, request, pk: int):
        model = _model(pk)
        body = {
            "model_id": model.pk,
            "version": model.version,
            "status": model.status,
            "validation_passed": model.validation_passed,
            "metrics": model.metrics or {},
            "thresholds": model.thresholds or {},
            "trained_on": model.trained_on or {},
        }
        return Response(s.ModelPerformanceOut(body).data)


class ModelReportApi(ApiView):
    read_roles = READERS_STAFF

    @extend_schema(
        operation_id="models_report",
        summary="The version's lead-scoring-model.md report (markdown)",
        responses={200: s.ModelReportOut},
        examples=[MODEL_REPORT_EXAMPLE],
    )
    def get(self, request, pk: int):
        model = _model(pk)
        if not model.report:
            raise exceptions.NotFound("This version has no report yet: train it first.")
        body = {
            "model_id": model.pk,
            "version": model.version,
            "filename": "lead-scoring-model.md",
            "markdown": model.report,
        }
        return Response(s.ModelReportOut(body).data)
