from django.urls import path

from . import views

urlpatterns = [
    path("lead-scoring-audit", views.audit_page, name="scoring-audit"),
]
