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


class DecisionLink(models.Model):
    """One link of a program's hash chain over the decision log, appended by the sealer (audit.chain).

    `position` orders a program's links in the order the sealer saw their decisions committed; each link
    hashes the previous link, the decision's id and its content digest. The decision is referenced by
    id only (no foreign key): a row deleted behind the trigger's back leaves its link, and verify says so.
    """

    snapshot_id = models.BigIntegerField(primary_key=True)
    program_id = models.BigIntegerField()
    position = models.BigIntegerField()
    content_sha256 = models.CharField(max_length=64)
    link_sha256 = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["program_id", "position"], name="decision_link_position")
        ]

    def __str__(self) -> str:
        return f"program {self.program_id} #{self.position}: decision {self.snapshot_id}"


class DecisionRedaction(models.Model):
    """An erasure's sanctioned change of a decision's content: the digest sealed and the digest after.

    Verify accepts a decision whose content no longer matches its sealed digest only through one of these
    rows, so a redaction is visible and every other change is still a broken link.
    """

    snapshot_id = models.BigIntegerField(db_index=True)
    content_before = models.CharField(max_length=64)
    content_after = models.CharField(max_length=64)
    erasure = models.ForeignKey("audit.Erasure", on_delete=models.PROTECT, related_name="redactions")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"decision {self.snapshot_id} redacted by erasure {self.erasure_id}"


class Erasure(models.Model):
    """A person erased: who asked, who did it, when, under which request, and what was wiped (counts)."""

    lead_id = models.BigIntegerField(db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=255, blank=True, default="")
    request_ref = models.CharField(
        max_length=128, blank=True, default="", help_text="The data-subject request."
    )
    wiped = models.JSONField(default=dict, help_text="What was wiped, as counts; never the values.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"lead {self.lead_id} erased {self.created_at:%Y-%m-%d}"


class ExportLog(models.Model):
    """An export compliance took: what, for whom or which range, how many rows, and the file's sha256."""

    kind = models.CharField(max_length=64)
    params = models.JSONField(default=dict)
    rows = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True, default="")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} export {self.created_at:%Y-%m-%d %H:%M}"
