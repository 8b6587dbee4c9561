"""Training a model version from the closed history in the database; the engine does the work."""

from __future__ import annotations

import logging

import pandas as pd
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from leadscoring.models import Lead

from .. import selectors
from ..features import lead_signal_frame
from ..models import Job, LeadFeedback, ScoringModel, ScoringProgram, ScoringSettings
from .artifacts import artifact_save
from .jobs import job_progress

logger = logging.getLogger(__name__)

REPORT_SCORE_LIMIT = 20000


class TrainingRefused(ValueError):
    """The history cannot support a model (too few closed leads, one outcome only, ...)."""


def model_create(
    *,
    program: ScoringProgram,
    name: str,
    kind: str = ScoringModel.Kind.LEARNER,
    model_type: str = ScoringModel.ModelType.AUTO,
    training_options: dict | None = None,
    guardrails: dict | None = None,
    actor=None,
) -> ScoringModel:
    """A new draft version of a program's model (version numbers are per program)."""
    with transaction.atomic():
        # Lock the program so two ops staff creating versions at once get distinct numbers.
        ScoringProgram.objects.select_for_update().get(pk=program.pk)
        last = ScoringModel.objects.filter(program=program).order_by("-version").first()
        model = ScoringModel(
            program=program,
            name=name,
            version=(last.version + 1) if last else 1,
            kind=kind,
            model_type=model_type,
            training_options=training_options or {},
            guardrails=guardrails or {},
            created_by=actor,
            outcome_definition={
                "won_statuses": program.outcome_won_statuses or ["converted"],
                "within_days": program.outcome_window_days,
            },
        )
        model.full_clean(exclude=["version"])
        model.save()
    return model


def training_history(*, program: ScoringProgram, signals) -> tuple[pd.DataFrame, dict]:
    """Closed leads as of their own cut-off, with the outcome; and a description of the data basis.

    A lead's cut-off is the day its last deal closed (the outcome is decided then, and only what was
    known before counts); without a deal, when it converted or was last updated. Leads a rep marked as
    bad fit count as lost, as of the feedback.
    """
    won_statuses = program.outcome_won_statuses or [Lead.Status.CONVERTED]
    closed = (
        Lead.objects.filter(status__in=[*won_statuses, Lead.Status.LOST])
        .annotate(closed_on=Max("deals__closed_on"))
        .values("id", "status", "created_at", "converted_at", "updated_at", "closed_on")
    )
    rows = pd.DataFrame.from_records(
        list(closed), columns=["id", "status", "created_at", "converted_at", "updated_at", "closed_on"]
    )
    bad_fit = set(
        LeadFeedback.objects.filter(verdict=LeadFeedback.Verdict.BAD_FIT)
        .exclude(lead__status__in=[*won_statuses, Lead.Status.LOST])
        .values_list("lead_id", flat=True)
    )
    if bad_fit:
        extra = pd.DataFrame.from_records(
            list(Lead.objects.filter(id__in=bad_fit).values("id", "created_at", "updated_at")),
            columns=["id", "created_at", "updated_at"],
        ).assign(status=Lead.Status.LOST, converted_at=pd.NaT, closed_on=None)
        rows = pd.concat([rows, extra], ignore_index=True)
    if rows.empty:
        raise TrainingRefused("there are no closed leads (converted or lost) to learn from")
    created = pd.to_datetime(rows["created_at"], utc=True)
    converted = pd.to_datetime(rows["converted_at"], utc=True)
    closed_on = pd.to_datetime(rows["closed_on"], utc=True)
    cutoff = closed_on.fillna(converted).fillna(pd.to_datetime(rows["updated_at"], utc=True))
    within = (converted - created) <= pd.Timedelta(days=program.outcome_window_days)
    won = rows["status"].isin(won_statuses) & (within | converted.isna())
    rows = rows.assign(won=won.astype(int), as_of=cutoff).set_index("id")
    frame = lead_signal_frame(lead_ids=list(rows.index), signals=signals, as_of=rows["as_of"])
    frame = frame.assign(won=rows["won"].to_numpy(), as_of=rows["as_of"].to_numpy())
    basis = {
        "closed_leads": int(len(rows)),
        "won": int(rows["won"].sum()),
        "lost": int(len(rows) - rows["won"].sum()),
        "bad_fit_feedback": len(bad_fit),
        "from": cutoff.min().isoformat() if len(cutoff) else None,
        "to": cutoff.max().isoformat() if len(cutoff) else None,
        "won_statuses": list(won_statuses),
        "within_days": program.outcome_window_days,
    }
    return frame, basis


def _open_leads_frame(*, signals) -> pd.DataFrame:
    ids = list(
        Lead.objects.exclude(status__in=[Lead.Status.CONVERTED, Lead.Status.LOST])
        .order_by("-created_at")
        .values_list("id", flat=True)[:REPORT_SCORE_LIMIT]
    )
    return lead_signal_frame(lead_ids=ids, signals=signals)


def model_train(*, model: ScoringModel, job: Job | None = None) -> ScoringModel:
    """Fit, validate and document a version; it stays inert until deployed."""
    from ..engine.pipeline import build_model

    model.status, model.error, model.progress = ScoringModel.Status.TRAINING, "", 0
    model.save(update_fields=["status", "error", "progress"])
    try:
        signals = selectors.signals_active(program=model.program)
        job_progress(job=job, model=model, percent=10, message="Reading the closed history")
        history, basis = training_history(program=model.program, signals=signals)
        job_progress(job=job, model=model, percent=30, message="Fitting and validating")
        options = {"split": "random", "holdout": 0.3, "seed": 42, **(model.training_options or {})}
        settings_row = ScoringSettings.load()
        result = build_model(
            history.drop(columns=["as_of"]).assign(as_of=pd.to_datetime(history["as_of"], utc=True)),
            outcome="won",
            won=1,
            date_column="as_of",
            model=model.model_type if model.kind != ScoringModel.Kind.POINTS else "points",
            split=options["split"],
            holdout=float(options["holdout"]),
            seed=int(options["seed"]),
            dimensions={s.key: s.dimension for s in signals},
            labels={s.key: s.name for s in signals},
            guardrails=model.guardrails or None,
            hot_capacity=settings_row.hot_capacity or None,
            score_frame=_open_leads_frame(signals=signals),
            version=model.version,
        )
        job_progress(job=job, model=model, percent=85, message="Saving the artifact and report")
        path, digest = artifact_save(
            scorer=result.scorer, program_slug=model.program.slug, version=model.version
        )
        # Gates passed and a verdict that needs nobody's word: too good to be true is not "validated".
        passed = bool(result.metrics.get("passed")) and result.metrics.get("verdict") == "deployable"
        model.signals = [selectors.signal_snapshot(s) for s in signals]
        model.thresholds = result.cutoffs.to_dict()
        model.metrics = result.metrics
        model.analysis = result.analysis.to_dict()
        model.data_audit = result.audit.to_dict()
        model.leakage_findings = [flag.to_dict() for flag in result.audit.leakage]
        model.scorecard = result.scorecard.to_dict()
        model.report = result.report
        model.artifact_path, model.artifact_sha256 = path, digest
        model.validation_passed = passed
        model.status = ScoringModel.Status.VALIDATED if passed else ScoringModel.Status.TRAINED
        model.trained_on = basis
        model.trained_at = timezone.now()
        model.progress, model.progress_message = 100, "Trained"
        model.save()
    except Exception as exc:
        logger.exception("training %s failed", model)
        model.status, model.error = ScoringModel.Status.FAILED, f"{type(exc).__name__}: {exc}"
        model.progress_message = "Failed"
        model.save(update_fields=["status", "error", "progress_message"])
        raise
    return model


def model_train_start(*, model: ScoringModel, actor=None) -> Job:
    """Queue training on a worker (eager in-process without a broker); returns the Job to poll."""
    from ..tasks import model_train_task

    job = Job.objects.create(kind=Job.Kind.TRAIN, model=model, created_by=actor, params={"model": model.pk})
    model.status, model.progress, model.progress_message = ScoringModel.Status.TRAINING, 0, "Queued"
    model.save(update_fields=["status", "progress", "progress_message"])
    transaction.on_commit(lambda: model_train_task.delay(job.pk))
    return job


EDITABLE_FIELDS = {"name", "kind", "model_type", "training_options", "guardrails"}


def model_update(*, model: ScoringModel, actor=None, **fields) -> ScoringModel:
    """Edit a version's settings; what it learned is fixed once trained, so only its name changes then."""
    from django.core.exceptions import ValidationError

    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError({name: ["this field cannot be edited"] for name in sorted(unknown)})
    trained = model.status not in (ScoringModel.Status.DRAFT, ScoringModel.Status.FAILED)
    frozen = {name for name in fields if name != "name" and getattr(model, name) != fields[name]}
    if trained and frozen:
        raise ValidationError(
            {
                name: ["a trained version cannot change how it was trained; create a new version"]
                for name in frozen
            }
        )
    for name, value in fields.items():
        setattr(model, name, value)
    model.full_clean(exclude=["version"])
    if actor is not None:
        model._history_user = actor
    model.save()
    return model
