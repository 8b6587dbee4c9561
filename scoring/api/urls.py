from django.urls import path

from . import views

urlpatterns = [
    path("score", views.ScoreApi.as_view(), name="score"),
    path("batch-score", views.BatchScoreApi.as_view(), name="batch-score"),
    path("performance", views.PerformanceApi.as_view(), name="performance"),
    path("analytics", views.AnalyticsApi.as_view(), name="analytics"),
    path("models", views.ModelListApi.as_view(), name="model-list"),
    path("models/<id:pk>", views.ModelDetailApi.as_view(), name="model-detail"),
    path("models/<id:pk>/train", views.ModelTrainApi.as_view(), name="model-train"),
    path("models/<id:pk>/deploy", views.ModelDeployApi.as_view(), name="model-deploy"),
    path("models/<id:pk>/rollback", views.ModelRollbackApi.as_view(), name="model-rollback"),
    path("models/<id:pk>/performance", views.ModelPerformanceApi.as_view(), name="model-performance"),
    path("models/<id:pk>/report", views.ModelReportApi.as_view(), name="model-report"),
    path("config", views.ConfigApi.as_view(), name="config"),
    path("features", views.FeatureListApi.as_view(), name="feature-list"),
    path("features/<id:pk>", views.FeatureDetailApi.as_view(), name="feature-detail"),
    path("jobs/<id:pk>", views.JobDetailApi.as_view(), name="job-detail"),
]
