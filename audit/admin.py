from django.contrib import admin, messages
from simple_history.admin import SimpleHistoryAdmin

from .models import Erasure, ExportLog, PersonalDataAccess, RetentionPolicy, RetentionRun
from .services.retention import retention_apply


class ReadOnlyAdmin(admin.ModelAdmin):
    """Compliance records are written by the services only: read here, never added, changed or deleted."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "integration", "lead_external_id", "channel", "action")
    list_filter = ("channel",)
    search_fields = ("lead_external_id", "user__username", "integration", "action")
    date_hierarchy = "created_at"


@admin.register(Erasure)
class ErasureAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "lead_id", "user", "request_ref", "reason")
    search_fields = ("request_ref", "lead_id")
    date_hierarchy = "created_at"


@admin.register(ExportLog)
class ExportLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "rows", "user", "sha256")
    list_filter = ("kind",)
    date_hierarchy = "created_at"


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "dry_run", "counts", "user")
    list_filter = ("dry_run",)


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(SimpleHistoryAdmin):
    list_display = ("kind", "max_age_days", "action", "active")
    list_editable = ("max_age_days", "action", "active")
    actions = ["dry_run"]

    @admin.action(description="Dry run: count what the active policies would remove now")
    def dry_run(self, request, queryset):
        run = retention_apply(dry_run=True, user=request.user)
        counts = ", ".join(f"{kind}: {n:,}" for kind, n in run.counts.items()) or "no active policy"
        self.message_user(request, f"Dry run: {counts}. Nothing was removed.", messages.INFO)
