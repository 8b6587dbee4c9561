"""What the scoring endpoints accept and return. Validation only: no business logic here."""

from __future__ import annotations

import math

from django.urls import reverse
from rest_framework import serializers

from config.api.common import MAX_ID
from config.api.strict import StrictSerializer
from leadscoring.api.serializers import BoundedJSONObject
from scoring import selectors
from scoring.inline import InlineLeadCheck
from scoring.models import Dimension, Job, ScoringModel, Signal

MAX_SIGNAL_NUMBER = 1e12


class InlineLeadField(BoundedJSONObject):
    """A lead given inline: signal keys to plain values (text, number, true/false or null)."""

    def to_internal_value(self, data):
        data = super().to_internal_value(data)
        errors = {}
        for key, value in data.items():
            if len(key) > 128:
                errors[key[:40]] = ["Signal keys are at most 128 characters."]
            elif isinstance(value, bool) or value is None:
                continue
            elif isinstance(value, int | float):
                if not math.isfinite(value) or abs(value) > MAX_SIGNAL_NUMBER:
                    errors[key] = [f"A number between -{MAX_SIGNAL_NUMBER:.0e} and {MAX_SIGNAL_NUMBER:.0e}."]
            elif isinstance(value, str):
                if len(value) > 255:
                    errors[key] = ["Text values are at most 255 characters."]
            else:
                errors[key] = ["A value is text, a number, true/false or null."]
        if errors:
            raise serializers.ValidationError(errors)
        return data


class ScoreIn(StrictSerializer):
    """Either `lead_id` (a stored lead, rescored now) or `lead` (signal values, scored and not stored)."""

    lead_id = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    lead = InlineLeadField(required=False)
    program = serializers.SlugField(required=False, max_length=64)

    def validate(self, attrs):
        if ("lead_id" in attrs) == ("lead" in attrs):
            raise serializers.ValidationError({"lead": ["Give exactly one of lead_id or lead."]})
        if "lead" in attrs:
            program = selectors.program_by_slug(attrs.get("program"))
            errors = InlineLeadCheck(program=program).errors(attrs["lead"])
            if errors:
                raise serializers.ValidationError({"lead": errors})
        return attrs


class ScoreOut(StrictSerializer):
    lead_id = serializers.IntegerField(allow_null=True, help_text="Null when the lead was given inline.")
    stored = serializers.BooleanField(
        help_text="True when a stored lead was rescored and the decision logged."
    )
    lead_score = serializers.FloatField()
    tier = serializers.CharField()
    probability = serializers.FloatField(allow_null=True)
    confidence = serializers.FloatField(allow_null=True)
    recommended_action = serializers.CharField()
    score_breakdown = serializers.DictField(child=serializers.FloatField(allow_null=True))
    top_factors = serializers.ListField()
    missing_signals = serializers.ListField()
    model_version = serializers.IntegerField(allow_null=True)


class BatchScoreIn(StrictSerializer):
    """One of: `lead_ids` (stored leads), `leads` (inline signal values) or `all: true` (every lead)."""

    lead_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, max_length=1000
    )
    leads = serializers.ListField(child=serializers.JSONField(), required=False, max_length=1000)
    all = serializers.BooleanField(required=False, default=False)
    program = serializers.SlugField(required=False, max_length=64)

    def validate(self, attrs):
        given = [name for name in ("lead_ids", "leads") if name in attrs] + (
            ["all"] if attrs.get("all") else []
        )
        if len(given) != 1:
            raise serializers.ValidationError(
                {"lead_ids": ["Give exactly one of lead_ids, leads or all: true."]}
            )
        return attrs


class BatchItemOut(StrictSerializer):
    index = serializers.IntegerField()
    lead_id = serializers.IntegerField(allow_null=True)
    ok = serializers.BooleanField()
    lead_score = serializers.FloatField(allow_null=True)
    tier = serializers.CharField(allow_null=True)
    probability = serializers.FloatField(allow_null=True)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class BatchScoreOut(StrictSerializer):
    scored = serializers.IntegerField()
    failed = serializers.IntegerField()
    skipped = serializers.IntegerField()
    results = BatchItemOut(many=True)


class JobOut(StrictSerializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.ChoiceField(choices=Job.Status.choices)
    progress = serializers.IntegerField(help_text="Percent done.")
    message = serializers.CharField()
    params = serializers.DictField()
    result = serializers.DictField()
    error = serializers.CharField()
    model_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField()

    def get_url(self, job) -> str:
        return reverse("api:job-detail", args=[job.pk])


class JobAcceptedOut(StrictSerializer):
    job = JobOut()
    job_url = serializers.CharField()


class ModelOut(StrictSerializer):
    id = serializers.IntegerField()
    program = serializers.CharField(source="program.slug")
    name = serializers.CharField()
    version = serializers.IntegerField()
    kind = serializers.CharField()
    model_type = serializers.CharField()
    status = serializers.CharField()
    validation_passed = serializers.BooleanField(allow_null=True)
    progress = serializers.IntegerField()
    progress_message = serializers.CharField()
    created_at = serializers.DateTimeField()
    trained_at = serializers.DateTimeField(allow_null=True)
    deployed_at = serializers.DateTimeField(allow_null=True)


class ModelDetailOut(ModelOut):
    training_options = serializers.DictField()
    guardrails = serializers.DictField()
    outcome_definition = serializers.DictField()
    thresholds = serializers.DictField()
    signals = serializers.ListField()
    trained_on = serializers.DictField()
    error = serializers.CharField()
    deploy_override_reason = serializers.CharField()
    replaces_id = serializers.IntegerField(allow_null=True)


class ModelCreateIn(StrictSerializer):
    program = serializers.SlugField(
        required=False, max_length=64, help_text="Program slug; default if absent."
    )
    name = serializers.CharField(max_length=128)
    kind = serializers.ChoiceField(choices=ScoringModel.Kind.choices, default=ScoringModel.Kind.LEARNER)
    model_type = serializers.ChoiceField(
        choices=ScoringModel.ModelType.choices, default=ScoringModel.ModelType.AUTO
    )
    training_options = BoundedJSONObject(required=False, default=dict)
    guardrails = BoundedJSONObject(required=False, default=dict)


class ModelUpdateIn(StrictSerializer):
    name = serializers.CharField(max_length=128, required=False)
    training_options = BoundedJSONObject(required=False)
    guardrails = BoundedJSONObject(required=False)


class DeployIn(StrictSerializer):
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="Needed to deploy a version that failed its validation gates; recorded in its history.",
    )


class ModelPerformanceOut(StrictSerializer):
    model_id = serializers.IntegerField()
    version = serializers.IntegerField()
    status = serializers.CharField()
    validation_passed = serializers.BooleanField(allow_null=True)
    metrics = serializers.DictField()
    thresholds = serializers.DictField()
    trained_on = serializers.DictField()


class ModelReportOut(StrictSerializer):
    model_id = serializers.IntegerField()
    version = serializers.IntegerField()
    filename = serializers.CharField()
    markdown = serializers.CharField()


class TierConfig(StrictSerializer):
    name = serializers.CharField(max_length=32)
    rank = serializers.IntegerField(read_only=True)
    lower_bound = serializers.FloatField(min_value=0, max_value=100, required=False)
    colour = serializers.RegexField(r"^#[0-9a-fA-F]{6}$", required=False)
    sla_hours = serializers.IntegerField(min_value=0, max_value=10000, allow_null=True, required=False)
    recommended_action = serializers.CharField(max_length=255, allow_blank=True, required=False)
    cadence_days = serializers.IntegerField(min_value=1, max_value=3650, required=False)


class SettingsConfig(StrictSerializer):
    stale_after_days = serializers.IntegerField(min_value=1, max_value=3650, required=False)
    trend_window_days = serializers.IntegerField(min_value=1, max_value=3650, required=False)
    trend_band = serializers.FloatField(min_value=0, max_value=100, required=False)
    hysteresis = serializers.FloatField(min_value=0, max_value=50, required=False)
    hot_capacity = serializers.IntegerField(min_value=0, max_value=10**7, required=False)
    low_confidence_below = serializers.FloatField(min_value=0, max_value=1, required=False)


class ConfigOut(StrictSerializer):
    program = serializers.CharField()
    tiers = TierConfig(many=True, help_text="Thresholds (lower bounds), SLA, action and cadence per tier.")
    settings = SettingsConfig(help_text="The stale rule, trend window and band, hysteresis, capacity.")


class ConfigIn(StrictSerializer):
    """Only what is given changes; tiers are matched by name."""

    tiers = TierConfig(many=True, required=False, max_length=20)
    settings = SettingsConfig(required=False)
    program = serializers.SlugField(required=False, max_length=64)


class SignalSerializer(StrictSerializer):
    id = serializers.IntegerField(read_only=True)
    program = serializers.CharField(source="program.slug", read_only=True)
    key = serializers.SlugField(max_length=128)
    name = serializers.CharField(max_length=128)
    dimension = serializers.ChoiceField(choices=Dimension.choices)
    value_type = serializers.ChoiceField(choices=Signal.ValueType.choices)
    source = serializers.ChoiceField(choices=Signal.Source.choices)
    source_field = serializers.CharField(max_length=128, allow_blank=True, required=False)
    event_kind = serializers.CharField(max_length=32, allow_blank=True, required=False)
    window_days = serializers.IntegerField(min_value=1, max_value=3650, allow_null=True, required=False)
    transformation = serializers.ChoiceField(choices=Signal.Transformation.choices, required=False)
    points = serializers.FloatField(min_value=-1000, max_value=1000, required=False)
    weight = serializers.FloatField(min_value=-100, max_value=100, required=False)
    cap = serializers.FloatField(min_value=-1000, max_value=1000, allow_null=True, required=False)
    decay = BoundedJSONObject(required=False)
    repeat_cap = serializers.IntegerField(min_value=0, max_value=100000, allow_null=True, required=False)
    validation_rules = BoundedJSONObject(required=False)
    active = serializers.BooleanField(required=False)


class RangeQuery(StrictSerializer):
    program = serializers.SlugField(required=False, max_length=64)
    start = serializers.DateField(required=False, help_text="First day (default: 90 days ago).")
    end = serializers.DateField(required=False, help_text="Last day, inclusive (default: today).")

    def validate(self, attrs):
        start, end = attrs.get("start"), attrs.get("end")
        if start and end and start > end:
            raise serializers.ValidationError({"start": ["start is after end."]})
        if start and end and (end - start).days > 3660:
            raise serializers.ValidationError({"start": ["A range is at most ten years."]})
        return attrs


class AnalyticsQuery(RangeQuery):
    granularity = serializers.ChoiceField(choices=["day", "week", "month"], required=False)


class PerformanceOut(StrictSerializer):
    program = serializers.DictField()
    start = serializers.DateField()
    end = serializers.DateField()
    kpis = serializers.DictField(
        help_text="Lead volume, average score, qualified share, conversion rate, accuracy."
    )
    by_tier = serializers.ListField(
        child=serializers.DictField(), help_text="Conversion and revenue per tier."
    )


class AnalyticsOut(StrictSerializer):
    program = serializers.DictField()
    start = serializers.DateField()
    end = serializers.DateField()
    score_distribution = serializers.DictField()
    funnel = serializers.ListField(child=serializers.DictField())
    sources = serializers.ListField(child=serializers.DictField())
    geography = serializers.ListField(child=serializers.DictField())
    trends = serializers.DictField()


# ---- leads as scored -------------------------------------------------------------------------------------


class OwnerOut(StrictSerializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class AccountOut(StrictSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    domain = serializers.CharField()
    industry = serializers.CharField()
    employee_count = serializers.IntegerField(allow_null=True)
    country = serializers.CharField()


class LeadScoreRowOut(StrictSerializer):
    """One row of `GET leads`: a scored lead."""

    id = serializers.IntegerField(source="lead.id")
    external_id = serializers.CharField(source="lead.external_id")
    source_system = serializers.CharField(source="lead.source_system")
    name = serializers.CharField(source="lead.full_name")
    email = serializers.CharField(source="lead.email")
    company = serializers.CharField(source="lead.account.name", default="", allow_null=True)
    owner = OwnerOut(source="lead.owner", allow_null=True)
    source = serializers.CharField(source="lead.source")
    status = serializers.CharField(source="lead.status")
    country = serializers.CharField(source="lead.country")
    score = serializers.FloatField(source="effective_score")
    tier = serializers.CharField(source="effective_tier")
    probability = serializers.FloatField(allow_null=True)
    confidence = serializers.FloatField(allow_null=True)
    trend = serializers.CharField()
    scored_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField(source="lead.updated_at")


class SnapshotOut(StrictSerializer):
    """One scoring decision (the decision log)."""

    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    score = serializers.FloatField()
    tier = serializers.CharField()
    previous_tier = serializers.CharField()
    probability = serializers.FloatField(allow_null=True)
    confidence = serializers.FloatField(allow_null=True)
    trigger = serializers.CharField()
    reason = serializers.CharField()
    model_version = serializers.IntegerField(source="model.version", default=None, allow_null=True)


class SnapshotDetailOut(SnapshotOut):
    subtotals = serializers.DictField()
    top_factors = serializers.ListField()
    missing_signals = serializers.ListField()
    inputs = serializers.DictField()
    actor = serializers.CharField(source="actor.username", default=None, allow_null=True)


class OverrideOut(StrictSerializer):
    score = serializers.FloatField(allow_null=True)
    tier = serializers.CharField()
    reason = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)


class LeadScoreOut(StrictSerializer):
    program = serializers.CharField()
    score = serializers.FloatField()
    tier = serializers.CharField()
    model_score = serializers.FloatField()
    model_tier = serializers.CharField()
    probability = serializers.FloatField(allow_null=True)
    confidence = serializers.FloatField(allow_null=True)
    subtotals = serializers.DictField()
    top_factors = serializers.ListField()
    missing_signals = serializers.ListField()
    trend = serializers.CharField()
    scored_at = serializers.DateTimeField()
    tier_since = serializers.DateTimeField()
    model_version = serializers.IntegerField(allow_null=True)
    override = OverrideOut(allow_null=True)


class SlaOut(StrictSerializer):
    """The lead's latest SLA clock, counted in its owner's business hours."""

    tier = serializers.CharField()
    hours = serializers.FloatField(help_text="Business hours allowed.")
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    stopped_at = serializers.DateTimeField(allow_null=True)
    stop_reason = serializers.CharField(help_text="contact, left_tier, reassigned, or empty while running.")
    breached = serializers.BooleanField()


class AssignmentOut(StrictSerializer):
    rep = OwnerOut(allow_null=True)
    assigned_at = serializers.DateTimeField()
    method = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())


class LeadDetailOut(StrictSerializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    source_system = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    title = serializers.CharField()
    seniority = serializers.CharField()
    department = serializers.CharField()
    source = serializers.CharField()
    country = serializers.CharField()
    status = serializers.CharField()
    owner = OwnerOut(allow_null=True)
    account = AccountOut(allow_null=True)
    attributes = serializers.DictField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    score = LeadScoreOut(allow_null=True)
    recommended_action = serializers.CharField()
    sla = SlaOut(allow_null=True)
    assignment = AssignmentOut(allow_null=True)
    trend = serializers.CharField(allow_null=True)
    history = SnapshotOut(many=True)


class LeadDetailQuery(StrictSerializer):
    history_days = serializers.IntegerField(
        required=False, min_value=1, max_value=365, help_text="Days of score history (default 14)."
    )
    program = serializers.SlugField(
        required=False, max_length=64, help_text="Program slug; the default program if absent."
    )
