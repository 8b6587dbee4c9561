"""`score` and `batch-score`: score one lead or many, inline or stored."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from config.api.caller import actor_of
from config.api.common import MAX_BULK_ITEMS, ApiView
from config.api.errors import field_errors
from config.api.exceptions import Conflict, PayloadTooLarge
from config.api.permissions import WRITERS_DATA
from config.api.schema import example
from leadscoring.api.access import personal_data_read_log
from leadscoring.models import Lead
from scoring import selectors, services
from scoring.inline import InlineLeadCheck
from scoring.models import ScoringProgram

from .. import serializers as s
from .jobs import JOB_ACCEPTED_EXAMPLE, job_accepted

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

BATCH = {
    "scored": 2,
    "failed": 1,
    "skipped": 0,
    "results": [
        {
            "index": 0,
            "lead_id": 42,
            "ok": True,
            "lead_score": 81.5,
            "tier": "Hot",
            "probability": 0.42,
            "errors": {},
        },
        {
            "index": 1,
            "lead_id": 999,
            "ok": False,
            "lead_score": None,
            "tier": None,
            "probability": None,
            "errors": {"lead_id": ["No such lead."]},
        },
        {
            "index": 2,
            "lead_id": 43,
            "ok": True,
            "lead_score": 22.0,
            "tier": "Cold",
            "probability": 0.03,
            "errors": {},
        },
    ],
}

BATCH_EXAMPLE = example("Per-item results", BATCH, status_codes=["200"])


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
        program = selectors.program_by_slug(data.validated_data.get("program"))
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
            BATCH_EXAMPLE,
            JOB_ACCEPTED_EXAMPLE,
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
        program = selectors.program_by_slug(data.validated_data.get("program"))
        actor = actor_of(request)
        if data.validated_data.get("all"):
            return job_accepted(services.leads_batch_score_start(actor=actor, program=program))
        if "leads" in data.validated_data:
            return Response(s.BatchScoreOut(self._inline(data.validated_data["leads"], program)).data)
        lead_ids = data.validated_data["lead_ids"]
        if len(set(lead_ids)) > SYNC_BATCH_LIMIT:
            return job_accepted(
                services.leads_batch_score_start(lead_ids=lead_ids, actor=actor, program=program)
            )
        return Response(s.BatchScoreOut(self._stored(lead_ids, program, actor)).data)

    def _inline(self, items: list, program: ScoringProgram) -> dict:
        results = []
        check = InlineLeadCheck(program=program)
        for index, raw in enumerate(items):
            try:
                payload = s.InlineLeadField().run_validation(raw)
                if errors := check.errors(payload):
                    raise serializers.ValidationError(errors)
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
        existing = selectors.lead_ids_existing(lead_ids=lead_ids)
        outcome = services.leads_rescore(
            lead_ids=sorted(existing), trigger="batch", program=program, actor=actor, reason="batch-score API"
        )
        failures = dict(outcome.errors)
        scores = selectors.lead_scores_by_lead(program=program, lead_ids=existing)
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
