"""`/api/v1/leadscoring/`: leads and events here; scoring, models, config and jobs from scoring.api;
audit from audit.api."""

from django.urls import include, path, register_converter

from config.api.common import IdPathConverter

from . import (
    authentication,  # noqa: F401  (registers the API key scheme with drf-spectacular)
    views,
)

register_converter(IdPathConverter, "id")

urlpatterns = [
    path("leads", views.LeadListApi.as_view(), name="lead-list"),
    path("leads/<id:pk>", views.LeadDetailApi.as_view(), name="lead-detail"),
    path("events", views.EventsApi.as_view(), name="events"),
    path("", include("scoring.api.urls")),
    path("audit/", include("audit.api.urls")),
]
