"""Platform API endpoints of the approvals app, mounted under /api/v1/ by config/urls.py."""

from django.urls import path

from . import api

urlpatterns = [
    path("phone-list/requests", api.ListRequestView.as_view(), name="api-phone-list-request"),
    path("facilities/<str:code>/inmates/<str:register_number>/phone-list", api.PhoneListView.as_view(),
         name="api-phone-list"),
    path("called-party-blocks", api.CalledPartyBlockView.as_view(), name="api-called-party-blocks"),
]
