"""Markdown building blocks of the model document: numbers, percentages, cells, tables and text histograms.

Every formatter accepts a missing or non-finite value and writes "n/a" (or an empty cell) for it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..contracts import Factor

NOT_AVAILABLE = "_Not available._"


def finite(value) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and math.isfinite(float(value))


def num(value, digits: int = 2) -> str:
    return f"{float(value):,.{digits}f}" if finite(value) else "n/a"


def integer(value) -> str:
    return f"{int(value):,}" if finite(value) else "n/a"


def pct(value, digits: int = 1) -> str:
    return f"{100 * float(value):.{digits}f} %" if finite(value) else "n/a"


def pct_interval(row: dict, rate_key: str = "win_rate") -> str:
    """A row's rate with its 95 % interval: "38.5 % (35.1 %-41.9 %)"."""
    return f"{pct(row.get(rate_key))} ({pct(row.get('ci_low'))}-{pct(row.get('ci_high'))})"


def signed(value) -> str:
    return f"{float(value):+.1f}" if finite(value) else "n/a"


def signed_pct(value) -> str:
    return f"{100 * float(value):+.1f} pts" if finite(value) else "n/a"


def p_value(value) -> str:
    if not finite(value):
        return "n/a"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def ci(interval) -> str:
    if not interval or len(interval) < 2 or not (finite(interval[0]) and finite(interval[1])):
        return "n/a"
    return f"{interval[0]:.3f}-{interval[1]:.3f}"


def date(value) -> str:
    if value is None or value == "":
        return "not available"
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    return str(value)


def gate_target(gate: dict | None) -> str:
    return f">= {num(gate.get('target'), 2)}" if gate else ""


def gate_result(gate: dict | None) -> str:
    if not gate:
        return ""
    return "pass" if gate.get("passed") else "**fail**"


def cell(value: Any) -> str:
    """One Markdown table cell: pipes escaped, newlines flattened."""
    if value is None:
        return ""
    if isinstance(value, float):
        return num(value, 2)
    return str(value).replace("|", "\\|").replace("\n", " ")


def factors(value) -> str:
    """Top factors (Factor dicts) as one cell, each written as 'label (+12.0)'."""
    if not isinstance(value, list):  # a lead scored without explanations
        return ""
    return cell("; ".join(f"{f.label} ({signed(f.points)})" for f in map(Factor.from_dict, value)))


def confidence(value) -> str:
    return pct(value, 0) if finite(value) and 0 <= float(value) <= 1 else cell(value)


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines.extend(
        "| " + " | ".join(cell(value) if not isinstance(value, str) else value for value in row) + " |"
        for row in rows
    )
    return "\n".join(lines)


def generic_table(rows: Sequence) -> str:
    """A table of whatever scalar keys the rows share, in first-seen order (for dicts whose shape varies)."""
    rows = [row for row in rows if isinstance(row, dict)]
    if not rows:
        return NOT_AVAILABLE
    columns: list[str] = []
    for row in rows:
        for key, value in row.items():
            if key not in columns and not isinstance(value, dict):
                columns.append(key)
    body = []
    for row in rows:
        cells = []
        for column in columns:
            value = row.get(column)
            if isinstance(value, list | tuple):
                cells.append(cell(", ".join(str(item) for item in value)))
            elif isinstance(value, float) and any(word in column for word in ("rate", "share")):
                cells.append(pct(value))
            elif isinstance(value, float) and column.startswith("p"):
                cells.append(p_value(value))
            elif isinstance(value, float):
                cells.append(num(value, 3))
            else:
                cells.append(cell(value))
        body.append(cells)
    return table([column_title(column) for column in columns], body)


def column_title(column: str) -> str:
    acronyms = {"auc": "AUC", "ks": "KS", "iv": "IV", "woe": "WoE", "id": "ID", "n": "Leads", "pr": "PR"}
    words = str(column).replace("_", " ").split()
    title = " ".join(acronyms.get(word.lower(), word) for word in words)
    return title[:1].upper() + title[1:]


def histogram(scores: np.ndarray, *, bins: int = 10, width: int = 40) -> str:
    """A text histogram of 0-100 scores in a code block, one bar per band."""
    values = scores[~np.isnan(scores)]
    counts, edges = np.histogram(np.clip(values, 0, 100), bins=np.linspace(0, 100, bins + 1))
    top = max(int(counts.max()) if counts.size else 0, 1)
    lines = [
        f"{edges[i]:5.0f}-{edges[i + 1]:<4.0f}| {'#' * int(round(width * count / top)):<{width}} {count:,}"
        for i, count in enumerate(counts)
    ]
    return "```\n" + "\n".join(reversed(lines)) + "\n```"


def won_lost_histogram(distribution: dict, width: int = 30) -> str:
    edges, won, lost = distribution["edges"], distribution.get("won") or [], distribution.get("lost") or []
    top = max([*won, *lost, 1])
    lines = [f"{'score':>9} | {'won':<{width}} {'':>6} | {'lost':<{width}}"]
    for i in range(len(edges) - 1):
        w = won[i] if i < len(won) else 0
        lo = lost[i] if i < len(lost) else 0
        lines.append(
            f"{edges[i]:4.0f}-{edges[i + 1]:<4.0f} | {'+' * int(round(width * w / top)):<{width}} {w:>6,} | "
            f"{'-' * int(round(width * lo / top)):<{width}} {lo:,}"
        )
    return "```\n" + "\n".join([lines[0], *reversed(lines[1:])]) + "\n```"
