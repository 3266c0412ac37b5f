"""Investigators' pages, mounted at the site root by config/urls.py (not under one facility: an investigator's
watch list and link report span the facilities where they hold the role)."""

from django.urls import path

from . import views

urlpatterns = [
    path("investigations/", views.watch_list, name="investigations-watches"),
    path("investigations/watches/<int:pk>/", views.watch_detail, name="investigations-watch"),
    path("investigations/links/", views.link_report, name="investigations-links"),
]
