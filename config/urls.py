from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path, register_converter
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.api.common import IdPathConverter
from config.api.errors import json_not_found

register_converter(IdPathConverter, "id")

# One namespace ("api") over every app's endpoints; the apps are named by string, so config imports none.
api_v1 = [
    path("", include("scoring.api.urls")),
    path("audit/", include("audit.api.urls")),
]

urlpatterns = [
    # Browsers ask for /favicon.ico on pages that name no icon (the admin).
    path("favicon.ico", RedirectView.as_view(url=settings.STATIC_URL + "img/favicon.svg", permanent=True)),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/leadscoring/", include((api_v1, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Anything else under /api/ (`leads/abc`, a typo) is the JSON 404, in DEBUG too: Django's debug 404
    # page never answers an API client.
    re_path(r"^api/", json_not_found),
    path("", include("scoring.urls")),
    path("", include("audit.urls")),
]

# JSON errors under /api/, Django's pages elsewhere.
handler400 = "config.api.errors.json_bad_request"
handler404 = "config.api.errors.json_not_found"
handler500 = "config.api.errors.json_server_error"
