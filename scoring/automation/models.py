"""The automation's records: a rep's logged contacts, notifications, SLA clocks and assignments.

Loaded by `scoring.models` (they belong to the scoring app). A RepContact lives here, not in the CRM
layer: it is the rep's own work after the lead was handed to them, so the feature builder (which reads
only the CRM's activity events) can never see it; a model that learnt from it would learn the outcome.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class RepContact(models.Model):
    """A rep's logged call, e-mail, meeting or note on a lead, with its outcome."""

    class Kind(models.TextChoices):
        CALL = "call", "Call"
        EMAIL = "email", "E-mail sent"
        MEETING = "meeting", "Meeting held"
        NOTE = "note", "Note"

    class Outcome(models.TextChoices):
        CONNECTED = "connected", "Connected"
        NO_ANSWER = "no_answer", "No answer"
        VOICEMAIL = "voicemail", "Left a voicemail"
        FOLLOW_UP = "follow_up", "Follow-up agreed"
        MEETING_BOOKED = "meeting_booked", "Meeting booked"
        NOT_INTERESTED = "not_interested", "Not interested"
        OTHER = "other", "Other"

    lead = models.ForeignKey("leadscoring.Lead", on_delete=models.CASCADE, related_name="rep_contacts")
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    note = models.TextField(blank=True, default="", max_length=2000)
    occurred_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["lead", "occurred_at"]), models.Index(fields=["rep", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on lead {self.lead_id}: {self.get_outcome_display()}"


class Notification(models.Model):
    """One notice to one user: shown in the app, and e-mailed with its delivery status recorded."""

    class Kind(models.TextChoices):
        TIER_CHANGE = "tier_change", "Tier change"
        SLA_BREACH = "sla_breach", "SLA missed"
        UNASSIGNED = "unassigned", "Lead waiting in the pool"
        ASSIGNED = "assigned", "Lead assigned"

    class Email(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        DIGEST = "digest", "Waiting for the daily digest"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (retried)"
        NONE = "none", "No e-mail (no address)"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey(
        "leadscoring.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # The moment of the decision or event this notice is about: with recipient, lead and kind it makes
    # the notice unique, so a redelivered batch or a second sweep never tells anyone twice.
    about_at = models.DateTimeField()
    tier = models.CharField(max_length=32, blank=True, default="")
    previous_tier = models.CharField(max_length=32, blank=True, default="")
    title = models.CharField(max_length=255)
    body = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(max_length=8, choices=Email.choices, default=Email.PENDING)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_error = models.CharField(max_length=500, blank=True, default="")
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "lead", "kind", "about_at"], name="notification_once_per_event"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["email_status", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.title


class SlaClock(models.Model):
    """The time a rep has to contact a lead that entered a tier with an SLA, in their business hours."""

    lead = models.ForeignKey("leadscoring.Lead", on_delete=models.CASCADE, related_name="sla_clocks")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tier = models.CharField(max_length=32)
    hours = models.FloatField(help_text="Business hours allowed.")
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)
    stopped_by = models.ForeignKey(
        RepContact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # "contact" (the owner's first logged contact), "left_tier", "reassigned" or "closed"
    stop_reason = models.CharField(max_length=16, blank=True, default="")
    breached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["lead"], condition=models.Q(stopped_at__isnull=True), name="sla_one_running_clock"
            )
        ]
        indexes = [
            models.Index(
                fields=["due_at"], condition=models.Q(stopped_at__isnull=True), name="sla_running_due"
            )
        ]

    def __str__(self) -> str:
        return f"SLA {self.tier} lead {self.lead_id} due {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def breached(self) -> bool:
        return self.breached_at is not None

    @property
    def met(self) -> bool:
        return (
            self.stop_reason == "contact" and self.stopped_at is not None and self.stopped_at <= self.due_at
        )


class Assignment(models.Model):
    """Who a lead was given to (or that it waits in the pool), when, how, and why."""

    class Method(models.TextChoices):
        AUTOMATIC = "automatic", "Automatic"
        MANUAL = "manual", "By hand"
        SLA_BREACH = "sla_breach", "After a missed SLA"

    lead = models.ForeignKey("leadscoring.Lead", on_delete=models.CASCADE, related_name="assignments")
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=16, choices=Method.choices, default=Method.AUTOMATIC)
    reasons = models.JSONField(default=list, help_text="Why this rep (or why the pool), in words.")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-assigned_at", "-pk"]
        indexes = [models.Index(fields=["lead", "assigned_at"])]

    def __str__(self) -> str:
        return f"Lead {self.lead_id} -> {self.rep or 'pool'}"


class AssignmentRules(models.Model):
    """One row of assignment weights and SLA rules, edited in the admin."""

    territory_weight = models.FloatField(default=3.0, validators=[MinValueValidator(0)])
    industry_weight = models.FloatField(default=2.0, validators=[MinValueValidator(0)])
    workload_weight = models.FloatField(
        default=1.0, validators=[MinValueValidator(0)], help_text="Points for a rep with no open workload."
    )
    win_rate_weight = models.FloatField(
        default=2.0, validators=[MinValueValidator(0)], help_text="Points per unit of (shrunk) win rate."
    )
    prior_leads = models.PositiveIntegerField(
        default=20, help_text="Closed leads of team-average history a rep's win rate is shrunk with."
    )
    assign_tiers = models.JSONField(
        default=list, blank=True, help_text="Tiers whose unassigned leads are assigned; empty: the top two."
    )
    reassign_on_breach = models.BooleanField(
        default=False, help_text="Give a lead to another rep after a missed SLA."
    )
    sla_top_tier_only = models.BooleanField(
        default=True, help_text="Run SLA clocks for the top tier only (else for every tier with SLA hours)."
    )
    digest_hour = models.PositiveSmallIntegerField(
        default=8,
        validators=[MaxValueValidator(23)],
        help_text="Hour of the day (site time zone) the digest goes out.",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "assignment and SLA rules"
        verbose_name_plural = "assignment and SLA rules"

    def __str__(self) -> str:
        return "Assignment and SLA rules"

    @classmethod
    def load(cls) -> AssignmentRules:
        return cls.objects.filter(pk=1).first() or cls(pk=1)
