"""Schema pieces several resources share."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter

PROGRAM_PARAM = OpenApiParameter("program", str, description="Program slug; the default program if absent.")


def page(*rows) -> dict:
    """A one-page list body, as an example of a paginated response."""
    return {"count": len(rows), "next": None, "previous": None, "results": list(rows)}
