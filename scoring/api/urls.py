"""`/api/v1/leadscoring/`: leads, events, scoring, models, configuration, features, analytics and jobs."""

from django.urls import path

from leadscoring.api import authentication  # noqa: F401  (registers the API key scheme with drf-spectacular)

from .views import analytics, automation, config, events, features, jobs, leads, models, scoring

urlpatterns = [
    path("leads", leads.LeadListApi.as_view(), name="lead-list"),
    path("leads/<id:pk>", leads.LeadDetailApi.as_view(), name="lead-detail"),
    path("leads/<id:pk>/contacts", automation.LeadContactsApi.as_view(), name="lead-contacts"),
    path("notifications", automation.NotificationListApi.as_view(), name="notifications"),
    path("events", events.EventsApi.as_view(), name="events"),
    path("score", scoring.ScoreApi.as_view(), name="score"),
    path("batch-score", scoring.BatchScoreApi.as_view(), name="batch-score"),
    path("performance", analytics.PerformanceApi.as_view(), name="performance"),
    path("analytics", analytics.AnalyticsApi.as_view(), name="analytics"),
    path("models", models.ModelListApi.as_view(), name="model-list"),
    path("models/<id:pk>", models.ModelDetailApi.as_view(), name="model-detail"),
    path("models/<id:pk>/train", models.ModelTrainApi.as_view(), name="model-train"),
    path("models/<id:pk>/deploy", models.ModelDeployApi.as_view(), name="model-deploy"),
    path("models/<id:pk>/rollback", models.ModelRollbackApi.as_view(), name="model-rollback"),
    path("models/<id:pk>/performance", models.ModelPerformanceApi.as_view(), name="model-performance"),
    path("models/<id:pk>/report", models.ModelReportApi.as_view(), name="model-report"),
    path("config", config.ConfigApi.as_view(), name="config"),
    path("features", features.FeatureListApi.as_view(), name="feature-list"),
    path("features/<id:pk>", features.FeatureDetailApi.as_view(), name="feature-detail"),
    path("jobs/<id:pk>", jobs.JobDetailApi.as_view(), name="job-detail"),
]
