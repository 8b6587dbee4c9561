"""The person endpoints, beside the lead endpoints: /api/v1/leadscoring/leads/{id}/export|erase|reconstruct."""

from django.urls import path

from . import person

urlpatterns = [
    path("leads/<id:pk>/export", person.LeadExportApi.as_view(), name="lead-export"),
    path("leads/<id:pk>/erase", person.LeadEraseApi.as_view(), name="lead-erase"),
    path("leads/<id:pk>/reconstruct", person.LeadReconstructApi.as_view(), name="lead-reconstruct"),
]
