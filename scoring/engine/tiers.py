"""The out-of-the-box tiers: one definition for the engine's model document and the Django defaults.

Plain data (the engine imports no app): `scoring.defaults` seeds the database from it, and the report
describes a version's tiers from it when no edited tiers are passed.
"""

from __future__ import annotations

DEFAULT_TIERS: list[tuple] = [
    # name, rank, lower bound, colour, SLA hours, recommended action, cadence days
    ("Hot", 1, 75.0, "#d64545", 1, "Call now: respond within 1 business hour", 1),
    ("Warm", 2, 50.0, "#e8913a", 24, "Personal email and call the same day", 3),
    ("Cool", 3, 25.0, "#3a8fd6", 72, "Add to a nurture sequence; review weekly", 7),
    ("Cold", 4, 0.0, "#7a8794", None, "Marketing nurture only", 30),
]


def sla_text(hours: int | None) -> str:
    """A tier's SLA in words: the product counts it in hours from the moment the lead entered the tier."""
    if not hours:
        return "No rep SLA"
    return f"Respond within {hours} hour" + ("" if hours == 1 else "s")


def cadence_text(days: int | None) -> str:
    """A tier's re-scoring cadence in words."""
    return {1: "Daily", 7: "Weekly", 30: "Monthly"}.get(
        days, f"Every {days} days" if days else "Not scheduled"
    )


def default_tiers() -> list[dict]:
    """The default tiers as the model document reads them, top down: [{name, sla, action, rescoring}]."""
    return [
        {"name": name, "sla": sla_text(sla), "action": action, "rescoring": cadence_text(cadence)}
        for name, _rank, _lower, _colour, sla, action, cadence in DEFAULT_TIERS
    ]
