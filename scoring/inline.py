"""What an inline lead (`POST score`, `batch-score` with `leads`) may hold: the live model's signals,
each value of its signal's type and within its validation rules.

A value the model cannot read is refused with the field and the reason, never scored as missing:
`employee_count: "ten"` used to be dropped silently and the lead scored without it.
"""

from __future__ import annotations

import math

from scoring import selectors
from scoring.models import ScoringProgram, Signal

MAX_LISTED_KEYS = 30


class InlineLeadCheck:
    """Loaded once per request (the live model's signals and their rules), then applied to each lead."""

    def __init__(self, *, program: ScoringProgram):
        model = selectors.model_live(program=program)
        # No live model: the scoring service answers 409, there is nothing to check against.
        self.signals = {row["key"]: row for row in model.signals} if model is not None else None
        self.rules = selectors.signal_rules_by_key(program=program) if model is not None else {}

    def errors(self, payload: dict) -> dict[str, list[str]]:
        if self.signals is None:
            return {}
        errors: dict[str, list[str]] = {}
        for key, value in payload.items():
            signal = self.signals.get(key)
            if signal is None:
                errors[key] = [self._unknown(key)]
                continue
            if value is None:
                continue
            reason = value_error(signal, self.rules.get(key) or {}, value)
            if reason:
                errors[key] = [reason]
        return errors

    def _unknown(self, key: str) -> str:
        known = sorted(self.signals)
        listed = ", ".join(known[:MAX_LISTED_KEYS]) + (", ..." if len(known) > MAX_LISTED_KEYS else "")
        return f"Not a signal of the live model, so it would not be scored; its signals are: {listed}."


def value_error(signal: dict, rules: dict, value) -> str:
    """Why `value` does not fit the signal (type, then rules), or "" when it does."""
    value_type = signal.get("value_type")
    if value_type == Signal.ValueType.NUMERICAL:
        return _number_error(signal, rules, value)
    if value_type == Signal.ValueType.BOOLEAN:
        if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
            return ""
        return f"Expected true or false, got {value!r}."
    if not isinstance(value, str):
        return f"Expected text (one of the signal's categories), got {value!r}."
    choices = rules.get("choices")
    if isinstance(choices, list) and choices and value not in choices:
        return f"{value!r} is not one of: {', '.join(map(str, choices))}."
    return ""


def _number_error(signal: dict, rules: dict, value) -> str:
    number = _as_number(value)
    if number is None:
        return f"Expected a number, got {value!r}."
    low, high = rules.get("min"), rules.get("max")
    if signal.get("source") == Signal.Source.EVENT and low is None:
        low = 0  # a count of events or a number of days is never negative
    if low is not None and number < float(low):
        return f"{number:g} is below the signal's minimum of {float(low):g}."
    if high is not None and number > float(high):
        return f"{number:g} is above the signal's maximum of {float(high):g}."
    return ""


def _as_number(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None
