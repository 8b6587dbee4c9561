"""django-import-export resources: the admin's CSV/XLSX import with dry-run preview."""

from import_export import resources

from .models import Account, ActivityEvent, Deal, Lead


class AccountResource(resources.ModelResource):
    class Meta:
        model = Account


class LeadResource(resources.ModelResource):
    class Meta:
        model = Lead


class ActivityEventResource(resources.ModelResource):
    class Meta:
        model = ActivityEvent


class DealResource(resources.ModelResource):
    class Meta:
        model = Deal
