"""Filters over the leads a user may see (`selectors.lead_scores_visible`), for the API and the lead pages.

Tier and score filters read the effective tier and score (an active override's, else the model's): the
figures both the page and the API show.
"""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q

from config.api.common import MAX_ID
from leadscoring.models import Lead

from . import selectors
from .models import LeadScore

SEARCHED_FIELDS = ("lead__first_name", "lead__last_name", "lead__email", "lead__account__name", "lead__title")


class LeadScoreFilter(filters.FilterSet):
    """`GET leads` filters: tier, score range, owner, source, status, country, updated since; order by score."""

    tier = filters.CharFilter(method="filter_tier", max_length=32, help_text="Tier name, e.g. Hot.")
    score_min = filters.NumberFilter(method="filter_score", min_value=0, max_value=100)
    score_max = filters.NumberFilter(method="filter_score", min_value=0, max_value=100)
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

    def __init__(self, data=None, *args, known_tiers=(), **kwargs):
        super().__init__(data, *args, **kwargs)
        # The program's tier names: a tier that is not one of them is a 400, never an empty page.
        self.known_tiers = list(known_tiers)

    def is_valid(self) -> bool:
        valid = super().is_valid()
        tier = self.form.cleaned_data.get("tier") if valid else None
        if tier and self.known_tiers and tier not in self.known_tiers:
            self.form.add_error(
                "tier", f"Unknown tier {tier!r}; this program's tiers are {', '.join(self.known_tiers)}."
            )
            return False
        return valid

    def filter_tier(self, queryset, name, value):
        return queryset.filter(selectors.effective_tier_q(value)) if value else queryset

    def filter_score(self, queryset, name, value):
        if value is None:
            return queryset
        lookup = "gte" if name == "score_min" else "lte"
        return queryset.filter(selectors.effective_score_q(lookup, float(value)))


class LeadPageFilter(LeadScoreFilter):
    """The lead list page's filters: the API's, with the program's tiers as choices, `owner` as "me" or
    "pool" and a free-text search. A value that does not fit is ignored, as a page does with a stale link."""

    tier = filters.ChoiceFilter(method="filter_tier", choices=())
    owner = filters.ChoiceFilter(method="filter_owner", choices=(("me", "Mine"), ("pool", "Unassigned")))
    q = filters.CharFilter(method="filter_search")

    def __init__(self, data=None, *args, tiers=(), **kwargs):
        super().__init__(data, *args, **kwargs)
        self.filters["tier"].extra["choices"] = [(t.name, t.name) for t in tiers]

    def filter_owner(self, queryset, name, value):
        if value == "me":
            return queryset.filter(lead__owner=self.request.user)
        return queryset.filter(lead__owner__isnull=True)

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        words = Q()
        for field in SEARCHED_FIELDS:
            words |= Q(**{f"{field}__icontains": value})
        return queryset.filter(words)
