from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    # Browsers ask for /favicon.ico on pages that name no icon (the admin).
    path("favicon.ico", RedirectView.as_view(url=settings.STATIC_URL + "img/favicon.svg", permanent=True)),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/leadscoring/", include(("leadscoring.api.urls", "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("leads/", include("leadscoring.urls")),
    path("", include("scoring.urls")),
    path("", include("audit.urls")),
]

# JSON errors under /api/, Django's pages elsewhere.
handler400 = "config.api.errors.json_bad_request"
handler404 = "config.api.errors.json_not_found"
handler500 = "config.api.errors.json_server_error"
