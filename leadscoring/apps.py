from django.apps import AppConfig


class LeadscoringConfig(AppConfig):
    name = "leadscoring"
    default_auto_field = "django.db.models.BigAutoField"
