"""The model document: `lead-scoring-model.md`.

`ModelDocument` gathers, as plain data, everything a model version learned and how it was checked;
`render_report` turns it into the Markdown document ops staff, sales leadership and compliance read.
Each part is optional: a section whose inputs are missing says "not available" and why, so a
document can always be rendered, even for a version that was only partly built.

`document` holds the data model, `sections` the twelve sections and their reading of the engine's
shapes, `formatting` the Markdown cells, tables and histograms.
"""

from __future__ import annotations

from ..tiers import DEFAULT_TIERS, default_tiers
from .document import SECTIONS, ModelDocument, score_distribution
from .formatting import NOT_AVAILABLE
from .sections import render_report

__all__ = [
    "DEFAULT_TIERS",
    "NOT_AVAILABLE",
    "SECTIONS",
    "ModelDocument",
    "default_tiers",
    "render_report",
    "score_distribution",
]
