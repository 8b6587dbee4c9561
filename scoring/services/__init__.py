"""Writes of the scoring domain. Import from here: `from scoring import services`."""

from .batch import RESCORE_TOPIC, job_chunks_publish, leads_batch_score_start, leads_rescore_queue
from .cadence import leads_due_for_cadence, leads_rescore_on_cadence, leads_stale_downgrade
from .config import (
    config_update,
    defaults_ensure,
    lead_feedback_record,
    lead_feedback_reviewed,
    lead_override,
    lead_override_clear,
    program_create,
    program_seed,
    scoring_settings_update,
    signal_create,
    signal_update,
    tier_update,
)
from .decisions import DecisionRow, decision_record, decision_restating, decisions_record
from .jobs import (
    ChunkOutcome,
    batch_reap,
    job_batch_finish,
    job_chunk_run,
    job_chunk_start,
    job_finish,
    job_progress,
)
from .lifecycle import DeployRefused, leakage_decision_record, model_bootstrap, model_deploy, model_rollback
from .replay import ReplayRefused, scores_replay
from .rollup import accounts_rollup
from .scoring import RescoreResult, ScoreResult, lead_rescore, lead_score_inline, leads_rescore
from .training import TrainingRefused, model_create, model_train, model_train_start, model_update

__all__ = [
    "config_update",
    "DecisionRow",
    "DeployRefused",
    "leakage_decision_record",
    "RescoreResult",
    "ScoreResult",
    "TrainingRefused",
    "accounts_rollup",
    "decision_record",
    "decision_restating",
    "decisions_record",
    "defaults_ensure",
    "RESCORE_TOPIC",
    "ChunkOutcome",
    "batch_reap",
    "job_batch_finish",
    "job_chunk_run",
    "job_chunk_start",
    "job_chunks_publish",
    "job_finish",
    "job_progress",
    "lead_feedback_record",
    "lead_feedback_reviewed",
    "lead_override",
    "lead_override_clear",
    "lead_rescore",
    "lead_score_inline",
    "leads_batch_score_start",
    "leads_rescore_queue",
    "leads_due_for_cadence",
    "leads_rescore",
    "leads_rescore_on_cadence",
    "leads_stale_downgrade",
    "model_bootstrap",
    "scores_replay",
    "ReplayRefused",
    "model_create",
    "model_deploy",
    "model_rollback",
    "model_train",
    "model_train_start",
    "model_update",
    "program_create",
    "program_seed",
    "scoring_settings_update",
    "signal_create",
    "signal_update",
    "tier_update",
]
