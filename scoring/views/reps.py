"""`/lead-scoring-reps`: rep productivity for ops and managers; a rep sees their own row."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from config.pages import nav_for, role_required
from config.roles import is_compliance, is_ops, is_rep

from .. import selectors
from ..automation import productivity
from .performance import date_range


@role_required(is_ops, is_compliance, is_rep)
def rep_productivity(request: HttpRequest) -> HttpResponse:
    user = request.user
    program = selectors.program_for_request(request)
    start, end, problem = date_range(request)
    if problem:
        messages.warning(request, problem)
    only_user = None if (is_ops(user) or is_compliance(user)) else user
    data = productivity.rep_productivity(
        program=program, start=start, end=end, viewer=user, only_user=only_user
    )
    return render(
        request,
        "scoring/reps.html",
        {
            "nav": nav_for(user, "reps"),
            "program": program,
            "programs": selectors.programs_active(),
            "start": start,
            "end": end,
            "data": data,
            "charts": productivity.rep_charts(data) if data["reps"] else {},
        },
    )
