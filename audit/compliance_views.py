"""The Compliance page: a person's data exported or erased, a past decision reconstructed, the exports
for a date range, the user-activity stream and the printable compliance report."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from config.pages import nav_for, role_required
from config.roles import is_compliance, is_ops
from leadscoring.models import Lead
from leadscoring.services import personal_data_read_record
from scoring import selectors as selectors_scoring
from scoring.analytics import date_bounds
from scoring.views.performance import date_range

from . import selectors
from .models import DecisionLink, Erasure, ExportLog
from .reports import model_audit
from .services.erasure import person_erase
from .services.exports import KINDS, export_stream
from .services.person_export import person_export_json, person_export_zip
from .services.reconstruction import decision_reconstruct


def _moment(raw: str) -> datetime | None:
    moment = parse_datetime(raw or "")
    if moment is None:
        try:
            moment = datetime.fromisoformat(raw)
        except (TypeError, ValueError):
            return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


@role_required(is_compliance)
def compliance_page(request: HttpRequest) -> HttpResponse:
    program = selectors_scoring.program_for_request(request)
    start, end, problem = date_range(request)
    ref = request.GET.get("person", "").strip()
    person = selectors.person_lead(ref=ref) if ref else None
    if person is not None:
        personal_data_read_record(
            leads=[person], user=request.user, channel="page", action="compliance.person"
        )
    kind = request.GET.get("kind", "")
    actor = request.GET.get("actor", "").strip()
    lo, hi = date_bounds(start, end)
    return render(
        request,
        "audit/compliance.html",
        {
            "nav": nav_for(request.user, "compliance"),
            "program": program,
            "start": start,
            "end": end,
            "problem": problem,
            "ref": ref,
            "person": person,
            "not_found": bool(ref) and person is None,
            "kinds": KINDS,
            "activity": selectors.activity_stream(start=lo, end=hi, kind=kind, actor=actor, limit=200),
            "activity_kinds": selectors.ACTIVITY_KINDS,
            "activity_filter": {"kind": kind, "actor": actor},
            "erasures": Erasure.objects.select_related("user")[:20],
            "exports": ExportLog.objects.select_related("user")[:20],
            "links": DecisionLink.objects.filter(program_id=program.pk).count(),
        },
    )


@role_required(is_compliance)
def person_export(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_object_or_404(Lead, pk=pk)
    if request.GET.get("bundle") == "zip":
        response = HttpResponse(
            person_export_zip(lead=lead, user=request.user), content_type="application/zip"
        )
        response["Content-Disposition"] = f'attachment; filename="lead-{lead.pk}-export.zip"'
    else:
        response = HttpResponse(
            person_export_json(lead=lead, user=request.user), content_type="application/json"
        )
        response["Content-Disposition"] = f'attachment; filename="lead-{lead.pk}-export.json"'
    return response


@require_POST
@role_required(is_compliance)
def person_erase_view(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_object_or_404(Lead, pk=pk)
    if request.POST.get("confirm") != "erase":
        messages.error(request, "Type “erase” to confirm: an erasure cannot be undone.")
        return redirect(f"{reverse('compliance')}?person={lead.pk}")
    result = person_erase(
        lead=lead,
        actor=request.user,
        reason="compliance page",
        request_ref=request.POST.get("request_ref", "")[:128],
    )
    wiped = ", ".join(f"{k}: {v}" for k, v in result.wiped.items())
    messages.success(
        request, f"Lead {lead.pk} erased ({wiped})." if not result.already_erased else "Already erased."
    )
    return redirect(f"{reverse('compliance')}?person={lead.pk}")


@role_required(is_compliance, is_ops)
def reconstruct_page(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_object_or_404(Lead, pk=pk)
    program = selectors_scoring.program_for_request(request)
    raw = request.GET.get("at", "")
    moment = _moment(raw) if raw else timezone.now()
    result = decision_reconstruct(lead=lead, program=program, at=moment) if moment else None
    if result is not None:
        personal_data_read_record(leads=[lead], user=request.user, channel="page", action="audit.reconstruct")
    return render(
        request,
        "audit/reconstruct.html",
        {
            "nav": nav_for(request.user, "audit"),
            "lead": lead,
            "at": raw,
            "bad_at": moment is None,
            "result": result,
        },
        status=400 if moment is None else 200,
    )


@role_required(is_compliance)
def export_download(request: HttpRequest, kind: str, fmt: str) -> StreamingHttpResponse:
    if kind not in KINDS or fmt not in ("csv", "json"):
        raise Http404("No such export.")
    program = selectors_scoring.program_for_request(request)
    start, end, _ = date_range(request)
    stream = export_stream(kind=kind, fmt=fmt, program=program, start=start, end=end, user=request.user)
    response = StreamingHttpResponse(stream, content_type="text/csv" if fmt == "csv" else "application/json")
    response["Content-Disposition"] = f'attachment; filename="{kind}-{start}-{end}.{fmt}"'
    return response


@role_required(is_compliance)
def compliance_report(request: HttpRequest) -> HttpResponse:
    """The printable compliance report for a range (HTML with a print stylesheet: print it to PDF)."""
    program = selectors_scoring.program_for_request(request)
    start, end, problem = date_range(request)
    lo, hi = date_bounds(start, end)
    latest = selectors.model_latest_reported(program=program)
    return render(
        request,
        "audit/compliance_report.html",
        {
            "program": program,
            "start": start,
            "end": end,
            "problem": problem,
            "generated_at": timezone.now(),
            "decisions": selectors.decisions_summary(program=program, start=lo, end=hi),
            "changes": [c for c in selectors.config_changes(limit=500) if lo <= c["at"] < hi],
            "activity": selectors.activity_stream(start=lo, end=hi, limit=500),
            "erasures": Erasure.objects.filter(created_at__gte=lo, created_at__lt=hi).select_related("user"),
            "links": DecisionLink.objects.filter(program_id=program.pk).count(),
            "latest": latest,
            "sections": model_audit(latest, program),
        },
    )
