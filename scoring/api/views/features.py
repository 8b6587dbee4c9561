"""`features`: the signals a program scores with."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from config.api.caller import actor_of
from config.api.common import ApiView
from config.api.exceptions import Conflict
from config.api.pagination import StandardPagination
from config.api.permissions import READERS_STAFF, WRITERS_CONFIG
from config.api.schema import example
from scoring import selectors, services
from scoring.models import Signal

from .. import serializers as s
from .common import PROGRAM_PARAM, page

SIGNAL = {
    "id": 31,
    "program": "lead-score",
    "key": "pricing_views_7d",
    "name": "Pricing page views (7 days)",
    "dimension": "intent",
    "value_type": "numerical",
    "source": "event",
    "source_field": "",
    "event_kind": "pricing_page",
    "window_days": 7,
    "transformation": "count",
    "points": 12.0,
    "weight": 1.0,
    "cap": 20.0,
    "decay": {},
    "repeat_cap": 10,
    "validation_rules": {},
    "active": True,
}

SIGNAL_EXAMPLE = example("A signal", SIGNAL, status_codes=["200", "201"])
SIGNAL_LIST_EXAMPLE = example("Signals", page(SIGNAL), status_codes=["200"])


class FeatureListApi(ApiView):
    read_roles = READERS_STAFF
    write_roles = WRITERS_CONFIG
    pagination_class = StandardPagination

    @extend_schema(
        operation_id="features_list",
        summary="The signals (features) a program scores with",
        parameters=[PROGRAM_PARAM, OpenApiParameter("active", bool)],
        responses={200: s.SignalSerializer(many=True)},
        examples=[SIGNAL_LIST_EXAMPLE],
    )
    def get(self, request):
        program = selectors.program_for_request(request)
        active = request.query_params.get("active")
        if active is not None and active not in ("true", "false"):
            raise serializers.ValidationError({"active": ["true or false."]})
        signals = selectors.signals_listed(
            program=program, active=None if active is None else active == "true"
        )
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
            SIGNAL_EXAMPLE,
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
        program = selectors.program_for_request(request)
        data = s.SignalSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if selectors.signal_key_taken(program=program, key=data.validated_data["key"]):
            raise Conflict(f"The program already has a signal with key {data.validated_data['key']!r}.")
        signal = services.signal_create(program=program, actor=actor_of(request), **data.validated_data)
        return Response(s.SignalSerializer(signal).data, status=status.HTTP_201_CREATED)


class FeatureDetailApi(ApiView):
    read_roles = READERS_STAFF
    write_roles = WRITERS_CONFIG

    @extend_schema(
        operation_id="features_retrieve",
        summary="One signal",
        responses={200: s.SignalSerializer},
        examples=[SIGNAL_EXAMPLE],
    )
    def get(self, request, pk: int):
        return Response(s.SignalSerializer(get_object_or_404(Signal, pk=pk)).data)

    @extend_schema(
        operation_id="features_update",
        summary="Edit a signal: points, weight, cap, decay, active...",
        request=s.SignalSerializer(partial=True),
        responses={200: s.SignalSerializer},
        examples=[
            SIGNAL_EXAMPLE,
            example("Weight and decay", {"weight": 1.5, "decay": {"half_life_days": 30}}, request=True),
        ],
    )
    def put(self, request, pk: int):
        signal = get_object_or_404(Signal, pk=pk)
        data = s.SignalSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        signal = services.signal_update(signal=signal, actor=actor_of(request), **data.validated_data)
        return Response(s.SignalSerializer(signal).data)
