"""`GET leads` filters: tier, score range, owner, source, status, country, updated since; order by score."""

from __future__ import annotations

import django_filters as filters

from config.api.common import MAX_ID
from leadscoring.models import Lead
from scoring.models import LeadScore


class LeadScoreFilter(filters.FilterSet):
    tier = filters.CharFilter(field_name="tier", max_length=32, help_text="Tier name, e.g. Hot.")
    score_min = filters.NumberFilter(field_name="score", lookup_expr="gte", min_value=0, max_value=100)
    score_max = filters.NumberFilter(field_name="score", lookup_expr="lte", min_value=0, max_value=100)
    owner = filters.NumberFilter(
        field_name="lead__owner_id", min_value=1, max_value=MAX_ID, help_text="Owner's user id."
    )
    unassigned = filters.BooleanFilter(field_name="lead__owner", lookup_expr="isnull")
    source = filters.CharFilter(field_name="lead__source", max_length=128)
    status = filters.ChoiceFilter(field_name="lead__status", choices=Lead.Status.choices)
    country = filters.CharFilter(field_name="lead__country", max_length=64)
    updated_since = filters.IsoDateTimeFilter(
        field_name="lead__updated_at", lookup_expr="gte", help_text="ISO 8601 date-time."
    )
    ordering = filters.OrderingFilter(
        fields=(("score", "score"), ("scored_at", "scored_at"), ("lead__updated_at", "updated_at")),
        help_text="`-score` (default), `score`, `scored_at`, `-scored_at`, `updated_at`, `-updated_at`.",
    )

    class Meta:
        model = LeadScore
        fields = []
