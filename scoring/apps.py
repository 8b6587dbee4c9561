from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ScoringConfig(AppConfig):
    name = "scoring"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import receivers  # noqa: F401  (connects the receivers)
        from .automation import receivers as automation_receivers  # noqa: F401
        from .permissions import role_permissions_sync

        post_migrate.connect(role_permissions_sync, sender=self)
