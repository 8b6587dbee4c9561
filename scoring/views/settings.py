"""Lead Scoring Settings: models, tiers, signals, training and A/B tests; every edit is one service call."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from config.pages import nav_for, role_required
from config.roles import is_ops

from .. import analytics, forms, selectors, services
from ..automation import selectors as automation_selectors
from ..models import Job, ScoringModel, ScoringProgram, ScoringSettings, Signal, TierDefinition

CHALLENGER_STATUSES = (ScoringModel.Status.SHADOW, ScoringModel.Status.VALIDATED, ScoringModel.Status.TRAINED)


def _metric(model: ScoringModel, name: str) -> float | None:
    """A holdout figure as training stores it: `model.metrics[name]` (`engine.validation.Validation.to_dict`)."""
    value = (model.metrics or {}).get(name)
    return value if isinstance(value, int | float) else None


def _model_row(model: ScoringModel) -> dict:
    return {
        "model": model,
        "auc": _metric(model, "auc"),
        "pr_auc": _metric(model, "pr_auc"),
        "brier": _metric(model, "brier"),
        "lift": _metric(model, "lift_top_decile"),
    }


def _expected_conversion(live: ScoringModel | None) -> dict[str, float]:
    """Expected conversion per tier: the live version's `thresholds["expected"]` rows ({name, win_rate, ...},
    `engine.thresholds.Cutoffs.to_dict`); a tier with no holdout leads has no rate."""
    if live is None:
        return {}
    return {
        row["name"]: row["win_rate"]
        for row in (live.thresholds or {}).get("expected") or []
        if isinstance(row.get("win_rate"), int | float)
    }


def _tier_rows(program: ScoringProgram, tiers: list[TierDefinition], live: ScoringModel | None) -> list[dict]:
    counts = selectors.tier_lead_counts(program=program, won_statuses=analytics.won_statuses(program))
    total = sum(r["n"] for r in counts.values())
    expected = _expected_conversion(live)
    rows = []
    for i, tier in enumerate(tiers):
        row = counts.get(tier.name, {"n": 0, "converted": 0})
        rows.append(
            {
                "tier": tier,
                "upper": tiers[i - 1].lower_bound if i > 0 else 100,
                "leads": row["n"],
                "share": row["n"] / total if total else None,
                "observed": row["converted"] / row["n"] if row["n"] else None,
                "expected": expected.get(tier.name),
            }
        )
    return rows


@role_required(is_ops)
def scoring_settings(request: HttpRequest) -> HttpResponse:
    """Lead Scoring Settings: models, tiers, signals, training and A/B tests; every edit is a service call."""
    program = selectors.program_for_request(request)
    if request.method == "POST":
        failed = _settings_post(request, program)
        if failed is None:
            suffix = f"?program={program.slug}" if request.GET.get("program") else ""
            return redirect(f"{request.path}{suffix}")
        return _settings_page(request, program, failed=failed)
    return _settings_page(request, program)


def _settings_page(request: HttpRequest, program: ScoringProgram, *, failed: dict | None = None):
    tiers = selectors.tiers_for(program=program)
    live = selectors.model_live(program=program)
    models = selectors.models_recent(program=program)
    jobs = selectors.training_jobs_recent()
    running = [j for j in jobs if j.status in (Job.Status.QUEUED, Job.Status.RUNNING)]
    settings_row = ScoringSettings.load()
    return render(
        request,
        "scoring/settings.html",
        {
            "nav": nav_for(request.user, "settings"),
            "program": program,
            "live": live,
            "live_row": _model_row(live) if live else None,
            "challengers": [m for m in models if m.status in CHALLENGER_STATUSES],
            "model_rows": [_model_row(m) for m in models],
            "tier_rows": _tier_rows(program, tiers, live),
            "capacity": automation_selectors.capacity_check(
                program=program, tiers=tiers, now=timezone.now(), hot_capacity=settings_row.hot_capacity
            ),
            "signals": selectors.signals_of_program(program=program),
            "settings_row": settings_row,
            "jobs": jobs,
            "running": running or [m for m in models if m.status == ScoringModel.Status.TRAINING],
            "ab_tests": selectors.ab_tests_recent(program=program),
            "kinds": ScoringModel.Kind.choices,
            "model_types": ScoringModel.ModelType.choices,
            "failed": failed,
        },
    )


def _settings_post(request: HttpRequest, program: ScoringProgram) -> dict | None:
    """Run one form's action through its service. None when it was done; else what failed (the action, the
    row it was about and the errors per field) for the page to show beside that form."""
    action = request.POST.get("action", "")
    actor = request.user
    form_class = {
        "settings": forms.ScoringSettingsForm,
        "tier": forms.TierForm,
        "signal": forms.SignalForm,
        "deploy": forms.DeployForm,
        "train": forms.TrainForm,
        "rollback": None,
    }
    if action not in form_class:
        messages.error(request, "Unknown action.")
        return None
    form = form_class[action](request.POST) if form_class[action] else None
    target = request.POST.get(action if action in ("tier", "signal") else "model", "")
    try:
        if form is not None and not form.is_valid():
            raise ValidationError(_errors_of(form))
        if action == "settings":
            services.scoring_settings_update(actor=actor, **form.changes())
            messages.success(request, "Scoring settings saved.")
        elif action == "tier":
            tier = get_object_or_404(TierDefinition, pk=form.cleaned_data["tier"], program=program)
            services.tier_update(tier=tier, actor=actor, **form.changes())
            messages.success(request, f"Tier {tier.name} saved.")
        elif action == "signal":
            signal = get_object_or_404(Signal, pk=form.cleaned_data["signal"], program=program)
            services.signal_update(signal=signal, actor=actor, **form.changes())
            messages.success(request, f"Signal “{signal.name}” saved.")
        elif action == "deploy":
            model = get_object_or_404(ScoringModel, pk=form.cleaned_data["model"], program=program)
            services.model_deploy(
                model=model, actor=actor, override_reason=form.cleaned_data["override_reason"]
            )
            messages.success(request, f"v{model.version} is live; leads are being rescored.")
        elif action == "rollback":
            model = services.model_rollback(program=program, actor=actor)
            messages.success(request, f"Rolled back: v{model.version} is live again.")
        elif action == "train":
            model = services.model_create(program=program, actor=actor, **form.cleaned_data)
            services.model_train_start(model=model, actor=actor)
            messages.success(request, f"Training v{model.version} started.")
    except ValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        text = "; ".join(
            f"{k.replace('_', ' ')}: {' '.join(v)}" if k and k != "__all__" else " ".join(v)
            for k, v in detail.items()
        )
        messages.error(request, f"Not saved. {text}")
        return {"action": action, "target": target, "errors": detail}
    except (services.DeployRefused, services.TrainingRefused) as exc:
        messages.error(request, str(exc))
    return None


def _errors_of(form) -> dict[str, list[str]]:
    return {field: [str(e) for e in errors] for field, errors in form.errors.items()}
