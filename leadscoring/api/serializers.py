"""What the CRM endpoints (lead upsert and update, events) accept and return; the score-showing output is
in scoring.api.serializers. Validation only: no business logic here."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.common import MAX_ID
from config.api.strict import StrictSerializer
from leadscoring.event_time import future_error
from leadscoring.models import ActivityEvent, Lead

MAX_MONEY = 10**12 - 1


def money_field() -> serializers.DecimalField:
    """An optional amount of money: a JSON number (as the schema says), 0 to MAX_MONEY, cents."""
    return serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        max_value=MAX_MONEY,
        required=False,
        allow_null=True,
        coerce_to_string=False,
    )


@extend_schema_field(OpenApiTypes.OBJECT)
class BoundedJSONObject(serializers.JSONField):
    """A JSON object (not a list or a scalar) of bounded size."""

    def __init__(self, *, max_keys: int = 200, **kwargs):
        self.max_keys = max_keys
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        data = super().to_internal_value(data)
        if not isinstance(data, dict):
            raise serializers.ValidationError("Must be a JSON object.")
        if len(data) > self.max_keys:
            raise serializers.ValidationError(f"At most {self.max_keys} keys.")
        return data


# ---- output ----------------------------------------------------------------------------------------------


class LeadWriteOut(StrictSerializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    source_system = serializers.CharField()
    created = serializers.BooleanField()
    url = serializers.CharField()


# ---- input -----------------------------------------------------------------------------------------------


class LeadFieldsIn(StrictSerializer):
    """Lead fields an integration may set; anything else goes in `attributes` (a JSON object)."""

    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=128)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=128)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=64)
    title = serializers.CharField(required=False, allow_blank=True, max_length=255)
    seniority = serializers.ChoiceField(choices=Lead.Seniority.choices, required=False, allow_blank=True)
    department = serializers.CharField(required=False, allow_blank=True, max_length=128)
    account_id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    owner_id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    source = serializers.CharField(required=False, allow_blank=True, max_length=128)
    country = serializers.CharField(required=False, allow_blank=True, max_length=64)
    status = serializers.ChoiceField(choices=Lead.Status.choices, required=False)
    converted_at = serializers.DateTimeField(required=False, allow_null=True)
    revenue = money_field()
    budget = money_field()
    authority = serializers.BooleanField(required=False, allow_null=True)
    need = serializers.CharField(required=False, allow_blank=True, max_length=255)
    timeline_days = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=36500)
    do_not_email = serializers.BooleanField(required=False)
    do_not_call = serializers.BooleanField(required=False)
    unsubscribed = serializers.BooleanField(required=False)
    attributes = BoundedJSONObject(
        required=False, help_text="Any other CRM column (each key may become a Signal)."
    )


class LeadUpsertIn(LeadFieldsIn):
    """Create or update by (source_system, external_id)."""

    external_id = serializers.CharField(max_length=128)
    source_system = serializers.CharField(max_length=64, required=False, default="crm")


class EventIn(StrictSerializer):
    """One activity event; `(source, external_id)` makes a re-send a no-op."""

    lead_id = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    lead_external_id = serializers.CharField(required=False, max_length=128)
    lead_source_system = serializers.CharField(required=False, max_length=64, default="crm")
    kind = serializers.ChoiceField(choices=ActivityEvent.Kind.choices)
    occurred_at = serializers.DateTimeField()
    source = serializers.CharField(max_length=64, required=False, default="api")
    external_id = serializers.CharField(max_length=128)
    url = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    properties = BoundedJSONObject(required=False, default=dict)

    def validate_occurred_at(self, value):
        if reason := future_error(value):
            raise serializers.ValidationError(reason)
        return value

    def validate(self, attrs):
        if not attrs.get("lead_id") and not attrs.get("lead_external_id"):
            raise serializers.ValidationError({"lead_id": ["Give lead_id, or lead_external_id."]})
        return attrs


class EventOut(StrictSerializer):
    id = serializers.IntegerField()
    lead_id = serializers.IntegerField()
    kind = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    source = serializers.CharField()
    external_id = serializers.CharField()
    created = serializers.BooleanField(
        help_text="False when this (source, external_id) was already recorded."
    )


class EventItemOut(StrictSerializer):
    index = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["created", "duplicate", "error"])
    event_id = serializers.IntegerField(allow_null=True)
    lead_id = serializers.IntegerField(allow_null=True)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class EventBulkOut(StrictSerializer):
    received = serializers.IntegerField()
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = EventItemOut(many=True)
