"""`jobs/{id}`: a long operation's status and progress."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from config import roles
from config.api.common import ApiView
from config.api.permissions import READERS_STAFF
from config.api.schema import example
from scoring.models import Job

from .. import serializers as s

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

JOB_EXAMPLE = example("A running job", JOB, status_codes=["200"])
JOB_ACCEPTED_EXAMPLE = example(
    "Accepted",
    {"job": {**JOB, "status": "queued", "progress": 0}, "job_url": JOB["url"]},
    status_codes=["202"],
)


def job_accepted(job: Job) -> Response:
    job.refresh_from_db()
    body = {"job": s.JobOut(job).data, "job_url": reverse("api:job-detail", args=[job.pk])}
    return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["job_url"]})


class JobDetailApi(ApiView):
    read_roles = READERS_STAFF

    @extend_schema(
        operation_id="jobs_retrieve",
        summary="A long operation's status and progress",
        responses={200: s.JobOut},
        examples=[JOB_EXAMPLE],
    )
    def get(self, request, pk: int):
        job = get_object_or_404(Job, pk=pk)
        # An integration key sees the jobs it can start (batch scoring), not training runs.
        if job.kind == Job.Kind.TRAIN and not roles.has_role(request.user, roles.OPS, roles.COMPLIANCE):
            self.permission_denied(request, message="Training jobs are for the Ops and Compliance roles.")
        return Response(s.JobOut(job).data)
