from django.urls import path

from . import compliance_views, views

urlpatterns = [
    path("lead-scoring-audit", views.audit_page, name="scoring-audit"),
    path("compliance/", compliance_views.compliance_page, name="compliance"),
    path("compliance/report", compliance_views.compliance_report, name="compliance-report"),
    path(
        "compliance/exports/<slug:kind>.<slug:fmt>",
        compliance_views.export_download,
        name="compliance-export",
    ),
    path("compliance/leads/<int:pk>/export", compliance_views.person_export, name="compliance-person-export"),
    path(
        "compliance/leads/<int:pk>/erase", compliance_views.person_erase_view, name="compliance-person-erase"
    ),
    path(
        "compliance/leads/<int:pk>/reconstruct",
        compliance_views.reconstruct_page,
        name="lead-reconstruct-page",
    ),
]
