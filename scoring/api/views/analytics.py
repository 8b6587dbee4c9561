"""`performance` and `analytics`: KPIs and figures of a program over a date range."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from config.api.common import ApiView
from config.api.permissions import READERS_STAFF
from config.api.schema import example
from scoring import analytics, selectors

from .. import serializers as s

PROGRAM = {"id": 1, "name": "Lead score", "slug": "lead-score"}
PERFORMANCE = {
    "program": PROGRAM,
    "start": "2025-12-01",
    "end": "2026-02-28",
    "kpis": {
        "lead_volume": 1200,
        "average_score": 41.3,
        "qualified_leads": 310,
        "qualified_share": 0.2583,
        "converted_leads": 96,
        "conversion_rate": 0.08,
        "closed_leads": 400,
        "model_accuracy": 0.81,
        "revenue_attributed": 412000.0,
        "qualification_threshold": 50.0,
        "model_auc": 0.84,
        "model_version": 3,
    },
    "by_tier": [
        {
            "tier": "Hot",
            "colour": "#d64545",
            "share": 0.08,
            "leads": 96,
            "converted": 31,
            "conversion_rate": 0.3229,
        },
    ],
}
ANALYTICS = {
    "program": PROGRAM,
    "start": "2025-12-01",
    "end": "2026-02-28",
    "score_distribution": {"bins": [{"band": "0-5", "low": 0, "high": 5, "leads": 40}], "total": 1200},
    "funnel": [{"stage": "new", "label": "Lead", "leads": 1200, "share_of_top": 1.0}],
    "sources": [
        {"name": "webinar", "leads": 120, "converted": 14, "conversion_rate": 0.1167, "avg_score": 58.2}
    ],
    "geography": [
        {"name": "UK", "leads": 300, "converted": 25, "conversion_rate": 0.0833, "avg_score": 44.0}
    ],
    "trends": {"granularity": "week", "points": [{"period": "2026-02-23", "leads": 95, "avg_score": 43.1}]},
}

PERFORMANCE_EXAMPLE = example("Last 90 days", PERFORMANCE, status_codes=["200"])
ANALYTICS_EXAMPLE = example("Last 90 days", ANALYTICS, status_codes=["200"])


def _range(query: dict) -> tuple:
    start, end = analytics.default_range()
    return query.get("start") or (query["end"] - (end - start) if query.get("end") else start), query.get(
        "end"
    ) or end


def _analytics_request(query_class, request):
    """Parse an analytics query: the program, the date range (checked) and the body's common head."""
    query = query_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    program = selectors.program_by_slug(query.validated_data.get("program"))
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
        examples=[PERFORMANCE_EXAMPLE],
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
        examples=[ANALYTICS_EXAMPLE],
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
