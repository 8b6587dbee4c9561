from django.urls import path

from .views import leads, performance, settings

urlpatterns = [
    path("", performance.home, name="home"),
    path("leads/", leads.leads, name="leads"),
    path("leads/<int:pk>/", leads.lead_detail, name="lead"),
    path("leads/<int:pk>/feedback", leads.lead_feedback, name="lead-feedback"),
    path("lead-scoring", performance.performance, name="performance"),
    path("lead-scoring-settings", settings.scoring_settings, name="scoring-settings"),
]
