from django.urls import path

from . import views

urlpatterns = [
    path("", views.leads, name="leads"),
    path("<int:pk>/", views.lead_detail, name="lead"),
    path("<int:pk>/feedback", views.lead_feedback, name="lead-feedback"),
]
