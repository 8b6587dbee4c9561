from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("lead-scoring", views.performance, name="performance"),
    path("lead-scoring-settings", views.scoring_settings, name="scoring-settings"),
]
