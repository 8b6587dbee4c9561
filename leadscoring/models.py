"""The CRM data scoring reads: accounts, leads, activity events, closed deals and reps."""

import datetime

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from rest_framework_api_key.models import AbstractAPIKey
from simple_history.models import HistoricalRecords


class Account(models.Model):
    class Stage(models.TextChoices):
        STARTUP = "startup", "Startup"
        GROWTH = "growth", "Growth"
        MATURE = "mature", "Mature"
        ENTERPRISE = "enterprise", "Enterprise"
        PUBLIC = "public", "Public"

    external_id = models.CharField(max_length=128, blank=True, default="")
    source_system = models.CharField(max_length=64, blank=True, default="")
    name = models.CharField(max_length=255)
    domain = models.CharField(max_length=255, blank=True, default="", db_index=True)
    industry = models.CharField(max_length=128, blank=True, default="", db_index=True)
    employee_count = models.PositiveIntegerField(null=True, blank=True)
    annual_revenue = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    country = models.CharField(max_length=64, blank=True, default="")
    region = models.CharField(max_length=64, blank=True, default="")
    technology_stack = models.JSONField(default=list, blank=True, help_text="List of technologies in use.")
    stage = models.CharField(max_length=16, choices=Stage.choices, blank=True, default="")
    funding_total = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    growth_signals = models.JSONField(
        default=list, blank=True, help_text="E.g. hiring, new funding round, expansion."
    )
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_system", "external_id"],
                condition=~models.Q(external_id=""),
                name="account_unique_external_id",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Rep(models.Model):
    """A sales rep's profile on the user: where and what they sell, and how much they can work."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rep")
    territory = models.CharField(max_length=64, blank=True, default="", help_text="Country or region.")
    industries = models.JSONField(default=list, blank=True)
    capacity = models.PositiveIntegerField(default=50, help_text="Leads a week this rep can work.")
    active = models.BooleanField(default=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_reps",
        help_text="Told when this rep misses a Hot-lead SLA.",
    )
    # The working calendar the SLA clock counts in: business hours of the rep's own week.
    time_zone = models.CharField(max_length=64, default="UTC", help_text="IANA name, e.g. Europe/London.")
    working_days = models.JSONField(
        default=list, blank=True, help_text="Weekdays worked, 0 = Monday; empty means Monday to Friday."
    )
    work_starts = models.TimeField(default=datetime.time(9, 0))
    work_ends = models.TimeField(default=datetime.time(17, 0))

    class Notify(models.TextChoices):
        IMMEDIATE = "immediate", "At once"
        DIGEST = "digest", "Daily digest"

    notify = models.CharField(
        max_length=16,
        choices=Notify.choices,
        default=Notify.IMMEDIATE,
        help_text="E-mail for tier changes other than into Hot (Hot alerts always go out at once).",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["user__username"]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.username

    def clean(self) -> None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        from django.core.exceptions import ValidationError

        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError({"time_zone": f"“{self.time_zone}” is not a time zone name"}) from None
        if any(not isinstance(d, int) or not 0 <= d <= 6 for d in self.working_days or []):
            raise ValidationError({"working_days": "Weekdays are whole numbers 0 (Monday) to 6 (Sunday)"})
        if self.work_ends <= self.work_starts:
            raise ValidationError({"work_ends": "The working day must end after it starts"})


class LeadQuerySet(models.QuerySet):
    def delete(self):
        """Deleting leads erases them: their decisions and aggregates stay, their identity goes."""
        from .erasure import lead_erase

        leads = list(self)
        for lead in leads:
            lead_erase(lead=lead, reason="lead deleted")
        return len(leads), {self.model._meta.label: len(leads)}

    delete.alters_data = True
    delete.queryset_only = True


class Lead(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New"
        CONTACTED = "contacted", "Contacted"
        QUALIFIED = "qualified", "Qualified"
        CONVERTED = "converted", "Converted"
        LOST = "lost", "Lost"

    class Seniority(models.TextChoices):
        C_LEVEL = "c_level", "C-level"
        VP = "vp", "VP"
        DIRECTOR = "director", "Director"
        MANAGER = "manager", "Manager"
        INDIVIDUAL = "individual", "Individual contributor"
        STUDENT = "student", "Student"
        OTHER = "other", "Other"

    external_id = models.CharField(max_length=128)
    source_system = models.CharField(max_length=64, default="crm")
    email = models.EmailField(blank=True, default="", db_index=True)
    first_name = models.CharField(max_length=128, blank=True, default="")
    last_name = models.CharField(max_length=128, blank=True, default="")
    phone = models.CharField(max_length=64, blank=True, default="")
    title = models.CharField(max_length=255, blank=True, default="")
    seniority = models.CharField(max_length=16, choices=Seniority.choices, blank=True, default="")
    department = models.CharField(max_length=128, blank=True, default="")
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    source = models.CharField(max_length=128, blank=True, default="", db_index=True)
    country = models.CharField(max_length=64, blank=True, default="", db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW, db_index=True)
    converted_at = models.DateTimeField(null=True, blank=True)
    revenue = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    # BANT: captured by the rep or the form; each may be unknown.
    budget = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    authority = models.BooleanField(null=True, blank=True, help_text="Decision maker or signer.")
    need = models.CharField(max_length=255, blank=True, default="")
    timeline_days = models.PositiveIntegerField(null=True, blank=True, help_text="Days until purchase.")
    do_not_email = models.BooleanField(default=False)
    do_not_call = models.BooleanField(default=False)
    unsubscribed = models.BooleanField(default=False)
    do_not_process = models.BooleanField(
        default=False,
        help_text="Consent withdrawn: never scored, exported to a CRM or sent in a webhook.",
    )
    attributes = models.JSONField(
        default=dict, blank=True, help_text="Any other CRM column; each key can become a Signal."
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    erased_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the person's data was erased (GDPR/CCPA)."
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = LeadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["source_system", "external_id"], name="lead_unique_external_id")
        ]
        indexes = [models.Index(fields=["owner", "status"])]

    def __str__(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.email or self.external_id

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def delete(self, using=None, keep_parents=False):
        """A lead is never deleted from under its decisions: deleting it erases the person instead."""
        from .erasure import lead_erase

        lead_erase(lead=self, reason="lead deleted")
        return 1, {self._meta.label: 1}

    delete.alters_data = True


class ErasedIdentity(models.Model):
    """An erased person's external id, kept only as a sha256, so a re-import or API write is refused."""

    source_system = models.CharField(max_length=64)
    external_id_sha256 = models.CharField(max_length=64)
    erased_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source_system", "external_id_sha256"], name="erased_identity_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_system}:{self.external_id_sha256[:12]}"


class ActivityEvent(models.Model):
    class Kind(models.TextChoices):
        EMAIL_OPEN = "email_open", "Email open"
        EMAIL_CLICK = "email_click", "Email click"
        EMAIL_REPLY = "email_reply", "Email reply"
        PAGE_VIEW = "page_view", "Page view"
        PRICING_PAGE = "pricing_page", "Pricing page view"
        CONTENT_DOWNLOAD = "content_download", "Content download"
        FORM_SUBMISSION = "form_submission", "Form submission"
        WEBINAR = "webinar", "Webinar attended"
        DEMO_REQUEST = "demo_request", "Demo request"
        TRIAL_SIGNUP = "trial_signup", "Trial signup"
        MEETING_BOOKED = "meeting_booked", "Meeting booked"
        CHAT = "chat", "Chat conversation"
        UNSUBSCRIBE = "unsubscribe", "Unsubscribe"
        BOUNCE = "bounce", "Email bounce"
        SPAM_COMPLAINT = "spam_complaint", "Spam complaint"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=Kind.choices, db_index=True)
    occurred_at = models.DateTimeField()
    url = models.CharField(max_length=500, blank=True, default="")
    properties = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=64, default="api")
    external_id = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-occurred_at"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="event_unique_external_id")
        ]
        indexes = [models.Index(fields=["lead", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} @ {self.occurred_at:%Y-%m-%d}"


class Deal(models.Model):
    """Closed (or open) history the model learns from."""

    class Outcome(models.TextChoices):
        WON = "won", "Won"
        LOST = "lost", "Lost"
        OPEN = "open", "Open"

    external_id = models.CharField(max_length=128, blank=True, default="")
    source_system = models.CharField(max_length=64, default="crm")
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="deals"
    )
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="deals")
    name = models.CharField(max_length=255, blank=True, default="")
    amount = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.OPEN, db_index=True)
    created_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    loss_reason = models.CharField(max_length=255, blank=True, default="")
    touches = models.PositiveIntegerField(null=True, blank=True)
    stakeholders = models.PositiveIntegerField(null=True, blank=True)
    competitor = models.CharField(max_length=128, blank=True, default="")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_system", "external_id"],
                condition=~models.Q(external_id=""),
                name="deal_unique_external_id",
            ),
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=True) | models.Q(closed_on__gte=models.F("created_on")),
                name="deal_closed_after_created",
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"Deal {self.pk}"

    @property
    def sales_cycle_days(self) -> int | None:
        if self.closed_on is None:
            return None
        return (self.closed_on - self.created_on).days


class IntegrationKey(AbstractAPIKey):
    """One integration's API key (CRM, marketing automation, web analytics): revocable, scoped."""

    class Scope(models.TextChoices):
        READ_ONLY = "read_only", "Read only"
        READ_WRITE = "read_write", "Read and write"

    scope = models.CharField(max_length=16, choices=Scope.choices, default=Scope.READ_ONLY)
    contact = models.CharField(max_length=255, blank=True, default="", help_text="Who runs this integration.")
    # The service user the key acts as: history and access logs name the integration, never a person.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="integration_key",
    )

    # The shared API plumbing (config.api.caller) recognises a key by this mark, without importing us.
    is_integration_key = True

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "integration key"
        verbose_name_plural = "integration keys"

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.READ_WRITE

    def save(self, *args, **kwargs):
        if self.user_id is None:
            self.user = _integration_user_create(prefix=self.prefix, name=self.name)
        super().save(*args, **kwargs)


def _integration_user_create(*, prefix: str, name: str):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from config.roles import INTEGRATION

    user = get_user_model().objects.create_user(username=f"api-key-{prefix}", first_name=name[:150])
    user.set_unusable_password()
    user.save(update_fields=["password"])
    user.groups.add(Group.objects.get_or_create(name=INTEGRATION)[0])
    return user
