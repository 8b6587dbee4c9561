"""The decision log's one writer: every ScoreSnapshot row is built as a `DecisionRow` and written here.

Every trigger (an event, a cadence or batch rescore, a stale downgrade, a manual override, a replay)
records its decisions through `decisions_record`, so every row has every column filled the same way
whatever wrote it. On PostgreSQL the rows go in with COPY: Django's bulk_create spends most of its time
adapting JSON arrays row by row (measured: 5.4 s of 12 s for 2,000 leads). Each JSON column's text is
made once (`chain.json_text`) and serves both the COPY and the row's content digest. SQLite has no
COPY; bulk_create is its fast path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter

from django.db import connection

from ..models import LeadScore, ScoreSnapshot
from ..signals import decisions_recorded
from .chain import decision_digest, json_text

DECISION_COLUMNS = (
    "lead_id",
    "program_id",
    "model_id",
    "score",
    "probability",
    "confidence",
    "subtotals",
    "tier",
    "previous_tier",
    "top_factors",
    "missing_signals",
    "inputs",
    "trigger",
    "reason",
    "actor_id",
    "created_at",
)
# What a decision's content digest covers (the hash chain): every column a writer fills.
DIGEST_COLUMNS = DECISION_COLUMNS
JSON_COLUMNS = frozenset({"subtotals", "top_factors", "missing_signals", "inputs"})
REASON_LENGTH = ScoreSnapshot._meta.get_field("reason").max_length
_columns_of = attrgetter(*DECISION_COLUMNS)


@dataclass(slots=True, kw_only=True)
class DecisionRow:
    """One decision, one column per field of ScoreSnapshot.

    `inputs` are the signal values the model read; a decision that restates an earlier score without
    reading signals (an override, a stale downgrade) has none, and says why in `reason`.
    """

    lead_id: int
    program_id: int
    model_id: int | None
    score: float
    tier: str
    probability: float | None
    confidence: float | None
    subtotals: dict
    top_factors: list
    missing_signals: list
    trigger: str
    created_at: datetime
    previous_tier: str = ""
    inputs: dict = field(default_factory=dict)
    reason: str = ""
    actor_id: int | None = None

    def __post_init__(self) -> None:
        self.trigger = str(self.trigger)
        self.reason = self.reason.strip()[:REASON_LENGTH]
        self.previous_tier = self.previous_tier or ""
        self.subtotals = dict(self.subtotals or {})
        self.top_factors = list(self.top_factors or [])
        self.missing_signals = list(self.missing_signals or [])
        self.inputs = dict(self.inputs or {})


def decision_restating(
    *,
    current: LeadScore,
    tier: str,
    previous_tier: str,
    trigger: str,
    reason: str,
    created_at: datetime,
    score: float | None = None,
    actor_id: int | None = None,
) -> DecisionRow:
    """A decision that moves a lead's tier (or pins its score) from its current score, reading no signals."""
    return DecisionRow(
        lead_id=current.lead_id,
        program_id=current.program_id,
        model_id=current.model_id,
        score=current.score if score is None else score,
        tier=tier,
        previous_tier=previous_tier,
        probability=current.probability,
        confidence=current.confidence,
        subtotals=current.subtotals,
        top_factors=current.top_factors,
        missing_signals=current.missing_signals,
        trigger=trigger,
        reason=reason,
        actor_id=actor_id,
        created_at=created_at,
    )


def _fields(decision: DecisionRow) -> dict:
    return dict(zip(DECISION_COLUMNS, _columns_of(decision), strict=True))


def _sealed_fields(decision: DecisionRow) -> dict:
    fields = _fields(decision)
    return {**fields, "content_sha256": decision_digest(fields)}


def decisions_record(*, decisions: list[DecisionRow]) -> int:
    """Append decisions to the log in one statement; the caller's transaction holds them. Returns how many."""
    if not decisions:
        return 0
    if connection.vendor != "postgresql":
        ScoreSnapshot.objects.bulk_create(
            [ScoreSnapshot(**_sealed_fields(d)) for d in decisions], batch_size=500
        )
        decisions_recorded.send(sender=DecisionRow, decisions=decisions)
        return len(decisions)
    json_positions = [i for i, column in enumerate(DECISION_COLUMNS) if column in JSON_COLUMNS]
    sql = f"COPY {ScoreSnapshot._meta.db_table} ({', '.join(DECISION_COLUMNS)}, content_sha256) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for decision in decisions:
            values = list(_columns_of(decision))
            # One text per JSON column, sent to the database and digested (chain.decision_digest).
            texts = {DECISION_COLUMNS[i]: json_text(values[i]) for i in json_positions}
            content = decision_digest(dict(zip(DECISION_COLUMNS, values, strict=True)), texts=texts)
            for i in json_positions:
                values[i] = texts[DECISION_COLUMNS[i]]
            values.append(content)
            copy.write_row(values)
    decisions_recorded.send(sender=DecisionRow, decisions=decisions)
    return len(decisions)


def decision_record(*, decision: DecisionRow) -> ScoreSnapshot:
    """Append one decision and return it as stored (one row: COPY would buy nothing)."""
    snapshot = ScoreSnapshot.objects.create(**_sealed_fields(decision))
    decisions_recorded.send(sender=DecisionRow, decisions=[decision])
    return snapshot
