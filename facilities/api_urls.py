"""Platform API endpoints of the facilities app (the roster), mounted under /api/v1/ by config/urls.py."""

from django.urls import path

from . import api

urlpatterns = [
    path("roster/book", api.BookView.as_view(), name="api-roster-book"),
    path("roster/transfer", api.TransferView.as_view(), name="api-roster-transfer"),
    path("roster/release", api.ReleaseView.as_view(), name="api-roster-release"),
]
