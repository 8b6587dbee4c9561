"""What the scoring app stores: programs, signals, tiers, model versions, current scores and snapshots."""

import pgtrigger
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class Dimension(models.TextChoices):
    FIRMOGRAPHIC = "firmographic", "Firmographic fit"
    BEHAVIORAL = "behavioral", "Behavioral"
    ENGAGEMENT = "engagement", "Engagement depth"
    INTENT = "intent", "Intent"
    NEGATIVE = "negative", "Negative"


class Trigger(models.TextChoices):
    CREATED = "created", "Lead created"
    UPDATED = "updated", "Lead updated"
    EVENT = "event", "Activity event"
    CADENCE = "cadence", "Cadence rescoring"
    BATCH = "batch", "Batch rescoring"
    MANUAL = "manual", "Manual override"
    API = "api", "API request"
    STALE = "stale", "Stale downgrade"
    DEPLOY = "deploy", "Model deployed"
    REPLAY = "replay", "History replay"


class Trend(models.TextChoices):
    RISING = "rising", "Rising"
    STABLE = "stable", "Stable"
    FALLING = "falling", "Falling"


class ScoringProgram(models.Model):
    """A named score leads carry (one default, 'Lead score'; more per product line or segment)."""

    name = models.CharField(max_length=128, unique=True)
    slug = models.SlugField(max_length=64, unique=True)
    description = models.TextField(blank=True, default="")
    is_default = models.BooleanField(default=False)
    outcome_won_statuses = models.JSONField(
        default=list, blank=True, help_text="Lead statuses that count as converted (default: converted)."
    )
    outcome_window_days = models.PositiveIntegerField(
        default=365, help_text="A lead counts as won only if it converted within this many days of creation."
    )
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_program"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Signal(models.Model):
    """A scoring feature, editable by ops staff: where its value comes from, its points, cap and decay."""

    class ValueType(models.TextChoices):
        NUMERICAL = "numerical", "Numerical"
        CATEGORICAL = "categorical", "Categorical"
        BOOLEAN = "boolean", "Boolean"

    class Source(models.TextChoices):
        LEAD_FIELD = "lead_field", "Lead field"
        ACCOUNT_FIELD = "account_field", "Account field"
        ATTRIBUTE = "attribute", "Lead attribute (custom CRM column)"
        EVENT = "event", "Activity events"

    class Transformation(models.TextChoices):
        NONE = "none", "As is"
        LOG = "log", "log(1 + x)"
        PRESENT = "present", "Present / absent"
        COUNT = "count", "Count in window"
        RECENCY = "recency", "Days since last"
        DECAYED = "decayed", "Decay-weighted count"

    program = models.ForeignKey(ScoringProgram, on_delete=models.CASCADE, related_name="signals")
    name = models.CharField(max_length=128, help_text="Plain words, shown to reps.")
    key = models.SlugField(max_length=128, help_text="Column name the engine sees.")
    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    value_type = models.CharField(max_length=16, choices=ValueType.choices)
    source = models.CharField(max_length=16, choices=Source.choices)
    source_field = models.CharField(
        max_length=128, blank=True, default="", help_text="Lead/account field or attribute key."
    )
    event_kind = models.CharField(max_length=32, blank=True, default="")
    window_days = models.PositiveIntegerField(null=True, blank=True)
    transformation = models.CharField(max_length=16, choices=Transformation.choices, default="none")
    points = models.FloatField(default=0, help_text="Points when present (points models).")
    weight = models.FloatField(default=1.0, help_text="Multiplier applied to learned points.")
    cap = models.FloatField(null=True, blank=True, help_text="Most points this signal may add.")
    decay = models.JSONField(
        default=dict,
        blank=True,
        help_text='Step schedule {"steps": [[7, 1.0], [30, 0.75], [90, 0.5], [null, 0.25]]} '
        'or half-life {"half_life_days": 30}.',
    )
    repeat_cap = models.PositiveIntegerField(
        null=True, blank=True, help_text="Most repeated events counted (behavioral signals)."
    )
    validation_rules = models.JSONField(default=dict, blank=True, help_text='E.g. {"min": 0, "max": 100000}.')
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["program", "dimension", "name"]
        constraints = [models.UniqueConstraint(fields=["program", "key"], name="signal_unique_key")]

    def __str__(self) -> str:
        return self.name


class TierDefinition(models.Model):
    program = models.ForeignKey(ScoringProgram, on_delete=models.CASCADE, related_name="tiers")
    name = models.CharField(max_length=32)
    rank = models.PositiveSmallIntegerField(help_text="1 is the best tier.")
    lower_bound = models.FloatField(validators=[MinValueValidator(0), MaxValueValidator(100)])
    colour = models.CharField(max_length=16, default="#888888")
    sla_hours = models.PositiveIntegerField(null=True, blank=True, help_text="Respond within (hours).")
    recommended_action = models.CharField(max_length=255, blank=True, default="")
    cadence_days = models.PositiveIntegerField(default=7, help_text="Re-score every N days.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["program", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="tier_unique_name"),
            models.UniqueConstraint(fields=["program", "rank"], name="tier_unique_rank"),
        ]

    def __str__(self) -> str:
        return self.name


class ScoringSettings(models.Model):
    """One row of operating rules, edited in the admin."""

    stale_after_days = models.PositiveIntegerField(
        default=45, help_text="No activity for this many days: downgrade one tier."
    )
    trend_window_days = models.PositiveIntegerField(default=14)
    trend_band = models.FloatField(default=5.0, help_text="Score change within +/- this is Stable.")
    hysteresis = models.FloatField(default=3.0, help_text="Points past a boundary before a tier changes.")
    hot_capacity = models.PositiveIntegerField(
        default=0, help_text="Most Hot leads the team can work a week (0: sum of active reps' capacity)."
    )
    low_confidence_below = models.FloatField(default=0.3)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "scoring settings"
        verbose_name_plural = "scoring settings"

    def __str__(self) -> str:
        return "Scoring settings"

    @classmethod
    def load(cls) -> "ScoringSettings":
        """The one settings row, read only: its defaults (unsaved, pk 1) until `services.defaults_ensure`
        or the first settings change writes it."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class ScoringModel(models.Model):
    """A versioned model: its configuration, what it learned, how it validated and where it runs."""

    class Kind(models.TextChoices):
        POINTS = "points", "Points (scorecard)"
        LEARNER = "learner", "Learner"
        HYBRID = "hybrid", "Hybrid (learner + guardrails)"

    class ModelType(models.TextChoices):
        AUTO = "auto", "Best on validation"
        POINTS = "points", "Scorecard"
        LOGISTIC_REGRESSION = "logistic_regression", "Logistic regression"
        RANDOM_FOREST = "random_forest", "Random forest"
        GRADIENT_BOOSTING = "gradient_boosting", "Gradient boosting"
        NEURAL_NETWORK = "neural_network", "Neural network"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        TRAINING = "training", "Training"
        TRAINED = "trained", "Trained"
        FAILED = "failed", "Training failed"
        VALIDATED = "validated", "Validated"
        LIVE = "live", "Live"
        SHADOW = "shadow", "Shadow (challenger)"
        RETIRED = "retired", "Retired"

    program = models.ForeignKey(ScoringProgram, on_delete=models.PROTECT, related_name="models")
    name = models.CharField(max_length=128)
    version = models.PositiveIntegerField(editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.LEARNER)
    model_type = models.CharField(max_length=32, choices=ModelType.choices, default=ModelType.AUTO)
    outcome_definition = models.JSONField(default=dict, blank=True)
    training_options = models.JSONField(
        default=dict, blank=True, help_text='E.g. {"split": "time", "holdout": 0.3, "seed": 42}.'
    )
    guardrails = models.JSONField(
        default=dict,
        blank=True,
        help_text='Hybrid rules, e.g. {"disqualify": {"unsubscribed": true}, "max_score_if": {...}}.',
    )
    signals = models.JSONField(default=list, blank=True, help_text="The signals as trained, with points.")
    thresholds = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    analysis = models.JSONField(default=dict, blank=True, help_text="Win/loss patterns: lift per signal.")
    data_audit = models.JSONField(default=dict, blank=True, help_text="Data quality and leakage screening.")
    scorecard = models.JSONField(default=dict, blank=True, help_text="Points per signal bin.")
    report = models.TextField(blank=True, default="")
    artifact_path = models.CharField(max_length=500, blank=True, default="")
    artifact_sha256 = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    validation_passed = models.BooleanField(null=True, blank=True)
    deploy_override_reason = models.TextField(blank=True, default="")
    leakage_findings = models.JSONField(
        default=list,
        blank=True,
        help_text="The leakage screen's findings at training: rows {column, status (flagged | suspected), "
        "reason, single_column_auc, source, kept}.",
    )
    leakage_decisions = models.JSONField(
        default=dict,
        blank=True,
        help_text="A person's decision per screened column: {column: {decision (confirmed | cleared), reason, "
        "by, at}}.",
    )
    progress = models.PositiveSmallIntegerField(default=0)
    progress_message = models.CharField(max_length=255, blank=True, default="")
    error = models.TextField(blank=True, default="")
    trained_on = models.JSONField(default=dict, blank=True, help_text="Data range and counts.")
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    trained_at = models.DateTimeField(null=True, blank=True)
    deployed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["progress", "progress_message"])

    class Meta:
        ordering = ["program", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["program", "version"], name="model_unique_version"),
            models.UniqueConstraint(
                fields=["program"], condition=models.Q(status="live"), name="one_live_model_per_program"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program.name} v{self.version}: {self.name}"


class LeadScore(models.Model):
    """A lead's current score in one program: the fields a CRM sync reads."""

    # Every index is rewritten on each rescore (score and tier change, so no HOT update): only those a
    # query uses are kept. leadscore_unique serves the lead; the program-led indexes serve the program.
    lead = models.ForeignKey(
        "leadscoring.Lead", on_delete=models.CASCADE, related_name="scores", db_index=False
    )
    program = models.ForeignKey(ScoringProgram, on_delete=models.CASCADE, related_name="+", db_index=False)
    # No index: a version's scores are only looked up by model when a version is deleted (SET NULL).
    model = models.ForeignKey(
        ScoringModel, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    score = models.FloatField()
    tier = models.CharField(max_length=32)
    probability = models.FloatField(null=True)
    confidence = models.FloatField(null=True)
    subtotals = models.JSONField(default=dict)
    top_factors = models.JSONField(default=list)
    missing_signals = models.JSONField(default=list)
    trend = models.CharField(max_length=8, choices=Trend.choices, default=Trend.STABLE)
    scored_at = models.DateTimeField()
    tier_since = models.DateTimeField()
    override_score = models.FloatField(null=True, blank=True)
    override_tier = models.CharField(max_length=32, blank=True, default="")
    override_reason = models.TextField(blank=True, default="")
    override_expires_at = models.DateTimeField(null=True, blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lead", "program"], name="leadscore_unique")]
        indexes = [
            # Deleting a user sets its overrides to NULL: a partial index holds only the few overridden.
            models.Index(
                fields=["override_by"],
                condition=models.Q(override_by__isnull=False),
                name="leadscore_override_by",
            ),
            models.Index(fields=["program", "-score"]),
            models.Index(fields=["program", "tier"]),
            # Dashboards scan a program's scores per lead without reading the wide JSON columns.
            models.Index(
                fields=["program", "lead"], include=["score", "tier"], name="leadscore_program_lead"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.effective_score:.0f} {self.effective_tier}"

    def override_active(self, now=None) -> bool:
        if self.override_score is None and not self.override_tier:
            return False
        return self.override_expires_at is None or self.override_expires_at > (now or timezone.now())

    @property
    def effective_score(self) -> float:
        return (
            self.override_score if self.override_active() and self.override_score is not None else self.score
        )

    @property
    def effective_tier(self) -> str:
        return self.override_tier if self.override_active() and self.override_tier else self.tier


# A decision that moved a lead between the model's tiers, its first decision included. Manual overrides
# are left out: the dashboards read the model's tiers, not a rep's correction. Tier migration reads only
# these rows (a lead has a few tier changes but may have hundreds of decisions), through a partial index.
TIER_CHANGE = ~models.Q(trigger=Trigger.MANUAL) & (
    models.Q(previous_tier="") | ~models.Q(tier=models.F("previous_tier"))
)


DECISION_LOG_TRIGGER = "scoring.ScoreSnapshot:decision_log_append_only"


class ScoreSnapshot(models.Model):
    """One scoring decision, with its inputs and model version: the decision log compliance reads.

    Append-only: no admin, API or service changes or deletes a row, and on PostgreSQL a trigger refuses
    UPDATE and DELETE (erasure, under `pgtrigger.ignore(DECISION_LOG_TRIGGER)`, is the one exception).
    A lead is never deleted under its decisions (PROTECT; deleting a lead erases it instead).
    """

    # Foreign-key indexes only where no composite index leads with the column: (lead, program,
    # -created_at) serves the lead, snapshot_program_date the program. Each index is written per decision.
    lead = models.ForeignKey(
        "leadscoring.Lead", on_delete=models.PROTECT, related_name="snapshots", db_index=False
    )
    program = models.ForeignKey(ScoringProgram, on_delete=models.CASCADE, related_name="+", db_index=False)
    # No index: the model report reads a version's latest decisions backwards by id; a version is
    # looked up by model only when it is deleted (SET NULL).
    model = models.ForeignKey(
        ScoringModel, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    score = models.FloatField()
    probability = models.FloatField(null=True)
    confidence = models.FloatField(null=True)
    subtotals = models.JSONField(default=dict)
    tier = models.CharField(max_length=32)
    previous_tier = models.CharField(max_length=32, blank=True, default="")
    top_factors = models.JSONField(default=list)
    missing_signals = models.JSONField(default=list)
    inputs = models.JSONField(default=dict, help_text="The signal values the model saw.")
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    reason = models.CharField(max_length=255, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(default=timezone.now)
    content_sha256 = models.CharField(
        max_length=64, blank=True, default="", editable=False, help_text="sha256 of the decision's content."
    )

    class Meta:
        ordering = ["-created_at"]
        triggers = [
            pgtrigger.Protect(name="decision_log_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]
        indexes = [
            models.Index(fields=["lead", "program", "-created_at"]),
            # Deleting a user sets its decisions' actor to NULL; machine decisions (nearly all) have none.
            models.Index(fields=["actor"], condition=models.Q(actor__isnull=False), name="snapshot_actor"),
            # The decision log, drift and tier migration read a program's decisions by date; the
            # included columns let PostgreSQL answer tier migration from the index alone.
            models.Index(
                fields=["program", "created_at"],
                include=["lead", "id", "tier", "previous_tier"],
                name="snapshot_program_date",
            ),
            models.Index(
                fields=["program", "created_at"],
                include=["lead", "id", "tier", "previous_tier"],
                condition=TIER_CHANGE,
                name="snapshot_tier_change",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id} {self.score:.0f} {self.tier} ({self.trigger})"

    def save(self, *args, **kwargs):
        # Rows written outside decisions_record (fixtures, a one-off create) digest the same way.
        if not self.content_sha256:
            from .services.chain import decision_digest
            from .services.decisions import DIGEST_COLUMNS

            self.content_sha256 = decision_digest({c: getattr(self, c) for c in DIGEST_COLUMNS})
        super().save(*args, **kwargs)


class ABTest(models.Model):
    """Champion vs challenger on a share of leads, assigned by a stable hash of the lead id."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        RUNNING = "running", "Running"
        STOPPED = "stopped", "Stopped"

    program = models.ForeignKey(ScoringProgram, on_delete=models.CASCADE, related_name="ab_tests")
    name = models.CharField(max_length=128)
    champion = models.ForeignKey(ScoringModel, on_delete=models.PROTECT, related_name="+")
    challenger = models.ForeignKey(ScoringModel, on_delete=models.PROTECT, related_name="+")
    challenger_share = models.FloatField(
        default=0.2, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    started_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return self.name


class LeadFeedback(models.Model):
    """A rep's verdict on a lead ('bad fit / junk' or 'good lead'), fed back into training."""

    class Verdict(models.TextChoices):
        GOOD = "good", "Good lead"
        BAD_FIT = "bad_fit", "Bad fit / junk"

    lead = models.ForeignKey("leadscoring.Lead", on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    verdict = models.CharField(max_length=8, choices=Verdict.choices)
    reason = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    # A bad-fit verdict waits for ops until someone reviews it (sets this in the admin).
    reviewed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        # One verdict per rep and lead: a second click edits the first (its history keeps both).
        constraints = [models.UniqueConstraint(fields=["lead", "user"], name="feedback_one_per_rep")]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} on lead {self.lead_id}"


class AccountScore(models.Model):
    """An account's roll-up in one program: its best lead's score and how many contacts are active."""

    account = models.ForeignKey("leadscoring.Account", on_delete=models.CASCADE, related_name="scores")
    program = models.ForeignKey(ScoringProgram, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    tier = models.CharField(max_length=32)
    best_lead = models.ForeignKey("leadscoring.Lead", null=True, on_delete=models.SET_NULL, related_name="+")
    best_lead_score = models.FloatField(default=0)
    active_contacts = models.PositiveIntegerField(default=0)
    scored_leads = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "program"], name="accountscore_unique")]
        indexes = [models.Index(fields=["program", "-score"])]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.score:.0f} {self.tier}"


class Job(models.Model):
    """A long operation (training, batch scoring) that the API answers with 202 and a job URL."""

    class Kind(models.TextChoices):
        TRAIN = "train", "Train a model"
        BATCH_SCORE = "batch_score", "Batch scoring"
        RESCORE_ALL = "rescore_all", "Rescore all leads"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    units_total = models.PositiveIntegerField(default=0, help_text="Chunks to do (batch scoring).")
    units_done = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=255, blank=True, default="")
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")
    model = models.ForeignKey(
        ScoringModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}: {self.status}"


class JobChunk(models.Model):
    """One chunk of a batch Job: the leads it covers and whether its rescoring committed.

    The Celery message names only the chunk's id; the leads are an id range (every lead with
    first_lead_id <= id <= last_lead_id, for a rescoring of all leads) or the stored list `lead_ids`.
    `done_at` is written in the same transaction as the chunk's decisions, so a redelivered message
    finds it set and does nothing, and a chunk whose worker died before the commit is redone.
    """

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField(help_text="Position in the Job, from 0.")
    first_lead_id = models.BigIntegerField()
    last_lead_id = models.BigIntegerField()
    lead_ids = models.JSONField(null=True, blank=True, help_text="The leads, when not a whole id range.")
    attempts = models.PositiveIntegerField(default=0, help_text="Times a worker started it.")
    published_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=255, blank=True, default="", help_text="Who started it last.")
    done_at = models.DateTimeField(null=True, blank=True)
    scored = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["job", "number"]
        constraints = [models.UniqueConstraint(fields=["job", "number"], name="jobchunk_unique_number")]
        indexes = [
            models.Index(fields=["job"], name="jobchunk_pending", condition=models.Q(done_at__isnull=True))
        ]

    def __str__(self) -> str:
        return f"Job #{self.job_id} chunk {self.number}: {'done' if self.done_at else 'pending'}"


# The automation's records belong to this app; their module is scoring.automation.models.
from .automation.models import Assignment, AssignmentRules, Notification, RepContact, SlaClock  # noqa: E402, F401
from .integrations.models import OutboxMessage  # noqa: E402,F401  (the outbox's table is this app's)
