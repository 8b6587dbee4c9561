from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from simple_history.admin import SimpleHistoryAdmin

from . import selectors, services
from .comparison import models_compare
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
from .whatif import whatif


class TierInline(admin.TabularInline):
    model = TierDefinition
    extra = 0


@admin.register(ScoringProgram)
class ScoringProgramAdmin(SimpleHistoryAdmin):
    list_display = ("name", "slug", "is_default", "outcome_window_days", "active")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [TierInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A new program starts with the default tiers and signals, ready to edit and train.
        services.program_seed(program=obj)


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
        "leakage_findings",
        "leakage_decisions",
    )

    actions = ["train", "deploy", "rollback", "compare", "what_if", "review_leakage"]

    class LeakageDecisionForm(forms.Form):
        column = forms.ChoiceField()
        decision = forms.ChoiceField(
            choices=[
                ("confirmed", "Confirmed: recorded after the outcome"),
                ("cleared", "Cleared: known before"),
            ]
        )
        reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))

    @admin.action(description="Confirm or clear the columns the leakage screen named")
    def review_leakage(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one trained version.", messages.ERROR)
            return None
        model = queryset.get()
        findings = model.leakage_findings or []
        if not findings:
            self.message_user(request, f"The leakage screen of {model} named no column.", messages.INFO)
            return None
        form = self.LeakageDecisionForm(request.POST if "record" in request.POST else None)
        form.fields["column"].choices = [(row["column"], row["column"]) for row in findings]
        error = ""
        if form.is_valid():
            try:
                services.leakage_decision_record(model=model, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                error = "; ".join(exc.messages)
            else:
                self.message_user(
                    request, f"{model}: {form.cleaned_data['column']} {form.cleaned_data['decision']}."
                )
                form = self.LeakageDecisionForm()
                form.fields["column"].choices = [(row["column"], row["column"]) for row in findings]
        decisions = model.leakage_decisions or {}
        context = {
            **self.admin_site.each_context(request),
            "model": model,
            "form": form,
            "error": error,
            "findings": [{**row, "decision": decisions.get(row["column"])} for row in findings],
            "opts": self.model._meta,
            "queryset": queryset,
            "title": f"Leakage review of {model}",
        }
        return TemplateResponse(request, "admin/scoring/leakage_review.html", context)

    class OverrideForm(forms.Form):
        override_reason = forms.CharField(
            label="Reason for deploying a version that failed its validation gates",
            widget=forms.Textarea(attrs={"rows": 3}),
        )

    @admin.action(description="Train and validate the selected versions (background)")
    def train(self, request, queryset):
        for model in queryset:
            job = services.model_train_start(model=model, actor=request.user)
            self.message_user(
                request, f"Training {model} queued as job #{job.pk}; progress shows in the list."
            )

    @admin.action(description="Deploy the selected version (make it live)")
    def deploy(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version to deploy.", messages.ERROR)
            return None
        model = queryset.get()
        form = self.OverrideForm(request.POST if "override_reason" in request.POST else None)
        reason = form.cleaned_data["override_reason"] if form.is_valid() else ""
        try:
            services.model_deploy(model=model, actor=request.user, override_reason=reason)
        except services.DeployRefused as exc:
            if model.artifact_path and model.validation_passed is False:
                context = {
                    **self.admin_site.each_context(request),
                    "model": model,
                    "form": form,
                    "error": str(exc),
                    "opts": self.model._meta,
                    "queryset": queryset,
                    "title": f"Deploy {model}?",
                }
                return TemplateResponse(request, "admin/scoring/deploy_override.html", context)
            self.message_user(request, str(exc), messages.ERROR)
            return None
        self.message_user(request, f"{model} is live; all leads are being rescored.")
        return None

    @admin.action(description="Roll back the program of the selected version to its previous live version")
    def rollback(self, request, queryset):
        for program_id in set(queryset.values_list("program_id", flat=True)):
            program = ScoringProgram.objects.get(pk=program_id)
            try:
                model = services.model_rollback(program=program, actor=request.user)
                self.message_user(request, f"{program.name}: rolled back to {model}.")
            except services.DeployRefused as exc:
                self.message_user(request, str(exc), messages.ERROR)

    @admin.action(description="Compare two versions side by side")
    def compare(self, request, queryset):
        if queryset.count() != 2:
            self.message_user(request, "Select exactly two versions to compare.", messages.ERROR)
            return None
        first, second = queryset.order_by("version")
        context = {
            **self.admin_site.each_context(request),
            "comparison": models_compare(first=first, second=second),
            "opts": self.model._meta,
            "title": f"Compare v{first.version} and v{second.version}",
        }
        return TemplateResponse(request, "admin/scoring/compare.html", context)

    @admin.action(description="What-if: replay the selected version over history and current leads")
    def what_if(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one trained version.", messages.ERROR)
            return None
        model = queryset.get()
        try:
            result = whatif(program=model.program, candidate=model, bounds=model.thresholds or None)
        except (LookupError, ValueError, ValidationError) as exc:
            self.message_user(request, f"What-if unavailable: {exc}", messages.ERROR)
            return None
        context = {
            **self.admin_site.each_context(request),
            "result": result,
            "model": model,
            "opts": self.model._meta,
            "title": f"What-if: {model}",
        }
        return TemplateResponse(request, "admin/scoring/whatif.html", context)

    @admin.display(description="AUC")
    def auc(self, obj):
        value = (obj.metrics or {}).get("auc")
        return f"{value:.3f}" if isinstance(value, (int, float)) else "-"


class LeadScoreOverrideForm(forms.ModelForm):
    class Meta:
        model = LeadScore
        fields = ("override_score", "override_tier", "override_reason", "override_expires_at")

    def clean(self):
        data = super().clean()
        if data.get("override_score") is None and not data.get("override_tier"):
            return data
        if not (data.get("override_reason") or "").strip():
            self.add_error("override_reason", "An override needs a reason.")
        names = [t.name for t in selectors.tiers_for(program=self.instance.program)]
        if data.get("override_tier") and data["override_tier"] not in names:
            self.add_error("override_tier", f"Unknown tier; one of {', '.join(names)}.")
        score = data.get("override_score")
        if score is not None and not 0 <= score <= 100:
            self.add_error("override_score", "A score is between 0 and 100.")
        return data


@admin.register(LeadScore)
class LeadScoreAdmin(admin.ModelAdmin):
    form = LeadScoreOverrideForm
    list_display = ("lead", "program", "score", "tier", "probability", "trend", "scored_at", "override_tier")
    list_filter = ("program", "tier", "trend")
    search_fields = ("lead__external_id", "lead__email")
    list_select_related = ("lead", "program")
    override_fields = ("override_score", "override_tier", "override_reason", "override_expires_at")
    readonly_fields = (
        "lead",
        "program",
        "model",
        "score",
        "tier",
        "probability",
        "confidence",
        "subtotals",
        "top_factors",
        "missing_signals",
        "trend",
        "scored_at",
        "tier_since",
        "override_by",
    )

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        # Overrides go through the service: it validates, records who and why, and logs the decision.
        data = {name: form.cleaned_data.get(name) for name in self.override_fields}
        if data["override_score"] is None and not data["override_tier"]:
            services.lead_override_clear(lead=obj.lead, actor=request.user, program=obj.program)
            return
        services.lead_override(
            lead=obj.lead,
            program=obj.program,
            actor=request.user,
            tier=data["override_tier"] or "",
            score=data["override_score"],
            reason=data["override_reason"] or "",
            expires_at=data["override_expires_at"],
        )


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

    # The decision log is append-only: decisions are written by scoring, never typed in, changed or deleted.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ABTest)
class ABTestAdmin(SimpleHistoryAdmin):
    list_display = ("name", "program", "champion", "challenger", "challenger_share", "status", "started_at")
    list_filter = ("program", "status")


@admin.register(LeadFeedback)
class LeadFeedbackAdmin(SimpleHistoryAdmin):
    list_display = ("lead", "verdict", "user", "reason", "created_at", "reviewed_at")
    # "Reviewed: empty" with "Bad fit" is the ops review queue.
    list_filter = ("verdict", ("reviewed_at", admin.EmptyFieldListFilter))
    raw_id_fields = ("lead",)
    actions = ["mark_reviewed"]

    @admin.action(description="Mark the selected verdicts reviewed")
    def mark_reviewed(self, request, queryset):
        done = services.lead_feedback_reviewed(feedback=list(queryset), actor=request.user)
        self.message_user(request, f"{done} verdict(s) marked reviewed.")


# The automation's admin (assignments, rules, notifications, SLA clocks, contacts) registers itself.
from .automation import admin as automation_admin  # noqa: E402, F401
