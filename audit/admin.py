from django.contrib import admin

from .models import PersonalDataAccess


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "integration", "lead_external_id", "channel", "action")
    list_filter = ("channel",)
    search_fields = ("lead_external_id", "user__username", "integration", "action")
    date_hierarchy = "created_at"

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
