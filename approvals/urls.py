"""Staff pages of the approvals app, mounted at the site root by config/urls.py."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
