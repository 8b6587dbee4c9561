from django.urls import path

from . import views

urlpatterns = [
    path("leads/<id:pk>/decisions", views.LeadDecisionsApi.as_view(), name="audit-lead-decisions"),
    path("leads/<id:pk>/tier-on-date", views.LeadTierOnDateApi.as_view(), name="audit-lead-tier-on-date"),
    path("history/<str:object_type>/<id:pk>", views.ConfigHistoryApi.as_view(), name="audit-history"),
]
