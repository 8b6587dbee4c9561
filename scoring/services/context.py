"""The scoring context of a program, kept per process for the API's fast path.

Scoring one inline lead used to load the live version's whole row (about 150 KB of report, analysis and
scorecard JSON), rebuild its signals and reload tiers and settings on every request. The context keeps the
loaded scorer and the version's signals, keyed by a stamp (the live version's id, deployment moment and
artifact digest) that one narrow query reads per request, with the tiers: a deploy, a rollback or a retrained artifact
changes the stamp and the next request rebuilds the context, in every process, without a restart.
Tiers are not cached: the four tier rows are read per request (as cheap as a version check), so a tier
edit shows at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from .. import selectors
from ..models import ScoringModel, ScoringProgram, Signal, TierDefinition
from .artifacts import artifact_load

# What scoring reads from a version: everything else on the row (report, analysis, scorecard) stays unread.
SCORING_FIELDS = ("id", "program_id", "version", "artifact_path", "artifact_sha256", "signals", "deployed_at")


@dataclass(frozen=True)
class ScoringContext:
    stamp: tuple[int, str, str]
    model: ScoringModel
    scorer: object
    signals: tuple[Signal, ...]
    numerical: frozenset[str]


_contexts: dict[int, ScoringContext] = {}


@dataclass(frozen=True)
class TierRow:
    """What inline scoring reads of a tier."""

    name: str
    lower_bound: float
    recommended_action: str


def _stamp_and_tiers(program: ScoringProgram) -> tuple[tuple | None, list[TierRow]]:
    # One round trip for both: under load each query costs milliseconds of waiting, more than scoring.
    model_table, tier_table = ScoringModel._meta.db_table, TierDefinition._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT m.id, m.deployed_at, m.artifact_sha256, t.name, t.lower_bound, t.recommended_action "
            f"FROM (SELECT %s AS program_id) p LEFT JOIN {model_table} m "
            "ON m.program_id = p.program_id AND m.status = %s "
            f"LEFT JOIN {tier_table} t ON t.program_id = p.program_id ORDER BY t.rank",
            [program.pk, ScoringModel.Status.LIVE.value],
        )
        rows = cursor.fetchall()
    stamp = None
    if rows and rows[0][0] is not None:
        model_id, deployed_at, digest = rows[0][:3]
        # SQLite hands datetimes back as text: compare stamps in one form.
        stamp = (model_id, str(deployed_at), digest)
    tiers = [
        TierRow(name, float(bound), action or "") for *_, name, bound, action in rows if name is not None
    ]
    return stamp, tiers


def scoring_context_and_tiers(*, program: ScoringProgram) -> tuple[ScoringContext | None, list[TierRow]]:
    """The program's live scoring context (None without a live version), rebuilt when its stamp moved,
    and its tiers as they are now, best first."""
    stamp, tiers = _stamp_and_tiers(program)
    if stamp is None:
        return None, tiers
    cached = _contexts.get(program.pk)
    if cached is not None and cached.stamp == stamp:
        return cached, tiers
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
    return context, tiers


def scoring_context(*, program: ScoringProgram) -> ScoringContext | None:
    """The program's live scoring context (None without a live version)."""
    return scoring_context_and_tiers(program=program)[0]


def model_for_scoring(*, program: ScoringProgram) -> ScoringModel | None:
    """The live version with only the fields scoring reads (the batch path's model row)."""
    context = scoring_context(program=program)
    return context.model if context is not None else None
