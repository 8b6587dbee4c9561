"""Admin for the automation: the rules ops edit, assignments (reassign by hand), and read-only records."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import Assignment, AssignmentRules, Notification, RepContact, SlaClock


@admin.register(AssignmentRules)
class AssignmentRulesAdmin(SimpleHistoryAdmin):
    list_display = (
        "__str__",
        "territory_weight",
        "industry_weight",
        "workload_weight",
        "win_rate_weight",
        "reassign_on_breach",
    )

    def has_add_permission(self, request):
        return not AssignmentRules.objects.exists()


class ReassignForm(forms.ModelForm):
    reason = forms.CharField(required=False, max_length=255, help_text="Why, for the lead's history.")

    class Meta:
        model = Assignment
        fields = ("lead", "rep")


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    """Adding an assignment here hands the lead over by hand, recorded like an automatic one."""

    list_display = ("lead", "rep", "method", "assigned_at", "reasons_text")
    list_filter = ("method",)
    raw_id_fields = ("lead", "rep")
    form = ReassignForm

    @admin.display(description="Reasons")
    def reasons_text(self, obj):
        return "; ".join(obj.reasons or [])

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        row = services.lead_reassign(
            lead=form.cleaned_data["lead"],
            rep_user=form.cleaned_data["rep"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
        obj.pk, obj.assigned_at, obj.method, obj.reasons = row.pk, row.assigned_at, row.method, row.reasons


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("title", "recipient", "kind", "created_at", "read_at", "email_status", "email_attempts")
    list_filter = ("kind", "email_status")
    search_fields = ("title", "recipient__username")
    raw_id_fields = ("lead", "recipient")


@admin.register(SlaClock)
class SlaClockAdmin(ReadOnlyAdmin):
    list_display = (
        "lead",
        "owner",
        "tier",
        "started_at",
        "due_at",
        "stopped_at",
        "stop_reason",
        "breached_at",
    )
    list_filter = ("tier", "stop_reason")
    raw_id_fields = ("lead", "owner", "stopped_by")


@admin.register(RepContact)
class RepContactAdmin(ReadOnlyAdmin):
    list_display = ("lead", "rep", "kind", "outcome", "occurred_at")
    list_filter = ("kind", "outcome")
    raw_id_fields = ("lead", "rep")
