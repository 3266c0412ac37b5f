from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api.docs import RedocView
from operations.health import HealthView
from operations.metrics import metrics_view

api_v1 = [
    path("", include("facilities.api_urls")),
    path("", include("approvals.api_urls")),
    path("", include("calls.api_urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    # Load balancers and Prometheus (docs/operations.md): no sign-in; /metrics only to PORTAL_METRICS_NETWORKS.
    path("health/", HealthView.as_view(), name="health"),
    path("metrics", metrics_view, name="metrics"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The vendor's engineers read the schema here: Swagger UI and Redoc served by the app (drf-spectacular-sidecar);
    # under the Content-Security-Policy (api/docs.py): Swagger UI's start-up script from its own address (?script),
    # Redoc's run-time styles with the answer's nonce.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", RedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("", include("facilities.urls")),
    path("", include("approvals.urls")),
    path("", include("calls.urls")),
    path("", include("emergencies.urls")),
    path("", include("investigations.urls")),
]

# JSON {code, message} under /api/, Django's pages elsewhere.
handler400 = "api.handlers.bad_request"
handler403 = "api.handlers.permission_denied"
handler404 = "api.handlers.not_found"
handler500 = "api.handlers.server_error"
