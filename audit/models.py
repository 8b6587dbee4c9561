"""Compliance records: every read of a lead's personal data."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


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
    hashes the previous link, the decision's id and its content digest. The foreign key makes the
    database refuse to delete a sealed decision without its link; deleting both leaves a gap in the
    positions, which verify reports.
    """

    snapshot = models.OneToOneField(
        "scoring.ScoreSnapshot", primary_key=True, on_delete=models.CASCADE, related_name="chain_link"
    )
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


class RetentionPolicy(models.Model):
    """How long one kind of record is kept, edited in the admin; the retention task applies it."""

    class Kind(models.TextChoices):
        EVENTS = "events", "Activity events"
        DECISIONS = "decisions", "Scoring decisions"
        HISTORY = "history", "CRM change history (leads, accounts, events, deals)"
        ACCESS_LOGS = "access_logs", "Personal-data access log"

    class Action(models.TextChoices):
        PURGE = "purge", "Delete"
        ANONYMISE = "anonymise", "Anonymise (events: URL query strings and properties wiped)"

    kind = models.CharField(max_length=16, choices=Kind.choices, unique=True)
    max_age_days = models.PositiveIntegerField(help_text="Records older than this many days are purged.")
    action = models.CharField(max_length=16, choices=Action.choices, default=Action.PURGE)
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "retention policies"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.max_age_days} days"


class RetentionRun(models.Model):
    """One application of the policies (or a dry run): what was, or would be, purged per kind."""

    dry_run = models.BooleanField(default=True)
    counts = models.JSONField(default=dict)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"retention {'dry run' if self.dry_run else 'run'} {self.created_at:%Y-%m-%d %H:%M}"


class ChainAnchor(models.Model):
    """Where a program's chain starts after retention purged its oldest decisions: verify starts here.

    The purged decisions' links go with them; the last one's hash stays here, and verify continues the
    chain from it."""

    program_id = models.BigIntegerField(unique=True)
    through_position = models.BigIntegerField()
    link_sha256 = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"program {self.program_id} purged through #{self.through_position}"


class UserActivity(models.Model):
    """A sign-in, a failed sign-in, a lock-out or a sign-out: who (or which username was tried), when, from where."""

    class Kind(models.TextChoices):
        LOGIN = "login", "Signed in"
        LOGIN_FAILED = "login_failed", "Failed sign-in"
        LOCKED_OUT = "locked_out", "Locked out (too many failed sign-ins)"
        LOGOUT = "logout", "Signed out"

    kind = models.CharField(max_length=16, choices=Kind.choices, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(max_length=150, blank=True, default="")
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "user activity"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.username} {self.created_at:%Y-%m-%d %H:%M}"
