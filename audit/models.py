"""Compliance records: every read of a lead's personal data."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class PersonalDataAccess(models.Model):
    """Who read a lead's personal data, through which channel, and when."""

    class Channel(models.TextChoices):
        API = "api", "API"
        PAGE = "page", "Page"
        EXPORT = "export", "Export"
        ADMIN = "admin", "Admin"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    integration = models.CharField(max_length=128, blank=True, default="")
    lead = models.ForeignKey("leadscoring.Lead", null=True, on_delete=models.SET_NULL, related_name="+")
    lead_external_id = models.CharField(max_length=128, blank=True, default="")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    action = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "personal data accesses"

    def __str__(self) -> str:
        return f"{self.channel} {self.action} lead {self.lead_external_id}"
