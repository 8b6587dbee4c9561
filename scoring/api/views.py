"""Scoring, models, configuration, features, analytics and jobs: thin views over scoring.services,
scoring.selectors and scoring.analytics."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from config import roles
from config.api.caller import actor_of
from config.api.common import MAX_BULK_ITEMS, ApiView
from config.api.errors import field_errors
from config.api.exceptions import Conflict, PayloadTooLarge
from config.api.pagination import StandardPagination
from config.api.permissions import READERS_STAFF, WRITERS_CONFIG, WRITERS_DATA
from config.api.schema import example
from leadscoring.api.access import personal_data_read_log
from leadscoring.models import Lead
from scoring import analytics, selectors, services
from scoring.api.common import program_from_query
from scoring.models import (
    Job,
    LeadScore,
    ScoringModel,
    ScoringProgram,
    ScoringSettings,
    Signal,
    TierDefinition,
)

from . import examples as ex
from . import serializers as s

# Up to this many stored leads are rescored within the request; more become a job (202).
SYNC_BATCH_LIMIT = 200

SCORE_RESULT_EXAMPLE = {
    "lead_id": None,
    "stored": False,
    "lead_score": 78.4,
    "tier": "Hot",
    "probability": 0.41,
    "confidence": 0.76,
    "recommended_action": "Call now: respond within 1 business hour",
    "score_breakdown": {
        "firmographic": 28.0,
        "behavioral": 12.5,
        "engagement": 9.9,
        "intent": 28.0,
        "negative": 0.0,
    },
    "top_factors": [{"signal": "demo_requests_90d", "label": "Demo requests (90 days)", "effect": 14.2}],
    "missing_signals": ["budget"],
    "model_version": 3,
}
PROGRAM_PARAM = OpenApiParameter("program", str, description="Program slug; the default program if absent.")


def _program_by_slug(slug: str | None) -> ScoringProgram:
    if slug:
        return get_object_or_404(ScoringProgram, slug=slug)
    return selectors.program_default()


def _job_accepted(job: Job) -> Response:
    job.refresh_from_db()
    body = {"job": s.JobOut(job).data, "job_url": reverse("api:job-detail", args=[job.pk])}
    return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["job_url"]})


def _inline_score(*, payload: dict, program: ScoringProgram) -> dict:
    try:
        result = services.lead_score_inline(payload=payload, program=program)
    except LookupError as error:
        raise Conflict(str(error)) from None
    return {"lead_id": None, "stored": False, **result.as_dict()}


def _snapshot_score(*, snapshot, program: ScoringProgram) -> dict:
    tiers = {tier.name: tier for tier in selectors.tiers_for(program=program)}
    tier = tiers.get(snapshot.tier)
    return {
        "lead_id": snapshot.lead_id,
        "stored": True,
        "lead_score": snapshot.score,
        "tier": snapshot.tier,
        "probability": snapshot.probability,
        "confidence": snapshot.confidence,
        "recommended_action": tier.recommended_action if tier else "",
        "score_breakdown": snapshot.subtotals,
        "top_factors": snapshot.top_factors,
        "missing_signals": snapshot.missing_signals,
        "model_version": snapshot.model.version if snapshot.model else None,
    }


class ScoreApi(ApiView):
    write_roles = WRITERS_DATA

    @extend_schema(
        operation_id="score_create",
        summary="Score one lead: given inline (nothing stored) or a stored lead by id (rescored and logged)",
        request=s.ScoreIn,
        responses={200: s.ScoreOut},
        examples=[
            example(
                "Inline",
                {
                    "lead": {
                        "industry": "Software",
                        "employee_count": 250,
                        "seniority": "vp",
                        "demo_requests_90d": 1,
                    }
                },
                request=True,
            ),
            example("By id", {"lead_id": 42}, request=True),
            example("Scored", SCORE_RESULT_EXAMPLE, status_codes=["200"]),
        ],
    )
    def post(self, request):
        data = s.ScoreIn(data=request.data)
        data.is_valid(raise_exception=True)
        program = _program_by_slug(data.validated_data.get("program"))
        if "lead" in data.validated_data:
            return Response(
                s.ScoreOut(_inline_score(payload=data.validated_data["lead"], program=program)).data
            )
        lead = get_object_or_404(Lead, pk=data.validated_data["lead_id"])
        snapshot = services.lead_rescore(
            lead=lead,
            trigger="api",
            program=program,
            actor=actor_of(request),
            reason="scored through the API",
        )
        if snapshot is None:
            raise Conflict(f"Program {program.name!r} has no live model to score with.")
        personal_data_read_log(request=request, leads=[lead], action="score")
        return Response(s.ScoreOut(_snapshot_score(snapshot=snapshot, program=program)).data)


class BatchScoreApi(ApiView):
    write_roles = WRITERS_DATA

    @extend_schema(
        operation_id="batch_score_create",
        summary="Score many leads in one call",
        description=(
            f"`leads`: up to {MAX_BULK_ITEMS} inline leads, scored and not stored; a bad item is reported and "
            f"never fails the others. `lead_ids`: up to {MAX_BULK_ITEMS} stored leads; up to {SYNC_BATCH_LIMIT} "
            "are rescored in the request (200), more answer 202 with a job URL. `all: true`: every lead, as a job "
            f"(202). Over {MAX_BULK_ITEMS} items: 413."
        ),
        request=s.BatchScoreIn,
        responses={200: s.BatchScoreOut, 202: s.JobAcceptedOut},
        examples=[
            ex.BATCH_EXAMPLE,
            ex.JOB_ACCEPTED_EXAMPLE,
            example("Stored leads", {"lead_ids": [42, 43, 44]}, request=True),
            example(
                "Inline leads", {"leads": [{"industry": "Software"}, {"employee_count": 12}]}, request=True
            ),
            example("Every lead", {"all": True}, request=True),
        ],
    )
    def post(self, request):
        if isinstance(request.data, dict):
            for name in ("lead_ids", "leads"):
                items = request.data.get(name)
                if isinstance(items, list) and len(items) > MAX_BULK_ITEMS:
                    raise PayloadTooLarge(
                        f"At most {MAX_BULK_ITEMS} {name} per request; this has {len(items)}."
                    )
        data = s.BatchScoreIn(data=request.data)
        data.is_valid(raise_exception=True)
        program = _program_by_slug(data.validated_data.get("program"))
        actor = actor_of(request)
        if data.validated_data.get("all"):
            return _job_accepted(services.leads_batch_score_start(actor=actor, program=program))
        if "leads" in data.validated_data:
            return Response(s.BatchScoreOut(self._inline(data.validated_data["leads"], program)).data)
        lead_ids = data.validated_data["lead_ids"]
        if len(set(lead_ids)) > SYNC_BATCH_LIMIT:
            return _job_accepted(
                services.leads_batch_score_start(lead_ids=lead_ids, actor=actor, program=program)
            )
        return Response(s.BatchScoreOut(self._stored(lead_ids, program, actor)).data)

    def _inline(self, items: list, program: ScoringProgram) -> dict:
        results = []
        for index, raw in enumerate(items):
            try:
                payload = s.InlineLeadField().run_validation(raw)
                scored = _inline_score(payload=payload, program=program)
            except serializers.ValidationError as error:
                results.append(_batch_error(index, None, field_errors({"lead": error.detail})))
                continue
            except (DjangoValidationError, ValueError, TypeError) as error:
                results.append(_batch_error(index, None, {"lead": [str(error)[:300]]}))
                continue
            results.append(
                {
                    "index": index,
                    "lead_id": None,
                    "ok": True,
                    "lead_score": scored["lead_score"],
                    "tier": scored["tier"],
                    "probability": scored["probability"],
                    "errors": {},
                }
            )
        scored_count = sum(1 for r in results if r["ok"])
        return {
            "scored": scored_count,
            "failed": len(results) - scored_count,
            "skipped": 0,
            "results": results,
        }

    def _stored(self, lead_ids: list[int], program: ScoringProgram, actor) -> dict:
        existing = set(Lead.objects.filter(pk__in=lead_ids).values_list("pk", flat=True))
        outcome = services.leads_rescore(
            lead_ids=sorted(existing), trigger="batch", program=program, actor=actor, reason="batch-score API"
        )
        failures = dict(outcome.errors)
        scores = {row.lead_id: row for row in LeadScore.objects.filter(program=program, lead_id__in=existing)}
        results = []
        for index, lead_id in enumerate(lead_ids):
            if lead_id not in existing:
                results.append(_batch_error(index, lead_id, {"lead_id": ["No such lead."]}))
            elif lead_id in failures:
                results.append(_batch_error(index, lead_id, {"lead_id": [failures[lead_id]]}))
            elif lead_id in scores:
                row = scores[lead_id]
                results.append(
                    {
                        "index": index,
                        "lead_id": lead_id,
                        "ok": True,
                        "lead_score": row.effective_score,
                        "tier": row.effective_tier,
                        "probability": row.probability,
                        "errors": {},
                    }
                )
            else:
                results.append(
                    _batch_error(index, lead_id, {"lead_id": ["Not scored: the program has no live model."]})
                )
        return {
            "scored": outcome.scored,
            "failed": sum(1 for r in results if not r["ok"]) - outcome.skipped,
            "skipped": outcome.skipped,
            "results": results,
        }


def _batch_error(index: int, lead_id, errors: dict) -> dict:
    return {
        "index": index,
        "lead_id": lead_id,
        "ok": False,
        "lead_score": None,
        "tier": None,
        "probability": None,
        "errors": errors,
    }


class JobDetailApi(ApiView):
    read_roles = READERS_STAFF

    @extend_schema(
        operation_id="jobs_retrieve",
        summary="A long operation's status and progress",
        responses={200: s.JobOut},
        examples=[ex.JOB_EXAMPLE],
    )
    def get(self, request, pk: int):
        job = get_object_or_404(Job, pk=pk)
        # An integration key sees the jobs it can start (batch scoring), not training runs.
        if job.kind == Job.Kind.TRAIN and not roles.has_role(request.user, roles.OPS, roles.COMPLIANCE):
            self.permission_denied(request, message="Training jobs are for the Ops and Compliance roles.")
        return Response(s.JobOut(job).data)


# ---- models ----------------------------------------------------------------------------------------------


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
        examples=[ex.MODEL_LIST_EXAMPLE],
    )
    def get(self, request):
        program = program_from_query(request)
        models = ScoringModel.objects.filter(program=program).select_related("program").order_by("-version")
        wanted = request.query_params.get("status")
        if wanted:
            if wanted not in ScoringModel.Status.values:
                raise serializers.ValidationError(
                    {"status": [f"One of: {', '.join(ScoringModel.Status.values)}."]}
                )
            models = models.filter(status=wanted)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(models, request, view=self)
        return paginator.get_paginated_response(s.ModelOut(page, many=True).data)

    @extend_schema(
        operation_id="models_create",
        summary="A new draft version (inert until trained and deployed)",
        request=s.ModelCreateIn,
        responses={201: s.ModelDetailOut},
        examples=[
            ex.MODEL_EXAMPLE,
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
        program = _program_by_slug(fields.pop("program", None))
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
        examples=[ex.MODEL_EXAMPLE],
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
            ex.MODEL_EXAMPLE,
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
        examples=[ex.JOB_ACCEPTED_EXAMPLE],
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
        return _job_accepted(services.model_train_start(model=model, actor=actor_of(request)))


class ModelDeployApi(ApiView):
    write_roles = WRITERS_CONFIG

    @extend_schema(
        operation_id="models_deploy",
        summary="Make this version live (the current one becomes the rollback target)",
        description="A version that failed its validation gates needs `override_reason` (else 409).",
        request=s.DeployIn,
        responses={200: s.ModelDetailOut},
        examples=[ex.MODEL_EXAMPLE, example("Deploy", {"override_reason": ""}, request=True)],
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
        examples=[ex.MODEL_EXAMPLE],
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
        examples=[ex.MODEL_PERFORMANCE_EXAMPLE],
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
        examples=[ex.MODEL_REPORT_EXAMPLE],
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


# ---- configuration and features --------------------------------------------------------------------------

SETTINGS_FIELDS = tuple(s.SettingsConfig().fields)
TIER_FIELDS = ("lower_bound", "colour", "sla_hours", "recommended_action", "cadence_days")


def _config_body(program: ScoringProgram) -> dict:
    settings_row = ScoringSettings.load()
    return {
        "program": program.slug,
        "tiers": [
            {"name": t.name, "rank": t.rank, **{name: getattr(t, name) for name in TIER_FIELDS}}
            for t in selectors.tiers_for(program=program)
        ],
        "settings": {name: getattr(settings_row, name) for name in SETTINGS_FIELDS},
    }


class ConfigApi(ApiView):
    read_roles = READERS_STAFF
    write_roles = WRITERS_CONFIG

    @extend_schema(
        operation_id="config_retrieve",
        summary="Thresholds, SLAs, cadences and the stale rule",
        parameters=[PROGRAM_PARAM],
        responses={200: s.ConfigOut},
        examples=[ex.CONFIG_EXAMPLE],
    )
    def get(self, request):
        return Response(s.ConfigOut(_config_body(program_from_query(request))).data)

    @extend_schema(
        operation_id="config_update",
        summary="Change thresholds, SLAs, cadences or the stale rule (only what is given)",
        description="Tier bounds must still fall from the best tier to the worst after the change (else 400). "
        "Every change is kept in the history.",
        request=s.ConfigIn,
        responses={200: s.ConfigOut},
        examples=[
            ex.CONFIG_EXAMPLE,
            example(
                "Raise Hot, stale after 30 days",
                {
                    "tiers": [{"name": "Hot", "lower_bound": 80, "sla_hours": 2}],
                    "settings": {"stale_after_days": 30},
                },
                request=True,
            ),
        ],
    )
    def put(self, request):
        data = s.ConfigIn(data=request.data)
        data.is_valid(raise_exception=True)
        program = _program_by_slug(data.validated_data.get("program"))
        actor = actor_of(request)
        current = {t.name: t for t in selectors.tiers_for(program=program)}
        changes = data.validated_data.get("tiers", [])
        unknown = [change["name"] for change in changes if change["name"] not in current]
        if unknown:
            raise serializers.ValidationError({"tiers": [f"Unknown tier(s): {', '.join(unknown)}."]})
        with transaction.atomic():
            for change in _bound_safe_order(changes, current):
                fields = {name: change[name] for name in TIER_FIELDS if name in change}
                services.tier_update(tier=current[change["name"]], actor=actor, **fields)
            if data.validated_data.get("settings"):
                services.scoring_settings_update(actor=actor, **data.validated_data["settings"])
        return Response(s.ConfigOut(_config_body(program)).data)


def _bound_safe_order(changes: list[dict], current: dict[str, TierDefinition]) -> list[dict]:
    """Apply raised bounds best tier first and lowered ones worst first, so each step stays ordered."""
    raised = [
        c
        for c in changes
        if c.get("lower_bound", current[c["name"]].lower_bound) >= current[c["name"]].lower_bound
    ]
    lowered = [c for c in changes if c not in raised]
    return sorted(raised, key=lambda c: current[c["name"]].rank) + sorted(
        lowered, key=lambda c: -current[c["name"]].rank
    )


class FeatureListApi(ApiView):
    read_roles = READERS_STAFF
    write_roles = WRITERS_CONFIG
    pagination_class = StandardPagination

    @extend_schema(
        operation_id="features_list",
        summary="The signals (features) a program scores with",
        parameters=[PROGRAM_PARAM, OpenApiParameter("active", bool)],
        responses={200: s.SignalSerializer(many=True)},
        examples=[ex.SIGNAL_LIST_EXAMPLE],
    )
    def get(self, request):
        program = program_from_query(request)
        signals = (
            Signal.objects.filter(program=program).select_related("program").order_by("dimension", "key")
        )
        active = request.query_params.get("active")
        if active is not None:
            if active not in ("true", "false"):
                raise serializers.ValidationError({"active": ["true or false."]})
            signals = signals.filter(active=active == "true")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(signals, request, view=self)
        return paginator.get_paginated_response(s.SignalSerializer(page, many=True).data)

    @extend_schema(
        operation_id="features_create",
        summary="Add a signal (used from the next trained version)",
        parameters=[PROGRAM_PARAM],
        request=s.SignalSerializer,
        responses={201: s.SignalSerializer},
        examples=[
            ex.SIGNAL_EXAMPLE,
            example(
                "Case studies read",
                {
                    "key": "case_studies_90d",
                    "name": "Case studies read (90 days)",
                    "dimension": "engagement",
                    "value_type": "numerical",
                    "source": "event",
                    "event_kind": "content_download",
                    "transformation": "count",
                    "window_days": 90,
                },
                request=True,
            ),
        ],
    )
    def post(self, request):
        program = program_from_query(request)
        data = s.SignalSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        signal = services.signal_create(program=program, actor=actor_of(request), **data.validated_data)
        return Response(s.SignalSerializer(signal).data, status=status.HTTP_201_CREATED)


class FeatureDetailApi(ApiView):
    read_roles = READERS_STAFF
    write_roles = WRITERS_CONFIG

    @extend_schema(
        operation_id="features_retrieve",
        summary="One signal",
        responses={200: s.SignalSerializer},
        examples=[ex.SIGNAL_EXAMPLE],
    )
    def get(self, request, pk: int):
        return Response(s.SignalSerializer(get_object_or_404(Signal, pk=pk)).data)

    @extend_schema(
        operation_id="features_update",
        summary="Edit a signal: points, weight, cap, decay, active...",
        request=s.SignalSerializer(partial=True),
        responses={200: s.SignalSerializer},
        examples=[
            ex.SIGNAL_EXAMPLE,
            example("Weight and decay", {"weight": 1.5, "decay": {"half_life_days": 30}}, request=True),
        ],
    )
    def put(self, request, pk: int):
        signal = get_object_or_404(Signal, pk=pk)
        data = s.SignalSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        signal = services.signal_update(signal=signal, actor=actor_of(request), **data.validated_data)
        return Response(s.SignalSerializer(signal).data)


# ---- analytics -------------------------------------------------------------------------------------------


def _range(query: dict) -> tuple:
    start, end = analytics.default_range()
    return query.get("start") or (query["end"] - (end - start) if query.get("end") else start), query.get(
        "end"
    ) or end


def _analytics_request(query_class, request):
    """Parse an analytics query: the program, the date range (checked) and the body's common head."""
    query = query_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    program = _program_by_slug(query.validated_data.get("program"))
    start, end = _range(query.validated_data)
    if start > end:
        raise serializers.ValidationError({"start": ["start is after end."]})
    body = {
        "program": {"id": program.pk, "name": program.name, "slug": program.slug},
        "start": start,
        "end": end,
    }
    return query, program, start, end, body


class PerformanceApi(ApiView):
    read_roles = READERS_STAFF

    @extend_schema(
        operation_id="performance_retrieve",
        summary="Lead volume, average score, qualified share, conversion, accuracy, revenue by tier",
        parameters=[s.RangeQuery],
        responses={200: s.PerformanceOut},
        examples=[ex.PERFORMANCE_EXAMPLE],
    )
    def get(self, request):
        query, program, start, end, body = _analytics_request(s.RangeQuery, request)
        body.update(
            {
                "kpis": analytics.kpis(program=program, start=start, end=end),
                "by_tier": analytics.by_tier(program=program, start=start, end=end),
            }
        )
        return Response(s.PerformanceOut(body).data)


class AnalyticsApi(ApiView):
    read_roles = READERS_STAFF

    @extend_schema(
        operation_id="analytics_retrieve",
        summary="Score distribution, funnel, sources, geography and trends over a date range",
        parameters=[s.AnalyticsQuery],
        responses={200: s.AnalyticsOut},
        examples=[ex.ANALYTICS_EXAMPLE],
    )
    def get(self, request):
        query, program, start, end, body = _analytics_request(s.AnalyticsQuery, request)
        body.update(
            {
                "score_distribution": analytics.score_distribution(program=program, start=start, end=end),
                "funnel": analytics.funnel(program=program, start=start, end=end),
                "sources": analytics.top_sources(program=program, start=start, end=end),
                "geography": analytics.geography(program=program, start=start, end=end),
                "trends": analytics.trends(
                    program=program, start=start, end=end, granularity=query.validated_data.get("granularity")
                ),
            }
        )
        return Response(s.AnalyticsOut(body).data)
