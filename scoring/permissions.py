"""What each role may do in the admin; synced after every migrate so new models are covered."""

from django.contrib.auth.models import Group, Permission

from config.roles import COMPLIANCE, OPS

OPS_APPS = ("scoring", "leadscoring", "django_celery_beat")
READ_APPS = ("scoring", "leadscoring", "audit")


def role_permissions_sync(**kwargs) -> None:
    ops, _ = Group.objects.get_or_create(name=OPS)
    ops.permissions.add(*Permission.objects.filter(content_type__app_label__in=OPS_APPS))
    compliance, _ = Group.objects.get_or_create(name=COMPLIANCE)
    compliance.permissions.add(
        *Permission.objects.filter(content_type__app_label__in=READ_APPS, codename__startswith="view_")
    )
