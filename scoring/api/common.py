"""API pieces that need the scoring domain: which program a request means."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from scoring import selectors
from scoring.models import ScoringProgram


def program_from_query(request) -> ScoringProgram:
    """`?program=<slug>`, or the default program."""
    slug = request.query_params.get("program")
    if slug:
        return get_object_or_404(ScoringProgram, slug=slug[:64])
    return selectors.program_default()
