"""Platform API endpoints of the calls app, mounted under /api/v1/ by config/urls.py."""

from django.urls import path

from . import api_views

urlpatterns = [
    path("calls/ping", api_views.PingView.as_view(), name="api-calls-ping"),
    path("calls/authorize", api_views.AuthorizeView.as_view(), name="api-calls-authorize"),
    path("calls/<str:call_id>/complete", api_views.CompleteView.as_view(), name="api-calls-complete"),
]
