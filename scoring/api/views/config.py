"""`config`: tier thresholds, SLAs, cadences and the stale rule."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from config.api.caller import actor_of
from config.api.common import ApiView
from config.api.permissions import READERS_STAFF, WRITERS_CONFIG
from config.api.schema import example
from scoring import selectors, services
from scoring.models import ScoringProgram, ScoringSettings
from scoring.services.config import TIER_CONFIG_FIELDS

from .. import serializers as s
from .common import PROGRAM_PARAM

CONFIG = {
    "program": "lead-score",
    "tiers": [
        {
            "name": "Hot",
            "rank": 1,
            "lower_bound": 75.0,
            "colour": "#d64545",
            "sla_hours": 1,
            "recommended_action": "Call now: respond within 1 business hour",
            "cadence_days": 1,
        },
        {
            "name": "Cold",
            "rank": 4,
            "lower_bound": 0.0,
            "colour": "#7a8794",
            "sla_hours": None,
            "recommended_action": "Marketing nurture only",
            "cadence_days": 30,
        },
    ],
    "settings": {
        "stale_after_days": 45,
        "trend_window_days": 14,
        "trend_band": 5.0,
        "hysteresis": 3.0,
        "hot_capacity": 0,
        "low_confidence_below": 0.3,
    },
}

CONFIG_EXAMPLE = example("Configuration", CONFIG, status_codes=["200"])


SETTINGS_FIELDS = tuple(s.SettingsConfig().fields)


def _config_body(program: ScoringProgram) -> dict:
    settings_row = ScoringSettings.load()
    return {
        "program": program.slug,
        "tiers": [
            {"name": t.name, "rank": t.rank, **{name: getattr(t, name) for name in TIER_CONFIG_FIELDS}}
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
        examples=[CONFIG_EXAMPLE],
    )
    def get(self, request):
        return Response(s.ConfigOut(_config_body(selectors.program_for_request(request))).data)

    @extend_schema(
        operation_id="config_update",
        summary="Change thresholds, SLAs, cadences or the stale rule (only what is given)",
        description="Tier bounds must still fall from the best tier to the worst after the change (else 400). "
        "Every change is kept in the history.",
        request=s.ConfigIn,
        responses={200: s.ConfigOut},
        examples=[
            CONFIG_EXAMPLE,
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
        program = selectors.program_by_slug(data.validated_data.get("program"))
        services.config_update(
            program=program,
            tiers=data.validated_data.get("tiers", []),
            settings=data.validated_data.get("settings"),
            actor=actor_of(request),
        )
        return Response(s.ConfigOut(_config_body(program)).data)
