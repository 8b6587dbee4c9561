from django.contrib import admin, messages
from import_export.admin import ImportExportModelAdmin
from import_export.results import RowResult
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey
from simple_history.admin import SimpleHistoryAdmin

from .erasure import lead_erase
from .importing.formats import IMPORT_FORMATS
from .models import Account, ActivityEvent, Deal, IntegrationKey, Lead, Rep
from .resources import AccountResource, ActivityEventResource, DealResource, LeadResource

MAX_REFUSED_MESSAGES = 20


class HistoryImportAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    """Admin with CSV/XLSX import (dry-run preview, per-row errors) and change history.

    A file with some bad rows previews its valid rows with an "Import the N valid rows" button and
    lists the refused ones with the file's row numbers; confirming imports the valid rows only.
    """

    import_template_name = "admin/leadscoring/import.html"

    def add_success_message(self, result, request):
        totals = result.totals
        refused = getattr(result, "refused_rows", [])
        unchanged = totals[RowResult.IMPORT_TYPE_SKIP] - len(refused)
        messages.success(
            request,
            f"Import finished: {totals[RowResult.IMPORT_TYPE_NEW]} new, {totals[RowResult.IMPORT_TYPE_UPDATE]} "
            f"updated, {unchanged} unchanged {self.model._meta.verbose_name_plural}; {len(refused)} rows refused.",
        )
        for row in refused[:MAX_REFUSED_MESSAGES]:
            messages.warning(request, "; ".join(row.messages))
        if len(refused) > MAX_REFUSED_MESSAGES:
            messages.warning(request, f"... and {len(refused) - MAX_REFUSED_MESSAGES} more refused rows.")

    import_formats = IMPORT_FORMATS


@admin.register(Account)
class AccountAdmin(HistoryImportAdmin):
    resource_classes = [AccountResource]
    list_display = ("name", "domain", "industry", "employee_count", "annual_revenue", "country", "stage")
    list_filter = ("industry", "stage", "country")
    search_fields = ("name", "domain", "external_id")


@admin.register(Rep)
class RepAdmin(SimpleHistoryAdmin):
    list_display = ("user", "territory", "capacity", "manager", "time_zone", "notify", "active")
    list_filter = ("active", "territory")
    search_fields = ("user__username", "user__first_name", "user__last_name", "territory")
    autocomplete_fields = ("user", "manager")


@admin.register(Lead)
class LeadAdmin(HistoryImportAdmin):
    resource_classes = [LeadResource]
    list_display = ("__str__", "email", "account", "source", "country", "owner", "status", "created_at")
    list_filter = (
        "status",
        "source",
        "seniority",
        "country",
        "do_not_email",
        "unsubscribed",
        "do_not_process",
    )
    search_fields = ("external_id", "email", "first_name", "last_name", "account__name")
    list_select_related = ("account", "owner")
    raw_id_fields = ("account",)
    date_hierarchy = "created_at"
    readonly_fields = ("erased_at",)

    # Deleting a lead erases the person: the confirmation lists what is wiped, not a cascade of decisions.
    def get_deleted_objects(self, objs, request):
        to_erase = [
            f"{lead._meta.verbose_name}: {lead} (personal data erased; decisions kept)" for lead in objs
        ]
        return to_erase, {"leads erased": len(to_erase)}, set(), []

    def delete_model(self, request, obj):
        lead_erase(lead=obj, actor=request.user, reason="deleted in the admin")

    def delete_queryset(self, request, queryset):
        for lead in queryset:
            lead_erase(lead=lead, actor=request.user, reason="deleted in the admin")


@admin.register(ActivityEvent)
class ActivityEventAdmin(HistoryImportAdmin):
    resource_classes = [ActivityEventResource]
    list_display = ("lead", "kind", "occurred_at", "source", "external_id")
    list_filter = ("kind", "source")
    search_fields = ("external_id", "lead__email", "lead__external_id", "url")
    list_select_related = ("lead",)
    raw_id_fields = ("lead",)
    date_hierarchy = "occurred_at"


@admin.register(Deal)
class DealAdmin(HistoryImportAdmin):
    resource_classes = [DealResource]
    list_display = (
        "__str__",
        "account",
        "lead",
        "amount",
        "outcome",
        "created_on",
        "closed_on",
        "competitor",
    )
    list_filter = ("outcome", "competitor")
    search_fields = ("name", "external_id", "account__name", "lead__email", "loss_reason")
    list_select_related = ("account", "lead")
    raw_id_fields = ("account", "lead")
    date_hierarchy = "closed_on"


# The library's own "API keys" make keys our authentication never accepts (it reads IntegrationKey
# only): hidden, so the admin offers one kind of key, the kind that works.
if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)


@admin.register(IntegrationKey)
class IntegrationKeyAdmin(APIKeyModelAdmin):
    """Create (the key is shown once), scope and revoke integration keys."""

    list_display = (*APIKeyModelAdmin.list_display, "scope")
    list_filter = (*APIKeyModelAdmin.list_filter, "scope")
