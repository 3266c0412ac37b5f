"""Platform API endpoints of the calls app, mounted under /api/v1/ by config/urls.py."""

from django.urls import path

from . import api

urlpatterns = [
    path("calls/ping", api.PingView.as_view(), name="api-calls-ping"),
    path("calls/authorize", api.AuthorizeView.as_view(), name="api-calls-authorize"),
    path("calls/<str:call_id>/complete", api.CompleteView.as_view(), name="api-calls-complete"),
]
