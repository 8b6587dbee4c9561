from django.urls import path

from .views import leads, notifications, performance, reps, settings

urlpatterns = [
    path("", performance.home, name="home"),
    path("leads/", leads.leads, name="leads"),
    path("leads/<int:pk>/", leads.lead_detail, name="lead"),
    path("leads/<int:pk>/feedback", leads.lead_feedback, name="lead-feedback"),
    path("leads/<int:pk>/contacts", leads.lead_contact, name="lead-contact"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/<int:pk>/", notifications.notification_open, name="notification"),
    path("lead-scoring-reps", reps.rep_productivity, name="rep-productivity"),
    path("lead-scoring", performance.performance, name="performance"),
    path("lead-scoring-settings", settings.scoring_settings, name="scoring-settings"),
]
