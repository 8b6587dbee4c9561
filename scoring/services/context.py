"""The scoring context of a program, kept per process for the API's fast path.

Scoring one inline lead used to load the live version's whole row (about 150 KB of report, analysis and
scorecard JSON), rebuild its signals and reload tiers and settings on every request. The context keeps the
loaded scorer and the version's signals, keyed by a stamp (the live version's id, deployment moment and
artifact digest) that one narrow query reads per request: a deploy, a rollback or a retrained artifact
changes the stamp and the next request rebuilds the context, in every process, without a restart.
Tiers are not cached: the four tier rows are read per request (as cheap as a version check), so a tier
edit shows at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .. import selectors
from ..models import ScoringModel, ScoringProgram, Signal
from .artifacts import artifact_load

# What scoring reads from a version: everything else on the row (report, analysis, scorecard) stays unread.
SCORING_FIELDS = ("id", "program_id", "version", "artifact_path", "artifact_sha256", "signals", "deployed_at")


@dataclass(frozen=True)
class ScoringContext:
    stamp: tuple[int, datetime | None, str]
    model: ScoringModel
    scorer: object
    signals: tuple[Signal, ...]
    numerical: frozenset[str]


_contexts: dict[int, ScoringContext] = {}


def scoring_context(*, program: ScoringProgram) -> ScoringContext | None:
    """The program's live scoring context (None without a live version), rebuilt when its stamp moved."""
    stamp = (
        ScoringModel.objects.filter(program=program, status=ScoringModel.Status.LIVE)
        .values_list("id", "deployed_at", "artifact_sha256")
        .first()
    )
    if stamp is None:
        return None
    cached = _contexts.get(program.pk)
    if cached is not None and cached.stamp == stamp:
        return cached
    model = ScoringModel.objects.only(*SCORING_FIELDS).get(pk=stamp[0])
    signals = tuple(selectors.signals_of_model(model=model))
    context = ScoringContext(
        stamp=stamp,
        model=model,
        scorer=artifact_load(model.artifact_path, model.artifact_sha256),
        signals=signals,
        numerical=frozenset(s.key for s in signals if s.value_type == Signal.ValueType.NUMERICAL),
    )
    _contexts[program.pk] = context
    return context


def model_for_scoring(*, program: ScoringProgram) -> ScoringModel | None:
    """The live version with only the fields scoring reads (the batch path's model row)."""
    context = scoring_context(program=program)
    return context.model if context is not None else None
