"""Response examples for the OpenAPI document (what a client sees, with realistic figures)."""

from config.api.schema import example

JOB = {
    "id": 12,
    "kind": "batch_score",
    "status": "running",
    "progress": 40,
    "message": "2 of 5 chunks scored",
    "params": {"leads": 10000, "program": 1, "trigger": "batch"},
    "result": {},
    "error": "",
    "model_id": None,
    "created_at": "2026-03-01T09:30:00Z",
    "finished_at": None,
    "url": "/api/v1/leadscoring/jobs/12",
}
MODEL = {
    "id": 3,
    "program": "lead-score",
    "name": "Spring retrain",
    "version": 3,
    "kind": "learner",
    "model_type": "gradient_boosting",
    "status": "live",
    "validation_passed": True,
    "progress": 100,
    "progress_message": "Trained",
    "created_at": "2026-03-01T09:00:00Z",
    "trained_at": "2026-03-01T09:04:10Z",
    "deployed_at": "2026-03-01T10:00:00Z",
}
MODEL_DETAIL = {
    **MODEL,
    "training_options": {"split": "time", "holdout": 0.3, "seed": 42},
    "guardrails": {},
    "outcome_definition": {"won_statuses": ["converted"], "within_days": 180},
    "thresholds": {"hot": 75.0, "warm": 50.0, "cool": 25.0},
    "signals": [{"key": "demo_requests_90d", "name": "Demo requests (90 days)", "dimension": "intent"}],
    "trained_on": {"closed_leads": 4200, "won": 610, "from": "2024-01-01", "to": "2026-02-28"},
    "error": "",
    "deploy_override_reason": "",
    "replaces_id": 2,
}
SIGNAL = {
    "id": 31,
    "program": "lead-score",
    "key": "pricing_views_7d",
    "name": "Pricing page views (7 days)",
    "dimension": "intent",
    "value_type": "numerical",
    "source": "event",
    "source_field": "",
    "event_kind": "pricing_page",
    "window_days": 7,
    "transformation": "count",
    "points": 12.0,
    "weight": 1.0,
    "cap": 20.0,
    "decay": {},
    "repeat_cap": 10,
    "validation_rules": {},
    "active": True,
}
CONFIG = {
    "program": "lead-score",
    "tiers": [
        {
            "name": "Hot",
            "rank": 1,
            "lower_bound": 75.0,
            "colour": "#d64545",
            "sla_hours": 1,
            "recommended_action": "Call now: respond within 1 business hour",
            "cadence_days": 1,
        },
        {
            "name": "Cold",
            "rank": 4,
            "lower_bound": 0.0,
            "colour": "#7a8794",
            "sla_hours": None,
            "recommended_action": "Marketing nurture only",
            "cadence_days": 30,
        },
    ],
    "settings": {
        "stale_after_days": 45,
        "trend_window_days": 14,
        "trend_band": 5.0,
        "hysteresis": 3.0,
        "hot_capacity": 0,
        "low_confidence_below": 0.3,
    },
}
PROGRAM = {"id": 1, "name": "Lead score", "slug": "lead-score"}
PERFORMANCE = {
    "program": PROGRAM,
    "start": "2025-12-01",
    "end": "2026-02-28",
    "kpis": {
        "lead_volume": 1200,
        "average_score": 41.3,
        "qualified_leads": 310,
        "qualified_share": 0.2583,
        "converted_leads": 96,
        "conversion_rate": 0.08,
        "closed_leads": 400,
        "model_accuracy": 0.81,
        "revenue_attributed": 412000.0,
        "qualification_threshold": 50.0,
        "model_auc": 0.84,
        "model_version": 3,
    },
    "by_tier": [
        {
            "tier": "Hot",
            "colour": "#d64545",
            "share": 0.08,
            "leads": 96,
            "converted": 31,
            "conversion_rate": 0.3229,
        },
    ],
}
ANALYTICS = {
    "program": PROGRAM,
    "start": "2025-12-01",
    "end": "2026-02-28",
    "score_distribution": {"bins": [{"band": "0-5", "low": 0, "high": 5, "leads": 40}], "total": 1200},
    "funnel": [{"stage": "new", "label": "Lead", "leads": 1200, "share_of_top": 1.0}],
    "sources": [
        {"name": "webinar", "leads": 120, "converted": 14, "conversion_rate": 0.1167, "avg_score": 58.2}
    ],
    "geography": [
        {"name": "UK", "leads": 300, "converted": 25, "conversion_rate": 0.0833, "avg_score": 44.0}
    ],
    "trends": {"granularity": "week", "points": [{"period": "2026-02-23", "leads": 95, "avg_score": 43.1}]},
}
BATCH = {
    "scored": 2,
    "failed": 1,
    "skipped": 0,
    "results": [
        {
            "index": 0,
            "lead_id": 42,
            "ok": True,
            "lead_score": 81.5,
            "tier": "Hot",
            "probability": 0.42,
            "errors": {},
        },
        {
            "index": 1,
            "lead_id": 999,
            "ok": False,
            "lead_score": None,
            "tier": None,
            "probability": None,
            "errors": {"lead_id": ["No such lead."]},
        },
        {
            "index": 2,
            "lead_id": 43,
            "ok": True,
            "lead_score": 22.0,
            "tier": "Cold",
            "probability": 0.03,
            "errors": {},
        },
    ],
}


def page(*rows) -> dict:
    return {"count": len(rows), "next": None, "previous": None, "results": list(rows)}


JOB_EXAMPLE = example("A running job", JOB, status_codes=["200"])
JOB_ACCEPTED_EXAMPLE = example(
    "Accepted",
    {"job": {**JOB, "status": "queued", "progress": 0}, "job_url": JOB["url"]},
    status_codes=["202"],
)
MODEL_EXAMPLE = example("A version", MODEL_DETAIL, status_codes=["200", "201"])
MODEL_LIST_EXAMPLE = example("Versions", page(MODEL), status_codes=["200"])
SIGNAL_EXAMPLE = example("A signal", SIGNAL, status_codes=["200", "201"])
SIGNAL_LIST_EXAMPLE = example("Signals", page(SIGNAL), status_codes=["200"])
CONFIG_EXAMPLE = example("Configuration", CONFIG, status_codes=["200"])
PERFORMANCE_EXAMPLE = example("Last 90 days", PERFORMANCE, status_codes=["200"])
ANALYTICS_EXAMPLE = example("Last 90 days", ANALYTICS, status_codes=["200"])
BATCH_EXAMPLE = example("Per-item results", BATCH, status_codes=["200"])
MODEL_PERFORMANCE_EXAMPLE = example(
    "Holdout figures",
    {
        "model_id": 3,
        "version": 3,
        "status": "live",
        "validation_passed": True,
        "metrics": {"auc": 0.84, "pr_auc": 0.41, "brier": 0.071, "lift_top_decile": 3.2},
        "thresholds": {"hot": 75.0, "warm": 50.0, "cool": 25.0},
        "trained_on": {"closed_leads": 4200, "won": 610},
    },
    status_codes=["200"],
)
MODEL_REPORT_EXAMPLE = example(
    "Report",
    {
        "model_id": 3,
        "version": 3,
        "filename": "lead-scoring-model.md",
        "markdown": "# Lead scoring model v3\n...",
    },
    status_codes=["200"],
)
