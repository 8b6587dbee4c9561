from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    ABTest,
    AccountScore,
    LeadFeedback,
    LeadScore,
    ScoreSnapshot,
    ScoringModel,
    ScoringProgram,
    ScoringSettings,
    Signal,
    TierDefinition,
)


class TierInline(admin.TabularInline):
    model = TierDefinition
    extra = 0


@admin.register(ScoringProgram)
class ScoringProgramAdmin(SimpleHistoryAdmin):
    list_display = ("name", "slug", "is_default", "outcome_window_days", "active")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [TierInline]


@admin.register(Signal)
class SignalAdmin(SimpleHistoryAdmin):
    list_display = (
        "name",
        "key",
        "program",
        "dimension",
        "value_type",
        "source",
        "transformation",
        "points",
        "weight",
        "cap",
        "active",
    )
    list_editable = ("points", "weight", "cap", "active")
    list_filter = ("program", "dimension", "source", "value_type", "active")
    search_fields = ("name", "key", "source_field", "event_kind")


@admin.register(TierDefinition)
class TierDefinitionAdmin(SimpleHistoryAdmin):
    list_display = (
        "name",
        "program",
        "rank",
        "lower_bound",
        "sla_hours",
        "cadence_days",
        "recommended_action",
    )
    list_editable = ("lower_bound", "sla_hours", "cadence_days")
    list_filter = ("program",)


@admin.register(ScoringSettings)
class ScoringSettingsAdmin(SimpleHistoryAdmin):
    list_display = (
        "__str__",
        "stale_after_days",
        "trend_window_days",
        "trend_band",
        "hysteresis",
        "hot_capacity",
    )

    def has_add_permission(self, request):
        return not ScoringSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScoringModel)
class ScoringModelAdmin(SimpleHistoryAdmin):
    list_display = (
        "__str__",
        "kind",
        "model_type",
        "status",
        "validation_passed",
        "auc",
        "progress",
        "trained_at",
        "deployed_at",
    )
    list_filter = ("program", "status", "kind", "model_type")
    search_fields = ("name",)
    readonly_fields = (
        "version",
        "status",
        "validation_passed",
        "metrics",
        "thresholds",
        "signals",
        "report",
        "artifact_path",
        "artifact_sha256",
        "progress",
        "progress_message",
        "error",
        "trained_on",
        "trained_at",
        "deployed_at",
        "replaces",
        "created_by",
    )

    @admin.display(description="AUC")
    def auc(self, obj):
        value = (obj.metrics or {}).get("auc")
        return f"{value:.3f}" if isinstance(value, (int, float)) else "-"


@admin.register(LeadScore)
class LeadScoreAdmin(admin.ModelAdmin):
    list_display = ("lead", "program", "score", "tier", "probability", "trend", "scored_at", "override_tier")
    list_filter = ("program", "tier", "trend")
    search_fields = ("lead__external_id", "lead__email")
    list_select_related = ("lead", "program")
    raw_id_fields = ("lead", "model", "override_by")


@admin.register(AccountScore)
class AccountScoreAdmin(admin.ModelAdmin):
    list_display = ("account", "program", "score", "tier", "best_lead_score", "active_contacts", "updated_at")
    list_filter = ("program", "tier")
    search_fields = ("account__name", "account__domain")
    list_select_related = ("account", "program")
    raw_id_fields = ("account", "best_lead")


@admin.register(ScoreSnapshot)
class ScoreSnapshotAdmin(admin.ModelAdmin):
    list_display = ("lead", "program", "model", "score", "tier", "previous_tier", "trigger", "created_at")
    list_filter = ("program", "trigger", "tier")
    search_fields = ("lead__external_id", "lead__email")
    list_select_related = ("lead", "program", "model", "model__program")
    raw_id_fields = ("lead", "model", "actor")
    date_hierarchy = "created_at"

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ABTest)
class ABTestAdmin(SimpleHistoryAdmin):
    list_display = ("name", "program", "champion", "challenger", "challenger_share", "status", "started_at")
    list_filter = ("program", "status")


@admin.register(LeadFeedback)
class LeadFeedbackAdmin(SimpleHistoryAdmin):
    list_display = ("lead", "verdict", "user", "reason", "created_at")
    list_filter = ("verdict",)
    raw_id_fields = ("lead",)
